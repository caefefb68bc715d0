package io.gevent4j.socket;

import static io.gevent4j.testkit.Delays.LONG;
import static io.gevent4j.testkit.Delays.SHORT;
import static io.gevent4j.testkit.Delays.since;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.testkit.Probe;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class UdpAndSelectTest {
    static final InetSocketAddress ANY = new InetSocketAddress("127.0.0.1", 0);

    Hub hub;

    @BeforeEach
    void startHub() {
        hub = Hub.start("udp-test");
    }

    @AfterEach
    void closeHub() {
        assertThat(hub.close(LONG)).isTrue();
    }

    @Test
    void udpEchoWithSendToAndRecvFrom() throws Exception {
        try (UdpSocket server = UdpSocket.bind(ANY); UdpSocket client = UdpSocket.bind(ANY)) {
            Greenlet<Void> echo = hub.spawn(() -> {
                ByteBuffer buf = ByteBuffer.allocate(512);
                InetSocketAddress from = server.recvFrom(buf);
                server.sendTo(buf.flip(), from);
                return null;
            });
            Greenlet<String> g = hub.spawn(() -> {
                client.sendTo(ByteBuffer.wrap("ping".getBytes(StandardCharsets.US_ASCII)), server.localAddress());
                ByteBuffer buf = ByteBuffer.allocate(512);
                InetSocketAddress from = client.recvFrom(buf);
                assertThat(from).isEqualTo(server.localAddress());
                return StandardCharsets.US_ASCII.decode(buf.flip()).toString();
            });
            assertThat(g.result(LONG)).isEqualTo("ping");
            echo.result(LONG);
        }
    }

    @Test
    void connectedUdpSendAndRecv() throws Exception {
        try (UdpSocket a = UdpSocket.bind(ANY); UdpSocket b = UdpSocket.bind(ANY)) {
            a.connect(b.localAddress());
            b.connect(a.localAddress());
            Greenlet<Integer> reader = hub.spawn(() -> b.recv(ByteBuffer.allocate(100)));
            Probe.awaitParked(reader, LONG);
            assertThat(reader.ready()).isFalse();
            a.send(ByteBuffer.wrap(new byte[17]));
            assertThat(reader.result(LONG)).isEqualTo(17);
        }
    }

    @Test
    void udpRecvTimesOutAndCloseWakesIt() throws Exception {
        try (UdpSocket s = UdpSocket.bind(ANY)) {
            s.timeout(SHORT);
            long start = System.nanoTime();
            assertThatThrownBy(() -> s.recvFrom(ByteBuffer.allocate(10)))
                    .isInstanceOf(SocketTimeoutException.class).hasMessage("recvFrom timed out");
            assertThat(since(start)).isGreaterThanOrEqualTo(SHORT);
            s.noTimeout();
            Greenlet<InetSocketAddress> g = hub.spawn(() -> s.recvFrom(ByteBuffer.allocate(10)));
            Probe.awaitParked(g, LONG);
            s.close();
            g.join(LONG);
            assertThat(g.exception()).isInstanceOf(SocketException.class).hasMessageContaining("Socket closed");
        }
    }

    @Test
    void waitReadAndWaitWriteOnAPipe() throws Exception {
        Pipe pipe = Pipe.open();
        try (var source = pipe.source(); var sink = pipe.sink()) {
            source.configureBlocking(false);
            sink.configureBlocking(false);
            Greenlet<Integer> reader = hub.spawn(() -> {
                Io.waitRead(source, LONG);
                ByteBuffer b = ByteBuffer.allocate(1);
                source.read(b);
                return (int) b.get(0);
            });
            Greenlet<Void> writer = hub.spawn(() -> {
                Io.waitWrite(sink, LONG);
                Probe.awaitParked(reader, LONG); // the byte arrives while the reader waits
                sink.write(ByteBuffer.wrap(new byte[] {5}));
                return null;
            });
            assertThat(reader.result(LONG)).isEqualTo(5);
            writer.result(LONG);
            long start = System.nanoTime();
            assertThat(hub.spawn(() -> {
                try {
                    Io.waitRead(source, SHORT);
                    return "ready";
                } catch (SocketTimeoutException e) {
                    return e.getMessage();
                }
            }).result(LONG)).isEqualTo("waitRead timed out");
            assertThat(since(start)).isGreaterThanOrEqualTo(SHORT);
        }
    }

    @Test
    void waitReadRejectsABlockingChannel() throws Exception {
        Pipe pipe = Pipe.open();
        try (var source = pipe.source(); var sink = pipe.sink()) {
            assertThatThrownBy(() -> Io.waitRead(source, SHORT))
                    .isInstanceOf(java.nio.channels.IllegalBlockingModeException.class);
        }
    }

    @Test
    void selectReportsOnlyTheReadyChannels() throws Exception {
        Pipe p1 = Pipe.open();
        Pipe p2 = Pipe.open();
        try (var s1 = p1.source(); var k1 = p1.sink(); var s2 = p2.source(); var k2 = p2.sink()) {
            s1.configureBlocking(false);
            s2.configureBlocking(false);
            Greenlet<Io.Selection> g = hub.spawn(() -> Io.select(List.of(s1, s2), List.of(), LONG));
            Probe.awaitParked(g, LONG);
            assertThat(g.ready()).isFalse();
            k2.write(ByteBuffer.wrap(new byte[] {1}));
            Io.Selection sel = g.result(LONG);
            assertThat(sel.readable()).containsExactly(s2);
            assertThat(sel.writable()).isEmpty();
            // Time-out: nothing ready (s2 drained).
            s2.read(ByteBuffer.allocate(1));
            Io.Selection none = hub.spawn(() -> Io.select(List.of(s1, s2), List.of(), SHORT)).result(LONG);
            assertThat(none.isEmpty()).isTrue();
            // Writers: a pipe sink is writable at once.
            k1.configureBlocking(false);
            Io.Selection w = hub.spawn(() -> Io.select(List.of(s1), List.of(k1), LONG)).result(LONG);
            assertThat(w.writable()).containsExactly(k1);
            assertThat(w.readable()).isEmpty();
        }
    }

    @Test
    void selectWithAZeroTimeoutIsARealPoll() throws Exception {
        Pipe p = Pipe.open();
        try (var source = p.source(); var sink = p.sink()) {
            source.configureBlocking(false);
            sink.configureBlocking(false);
            Io.Selection nothing = hub.spawn(() -> Io.select(List.of(source), List.of(), Duration.ZERO)).result(LONG);
            assertThat(nothing.isEmpty()).isTrue();
            sink.write(ByteBuffer.wrap(new byte[] {1}));
            Io.Selection ready = hub.spawn(() -> Io.select(List.of(source), List.of(sink), Duration.ZERO)).result(LONG);
            assertThat(ready.readable()).containsExactly(source);
            assertThat(ready.writable()).containsExactly(sink);
            // The channels stay usable with the hub's selector afterwards.
            assertThat(hub.spawn(() -> Io.select(List.of(source), List.of(), LONG)).result(LONG).readable())
                    .containsExactly(source);
        }
    }

    @Test
    void selectFromAPlainThread() throws Exception {
        Pipe p = Pipe.open();
        try (var source = p.source(); var sink = p.sink()) {
            source.configureBlocking(false);
            hub.spawnLater(Duration.ofMillis(SHORT.toMillis()), () -> sink.write(ByteBuffer.wrap(new byte[] {1})));
            Io.Selection sel = Io.select(List.of(source), List.of(), LONG);
            assertThat(sel.readable()).containsExactly(source);
        }
    }
}
