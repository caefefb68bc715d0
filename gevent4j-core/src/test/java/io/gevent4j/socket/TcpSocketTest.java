package io.gevent4j.socket;

import static io.gevent4j.testkit.Delays.LONG;
import static io.gevent4j.testkit.Delays.MEDIUM;
import static io.gevent4j.testkit.Delays.SHORT;
import static io.gevent4j.testkit.Delays.since;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.GreenletExit;
import io.gevent4j.Hub;
import io.gevent4j.Timeout;
import io.gevent4j.testkit.Probe;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TcpSocketTest {
    static final InetSocketAddress ANY = new InetSocketAddress("127.0.0.1", 0);

    Hub hub;

    @BeforeEach
    void startHub() {
        hub = Hub.start("tcp-test");
    }

    @AfterEach
    void closeHub() {
        assertThat(hub.close(LONG)).isTrue();
    }

    /** Unwraps the checked exception a greenlet failed with. */
    static Throwable failure(Greenlet<?> g) {
        g.join(LONG);
        assertThat(g.ready()).as("greenlet finished").isTrue();
        Throwable e = g.exception();
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    static void echoOnce(TcpSocket s) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        while (s.recvInto(buf.clear()) > 0) {
            s.sendAll(buf.flip());
        }
        s.close();
    }

    @Test
    void echoBetweenGreenletsOfOneHub() throws Exception {
        TcpListener listener = TcpListener.bind(ANY);
        Greenlet<Void> server = hub.spawn(() -> {
            try (listener) {
                echoOnce(listener.accept());
            }
            return null;
        });
        Greenlet<String> client = hub.spawn(() -> {
            try (TcpSocket s = TcpSocket.connect(listener.localAddress(), LONG)) {
                assertThat(s.remoteAddress()).isEqualTo(listener.localAddress());
                assertThat(s.localAddress().getAddress().isLoopbackAddress()).isTrue();
                s.sendAll("hello, hub".getBytes(StandardCharsets.UTF_8));
                s.shutdownOutput();
                StringBuilder got = new StringBuilder();
                byte[] chunk;
                while ((chunk = s.recv(3)).length > 0) {
                    got.append(new String(chunk, StandardCharsets.UTF_8));
                }
                return got.toString();
            }
        });
        assertThat(client.result(LONG)).isEqualTo("hello, hub");
        server.result(LONG);
    }

    @Test
    void plainThreadUsesSocketsThroughTheDefaultHub() throws Exception {
        try (TcpListener listener = TcpListener.bind(ANY)) {
            Greenlet<Void> server = hub.spawn(() -> {
                echoOnce(listener.accept());
                return null;
            });
            // This test thread is not a greenlet: its waits go through the default hub.
            try (TcpSocket s = TcpSocket.connect("127.0.0.1", listener.localAddress().getPort(), LONG)) {
                assertThat(s.timeout()).contains(LONG);
                s.sendAll(new byte[] {1, 2, 3});
                ByteBuffer buf = ByteBuffer.allocate(3);
                while (buf.hasRemaining()) {
                    assertThat(s.recvInto(buf)).isPositive();
                }
                assertThat(buf.array()).containsExactly(1, 2, 3);
            }
            server.result(LONG);
        }
    }

    @Test
    void streamsViewsWorkWithLineOrientedCode() throws Exception {
        try (TcpListener listener = TcpListener.bind(ANY)) {
            Greenlet<Void> server = hub.spawn(() -> {
                try (TcpSocket s = listener.accept();
                        var in = new BufferedReader(new InputStreamReader(s.inputStream(), StandardCharsets.UTF_8));
                        var out = new PrintWriter(s.outputStream(), true, StandardCharsets.UTF_8)) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        out.println(line.toUpperCase());
                    }
                }
                return null;
            });
            Greenlet<List<String>> client = hub.spawn(() -> {
                try (TcpSocket s = TcpSocket.connect(listener.localAddress(), LONG);
                        var in = new BufferedReader(new InputStreamReader(s.inputStream(), StandardCharsets.UTF_8));
                        var out = new PrintWriter(s.outputStream(), true, StandardCharsets.UTF_8)) {
                    List<String> replies = new ArrayList<>();
                    for (String word : List.of("one", "two", "three")) {
                        out.println(word);
                        replies.add(in.readLine());
                    }
                    return replies;
                }
            });
            assertThat(client.result(LONG)).containsExactly("ONE", "TWO", "THREE");
            server.result(LONG);
        }
    }

    @Test
    void recvTimesOutWithSocketTimeoutException() throws Exception {
        try (TcpListener listener = TcpListener.bind(ANY)) {
            Greenlet<TcpSocket> accepted = hub.spawn(listener::accept);
            Greenlet<Void> client = hub.spawn(() -> {
                try (TcpSocket s = TcpSocket.connect(listener.localAddress(), LONG)) {
                    s.timeout(SHORT);
                    long start = System.nanoTime();
                    assertThatThrownBy(() -> s.recv(10))
                            .isInstanceOf(SocketTimeoutException.class).hasMessage("recv timed out");
                    assertThat(since(start)).isGreaterThanOrEqualTo(SHORT);
                }
                return null;
            });
            client.result(LONG);
            accepted.result(LONG).close();
        }
    }

    @Test
    void aZeroTimeoutNeverWaits() throws Exception {
        try (TcpListener listener = TcpListener.bind(ANY)) {
            Greenlet<TcpSocket> accepted = hub.spawn(listener::accept);
            Greenlet<String> g = hub.spawn(() -> {
                try (TcpSocket s = TcpSocket.connect(listener.localAddress(), LONG)) {
                    s.timeout(java.time.Duration.ZERO);
                    try {
                        s.recv(1);
                        return "read";
                    } catch (SocketTimeoutException e) {
                        return e.getMessage();
                    }
                }
            });
            assertThat(g.result(LONG)).isEqualTo("recv timed out");
            accepted.result(LONG).close();
        }
    }

    @Test
    void aReadAfterAShortReadStillFindsBytesThatHaveArrived() throws Exception {
        // After a short read, the next recv waits for readiness before it reads (no EAGAIN
        // system call in request/response traffic). Bytes already there must still be read at
        // once, also when the socket may not wait at all, or only for a deadline already passed.
        try (TcpListener listener = TcpListener.bind(ANY)) {
            Greenlet<TcpSocket> accepted = hub.spawn(listener::accept);
            Greenlet<List<String>> g = hub.spawn(() -> {
                try (TcpSocket s = TcpSocket.connect(listener.localAddress(), LONG);
                        TcpSocket peer = accepted.result(LONG)) {
                    List<String> got = new ArrayList<>();
                    peer.sendAll("a".getBytes(StandardCharsets.US_ASCII));
                    got.add(new String(s.recv(100), StandardCharsets.US_ASCII)); // short: drained
                    peer.sendAll("b".getBytes(StandardCharsets.US_ASCII));
                    Io.waitRead(s.channel(), LONG);
                    s.timeout(java.time.Duration.ZERO); // never wait: reads first
                    got.add(new String(s.recv(100), StandardCharsets.US_ASCII));
                    peer.sendAll("c".getBytes(StandardCharsets.US_ASCII));
                    Io.waitRead(s.channel(), LONG);
                    s.timeout(java.time.Duration.ofNanos(1)); // the wait times out: reads once more
                    got.add(new String(s.recv(100), StandardCharsets.US_ASCII));
                    s.noTimeout();
                    peer.sendAll("d".getBytes(StandardCharsets.US_ASCII));
                    got.add(new String(s.recv(100), StandardCharsets.US_ASCII)); // waits, then reads
                    return got;
                }
            });
            assertThat(g.result(LONG)).containsExactly("a", "b", "c", "d");
        }
    }

    @Test
    void sendFileSendsTheFileOrItsRangeThroughAFullSocketBuffer() throws Exception {
        byte[] data = new byte[8 << 20]; // far more than a loopback socket buffer holds
        new java.util.Random(42).nextBytes(data);
        java.nio.file.Path file = java.nio.file.Files.createTempFile("gevent4j-sendfile", ".bin");
        try (TcpListener listener = TcpListener.bind(ANY)) {
            java.nio.file.Files.write(file, data);
            Greenlet<byte[]> received = hub.spawn(() -> {
                try (TcpSocket s = listener.accept()) {
                    java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
                    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
                    int n;
                    while ((n = s.recvInto(buf.clear())) > 0) {
                        all.write(buf.array(), 0, n);
                    }
                    return all.toByteArray();
                }
            });
            Greenlet<long[]> sent = hub.spawn(() -> {
                try (TcpSocket s = TcpSocket.connect(listener.localAddress(), LONG);
                        java.nio.channels.FileChannel f = java.nio.channels.FileChannel.open(file)) {
                    long whole = s.sendFile(file);
                    long range = s.sendFile(f, 1000, 5000);
                    long pastTheEnd = s.sendFile(f, data.length - 10, 100); // the file ends first
                    s.shutdownOutput();
                    return new long[] {whole, range, pastTheEnd, f.position()};
                }
            });
            assertThat(sent.result(LONG)).containsExactly(data.length, 5000, 10, 0);
            byte[] expected = new byte[data.length + 5000 + 10];
            System.arraycopy(data, 0, expected, 0, data.length);
            System.arraycopy(data, 1000, expected, data.length, 5000);
            System.arraycopy(data, data.length - 10, expected, data.length + 5000, 10);
            assertThat(java.util.Arrays.equals(received.result(LONG), expected)).as("the bytes arrived in order").isTrue();
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }

    @Test
    void aTimeoutAroundRecvInterruptsIt() throws Exception {
        try (TcpListener listener = TcpListener.bind(ANY)) {
            Greenlet<TcpSocket> accepted = hub.spawn(listener::accept);
            Greenlet<Boolean> client = hub.spawn(() -> {
                try (TcpSocket s = TcpSocket.connect(listener.localAddress())) {
                    assertThat(s.timeout()).isEmpty();
                    boolean timedOut = Gevent.withTimeout(SHORT, () -> s.recv(10), null) == null;
                    // The socket is still usable afterwards: its read slot was freed.
                    accepted.result(LONG).sendAll(new byte[] {42});
                    assertThat(s.recv(10)).containsExactly(42);
                    return timedOut;
                }
            });
            assertThat(client.result(LONG)).isTrue();
            accepted.result(LONG).close();
        }
    }

    @Test
    void sendAllHasOneDeadlineForTheWholeCall() throws Exception {
        try (TcpListener listener = TcpListener.bind(ANY)) {
            Greenlet<TcpSocket> accepted = hub.spawn(listener::accept); // never reads
            Greenlet<Void> client = hub.spawn(() -> {
                try (TcpSocket s = TcpSocket.connect(listener.localAddress(), LONG)) {
                    s.setOption(StandardSocketOptions.SO_SNDBUF, 64 * 1024);
                    s.timeout(MEDIUM);
                    long start = System.nanoTime();
                    assertThatThrownBy(() -> s.sendAll(new byte[64 * 1024 * 1024]))
                            .isInstanceOf(SocketTimeoutException.class).hasMessage("sendAll timed out");
                    assertThat(since(start)).isGreaterThanOrEqualTo(MEDIUM);
                }
                return null;
            });
            client.result(LONG);
            accepted.result(LONG).close();
        }
    }

    @Test
    void sendAllWithItsOwnTimeOutIgnoresTheSocketsAndKeepsOrder() throws Exception {
        try (TcpListener listener = TcpListener.bind(ANY)) {
            Greenlet<TcpSocket> accepted = hub.spawn(listener::accept); // reads only at the end
            Greenlet<Void> client = hub.spawn(() -> {
                try (TcpSocket s = TcpSocket.connect(listener.localAddress(), LONG)) {
                    s.setOption(StandardSocketOptions.SO_SNDBUF, 64 * 1024);
                    s.noTimeout(); // the socket's own: none; the call's bound applies
                    s.sendAll(ByteBuffer.wrap(new byte[] {1, 2}));
                    s.sendAll(ByteBuffer.wrap(new byte[] {3, 4}), MEDIUM);
                    long start = System.nanoTime();
                    assertThatThrownBy(() -> s.sendAll(ByteBuffer.wrap(new byte[64 * 1024 * 1024]), MEDIUM))
                            .isInstanceOf(SocketTimeoutException.class).hasMessage("sendAll timed out");
                    assertThat(since(start)).isGreaterThanOrEqualTo(MEDIUM);
                    assertThatThrownBy(() -> s.sendAll(ByteBuffer.allocate(1), java.time.Duration.ofMillis(-1)))
                            .isInstanceOf(IllegalArgumentException.class);
                }
                return null;
            });
            client.result(LONG);
            try (TcpSocket peer = accepted.result(LONG)) {
                assertThat(hub.spawn(() -> peer.recv(4)).result(LONG)).as("the plain send, then the bounded one, in order")
                        .containsExactly(1, 2, 3, 4);
            }
        }
    }

    @Test
    void closeWakesEveryWaiterWithAClearError() throws Exception {
        try (TcpListener listener = TcpListener.bind(ANY)) {
            Greenlet<TcpSocket> accepted = hub.spawn(listener::accept);
            TcpSocket s = hub.spawn(() -> TcpSocket.connect(listener.localAddress(), LONG)).result(LONG);
            s.setOption(StandardSocketOptions.SO_SNDBUF, 64 * 1024);
            Greenlet<byte[]> reader = hub.spawn(() -> s.recv(10));
            Greenlet<Void> writer = hub.spawn(() -> {
                s.sendAll(new byte[64 * 1024 * 1024]); // the peer never reads: blocks for buffer space
                return null;
            });
            Probe.awaitParked(reader, LONG);
            Probe.awaitParked(writer, LONG);
            assertThat(reader.ready()).isFalse();
            assertThat(writer.ready()).isFalse();
            hub.spawn(() -> {
                s.close();
                return null;
            }).result(LONG);
            assertThat(failure(reader)).isInstanceOf(SocketException.class).hasMessageContaining("Socket closed");
            assertThat(failure(writer)).isInstanceOf(SocketException.class).hasMessageContaining("Socket closed");
            accepted.result(LONG).close();
        }
    }

    @Test
    void operationsOnAClosedSocketFailWithSocketClosed() throws Exception {
        try (TcpListener listener = TcpListener.bind(ANY)) {
            Greenlet<TcpSocket> accepted = hub.spawn(listener::accept);
            TcpSocket s = hub.spawn(() -> TcpSocket.connect(listener.localAddress(), LONG)).result(LONG);
            s.close();
            s.close(); // idempotent
            assertThatThrownBy(() -> s.recv(1)).isInstanceOf(SocketException.class).hasMessage("Socket closed");
            assertThatThrownBy(() -> s.sendAll(new byte[1])).isInstanceOf(SocketException.class).hasMessage("Socket closed");
            assertThat(s.isOpen()).isFalse();
            accepted.result(LONG).close();
        }
    }

    @Test
    void closingAListenerWakesItsAcceptFromAnotherThread() throws Exception {
        TcpListener listener = TcpListener.bind(ANY);
        Greenlet<TcpSocket> acceptor = hub.spawn(listener::accept);
        Probe.awaitParked(acceptor, LONG);
        assertThat(acceptor.ready()).isFalse();
        listener.close(); // from the test thread, while the hub may be parked in its selector
        assertThat(failure(acceptor)).isInstanceOf(SocketException.class).hasMessageContaining("Socket closed");
        assertThatThrownBy(() -> TcpSocket.connect(listener.localAddress(), LONG)).isInstanceOf(IOException.class);
    }

    @Test
    void twoReadersOnOneSocketIsAnErrorNotAHang() throws Exception {
        try (TcpListener listener = TcpListener.bind(ANY)) {
            Greenlet<TcpSocket> accepted = hub.spawn(listener::accept);
            TcpSocket s = hub.spawn(() -> TcpSocket.connect(listener.localAddress(), LONG)).result(LONG);
            Greenlet<byte[]> first = hub.spawn(() -> s.recv(10));
            Probe.awaitParked(first, LONG);
            Greenlet<byte[]> second = hub.spawn(() -> s.recv(10));
            assertThat(failure(second)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already waiting to read");
            accepted.result(LONG).sendAll(new byte[] {7});
            assertThat(first.result(LONG)).containsExactly(7);
            s.close();
            accepted.result(LONG).close();
        }
    }

    @Test
    void killingAGreenletBlockedInRecvFreesTheSocket() throws Exception {
        try (TcpListener listener = TcpListener.bind(ANY)) {
            Greenlet<TcpSocket> accepted = hub.spawn(listener::accept);
            TcpSocket s = hub.spawn(() -> TcpSocket.connect(listener.localAddress(), LONG)).result(LONG);
            Greenlet<byte[]> reader = hub.spawn(() -> s.recv(10));
            Probe.awaitParked(reader, LONG);
            assertThat(reader.kill(LONG)).isTrue();
            assertThat(reader.exit()).get().isInstanceOf(GreenletExit.class);
            accepted.result(LONG).sendAll(new byte[] {9});
            assertThat(hub.spawn(() -> s.recv(10)).result(LONG)).containsExactly(9);
            s.close();
            accepted.result(LONG).close();
        }
    }

    @Test
    void connectReportsTheRefusedAddress() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Greenlet<TcpSocket> g = hub.spawn(() -> TcpSocket.connect("127.0.0.1", port, LONG));
        assertThat(failure(g)).isInstanceOf(ConnectException.class).hasMessageContaining(":" + port);
    }

    @Test
    void aTimeoutAroundAcceptPropagatesAsItselfAndLeavesTheListenerUsable() throws Exception {
        try (TcpListener listener = TcpListener.bind(ANY)) {
            Greenlet<Object> g = hub.spawn(() -> Gevent.withTimeout(SHORT, listener::accept));
            assertThat(failure(g)).isInstanceOf(Timeout.class);
            Greenlet<TcpSocket> acceptor = hub.spawn(listener::accept);
            try (TcpSocket c = TcpSocket.connect(listener.localAddress(), LONG)) {
                acceptor.result(LONG).close();
            }
        }
    }

    @Test
    void aSocketOutlivesTheHubThatWatchedItFirst() throws Exception {
        try (TcpListener listener = TcpListener.bind(ANY)) {
            Hub first = Hub.start("short-lived");
            Greenlet<TcpSocket> accepted = hub.spawn(listener::accept);
            TcpSocket s = first.spawn(() -> {
                TcpSocket c = TcpSocket.connect(listener.localAddress(), LONG);
                Gevent.withTimeout(SHORT, () -> c.recv(1), null); // waits once: `first` now watches it
                return c;
            }).result(LONG);
            assertThat(first.close(LONG)).isTrue();
            Greenlet<byte[]> reader = hub.spawn(() -> s.timeout(LONG).recv(1));
            Probe.awaitParked(reader, LONG);
            accepted.result(LONG).sendAll(new byte[] {4});
            assertThat(reader.result(LONG)).containsExactly(4);
            s.close();
            accepted.result(LONG).close();
        }
    }

    @Test
    void hundredClientsOnOneHubEchoConcurrently() throws Exception {
        try (TcpListener listener = TcpListener.bind(ANY, 256)) {
            int clients = 100;
            Greenlet<Void> server = hub.spawn(() -> {
                for (int i = 0; i < clients; i++) {
                    TcpSocket c = listener.accept();
                    Gevent.spawn(() -> {
                        echoOnce(c);
                        return null;
                    });
                }
                return null;
            });
            AtomicInteger ok = new AtomicInteger();
            List<Greenlet<Void>> jobs = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                byte id = (byte) i;
                jobs.add(hub.spawn(() -> {
                    try (TcpSocket s = TcpSocket.connect(listener.localAddress(), LONG)) {
                        for (int round = 0; round < 20; round++) {
                            s.sendAll(new byte[] {id, (byte) round});
                            ByteBuffer b = ByteBuffer.allocate(2);
                            while (b.hasRemaining()) {
                                assertThat(s.recvInto(b)).isPositive();
                            }
                            assertThat(b.array()).containsExactly(id, (byte) round);
                        }
                    }
                    ok.incrementAndGet();
                    return null;
                }));
            }
            Gevent.joinAllOrRaise(jobs, LONG);
            assertThat(ok).hasValue(clients);
            server.result(LONG);
        }
    }
}
