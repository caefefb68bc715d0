package io.gevent4j.socket;

import static io.gevent4j.testkit.Delays.LONG;
import static io.gevent4j.testkit.Delays.SHORT;
import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.testkit.Probe;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * gevent's cancel_wait: closing a socket wakes the strands that wait on it at once. The waits
 * here have no time-out (or an hour), so a close that does not wake them fails the join.
 */
class CloseWakesWaitersTest {
    static final Duration HOUR = Duration.ofHours(1);

    Hub hub;
    Hub other;

    @BeforeEach
    void startHubs() {
        hub = Hub.start("close-test");
        other = Hub.start("close-test-other");
    }

    @AfterEach
    void closeHubs() {
        assertThat(hub.close(LONG)).isTrue();
        assertThat(other.close(LONG)).isTrue();
    }

    @Test
    void closingATcpSocketWakesWaitReadAndSelectOnItsChannelOnAnyHub() throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            TcpSocket s = TcpSocket.connect((InetSocketAddress) server.getLocalAddress(), LONG);
            Greenlet<String> reader = hub.spawn(() -> {
                try {
                    Io.waitRead(s.channel());
                    return "ready";
                } catch (SocketException e) {
                    return e.getMessage();
                }
            });
            Greenlet<Io.Selection> selector = other.spawn(() -> Io.select(List.of(s.channel()), List.of(), HOUR));
            Probe.awaitParked(reader, LONG);
            Probe.awaitParked(selector, LONG);
            assertThat(reader.ready()).isFalse();
            assertThat(selector.ready()).isFalse();
            hub.spawn(() -> {
                s.close();
                return null;
            }).result(LONG);
            assertThat(reader.join(LONG)).isTrue();
            assertThat(reader.result()).contains("Socket closed");
            assertThat(selector.join(LONG)).isTrue();
            assertThat(selector.result().readable()).containsExactly(s.channel());
        }
    }

    @Test
    void ioCloseWakesTheWaitersOfAChannelOfOnesOwn() throws Exception {
        Pipe pipe = Pipe.open();
        try (var sink = pipe.sink()) {
            var source = pipe.source();
            source.configureBlocking(false);
            Greenlet<String> reader = hub.spawn(() -> {
                try {
                    Io.waitRead(source);
                    return "ready";
                } catch (SocketException e) {
                    return e.getMessage();
                }
            });
            Probe.awaitParked(reader, LONG);
            assertThat(reader.ready()).isFalse();
            Io.close(source);
            assertThat(reader.join(LONG)).isTrue();
            assertThat(reader.result()).contains("Socket closed");
            assertThat(source.isOpen()).isFalse();
        }
    }

    @Test
    void closingAnOpenSocketEndsItsPendingConnect() throws Exception {
        // A listener that never accepts, with a backlog of 1: once its queue is full, the kernel
        // drops further SYNs and a connect stays pending.
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0), 1);
            InetSocketAddress address = (InetSocketAddress) server.getLocalAddress();
            List<TcpSocket> queued = new ArrayList<>();
            try {
                boolean pending = false;
                for (int i = 0; i < 16 && !pending; i++) {
                    try {
                        queued.add(hub.spawn(() -> TcpSocket.connect(address, SHORT)).result(LONG));
                    } catch (RuntimeException e) {
                        assertThat(e).hasRootCauseInstanceOf(SocketTimeoutException.class);
                        pending = true;
                    }
                }
                assertThat(pending).as("a connect to a full accept queue stays pending").isTrue();
                TcpSocket s = TcpSocket.open();
                Greenlet<String> connector = hub.spawn(() -> {
                    try {
                        s.connectTo(address);
                        return "connected";
                    } catch (ConnectException e) {
                        return e.getMessage();
                    }
                });
                Probe.awaitParked(connector, LONG);
                assertThat(connector.ready()).isFalse();
                s.close();
                assertThat(connector.join(LONG)).isTrue();
                assertThat(connector.result()).contains("Socket closed");
                assertThat(s.isOpen()).isFalse();
            } finally {
                for (TcpSocket q : queued) {
                    q.close();
                }
            }
        }
    }

    @Test
    void anOpenSocketConnectsWithConnectTo() throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
                TcpSocket s = TcpSocket.open()) {
            InetSocketAddress address = (InetSocketAddress) server.getLocalAddress();
            assertThat(hub.spawn(() -> s.connectTo(address, LONG)).result(LONG)).isSameAs(s);
            assertThat(s.remoteAddress().getPort()).isEqualTo(address.getPort());
            assertThat(s.timeout()).isEmpty();
        }
    }
}
