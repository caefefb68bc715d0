package io.gevent4j.server;

import static io.gevent4j.testkit.Delays.LONG;
import static io.gevent4j.testkit.Delays.MEDIUM;
import static io.gevent4j.testkit.Delays.SHORT;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.Hub;
import io.gevent4j.HubGroup;
import io.gevent4j.testkit.Probe;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamServerTest {
    Hub hub;
    final List<StreamServer> servers = new ArrayList<>();

    @BeforeEach
    void startHub() {
        hub = Hub.start("server-test");
    }

    @AfterEach
    void stopAll() {
        for (StreamServer s : servers) {
            s.stop(Duration.ZERO);
        }
        assertThat(hub.close(LONG)).isTrue();
    }

    StreamServer start(StreamServer.Builder b) throws IOException {
        StreamServer s = b.hub(hub).listen("127.0.0.1:0").build();
        servers.add(s);
        return s.start();
    }

    static void echo(Connection c) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(8192);
        while (c.recvInto(buf.clear()) > 0) {
            c.sendAll(buf.flip());
        }
    }

    static Socket client(StreamServer s) throws IOException {
        Socket c = new Socket();
        c.connect(s.address(), (int) LONG.toMillis());
        c.setSoTimeout((int) LONG.toMillis());
        return c;
    }

    static String roundTrip(Socket c, String msg) throws IOException {
        c.getOutputStream().write(msg.getBytes(US_ASCII));
        byte[] buf = c.getInputStream().readNBytes(msg.length());
        return new String(buf, US_ASCII);
    }

    /** Waits on the test thread until {@code cond} holds (bounded by LONG). */
    static void eventually(java.util.function.BooleanSupplier cond) throws InterruptedException {
        long end = System.nanoTime() + LONG.toNanos();
        CountDownLatch never = new CountDownLatch(1);
        while (!cond.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition met in time").isLessThan(end);
            never.await(1, TimeUnit.MILLISECONDS);
        }
    }

    @Test
    void parsesEveryUsualAddressForm() {
        assertThat(StreamServer.parseAddress("127.0.0.1:8080")).isEqualTo(new InetSocketAddress("127.0.0.1", 8080));
        assertThat(StreamServer.parseAddress("[::1]:9")).isEqualTo(new InetSocketAddress("::1", 9));
        assertThat(StreamServer.parseAddress(":80")).isEqualTo(new InetSocketAddress(80));
        assertThat(StreamServer.parseAddress("8000")).isEqualTo(new InetSocketAddress(8000));
        assertThat(StreamServer.parseAddress("localhost:1").getAddress().isLoopbackAddress()).isTrue();
        assertThatThrownBy(() -> StreamServer.parseAddress("::1:80")).hasMessageContaining("[v6]:port");
        assertThatThrownBy(() -> StreamServer.parseAddress("host:http")).hasMessageContaining("bad port");
        assertThatThrownBy(() -> StreamServer.parseAddress("1.2.3.4:70000")).hasMessageContaining("out of range");
        assertThatThrownBy(() -> StreamServer.parseAddress("[::1]")).hasMessageContaining("[v6]:port");
    }

    @Test
    void echoesForSeveralClientsAtOnce() throws Exception {
        StreamServer s = start(StreamServer.builder(StreamServerTest::echo));
        List<Socket> clients = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            clients.add(client(s));
        }
        for (int i = 0; i < clients.size(); i++) {
            assertThat(roundTrip(clients.get(i), "hello " + i)).isEqualTo("hello " + i);
        }
        eventually(() -> s.activeConnections() == 5);
        for (Socket c : clients) {
            c.close();
        }
        eventually(() -> s.activeConnections() == 0);
    }

    @Test
    void closesTheConnectionWhenTheHandlerReturns() throws Exception {
        StreamServer s = start(StreamServer.builder(c -> c.sendAll("bye\n".getBytes(US_ASCII))));
        try (Socket c = client(s)) {
            assertThat(c.getInputStream().readAllBytes()).isEqualTo("bye\n".getBytes(US_ASCII));
        }
    }

    @Test
    void servesOnABoundChannelWithReusePort() throws Exception {
        ServerSocketChannel ch = ServerSocketChannel.open();
        ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        StreamServer s = StreamServer.builder(StreamServerTest::echo).hub(hub).listen(ch).build();
        servers.add(s);
        s.start();
        try (Socket c = client(s)) {
            assertThat(s.address()).isEqualTo(ch.getLocalAddress());
            assertThat(roundTrip(c, "x")).isEqualTo("x");
        }
        StreamServer r = start(StreamServer.builder(StreamServerTest::echo).reusePort(true));
        try (Socket c = client(r)) {
            assertThat(roundTrip(c, "y")).isEqualTo("y");
        }
    }

    @Test
    void aFullServerStopsAcceptingAndResumesWithoutDroppingAConnection() throws Exception {
        StreamServer s = start(StreamServer.builder(StreamServerTest::echo).maxConnections(2));
        Socket a = client(s);
        Socket b = client(s);
        assertThat(roundTrip(a, "a")).isEqualTo("a");
        assertThat(roundTrip(b, "b")).isEqualTo("b");
        try (Socket c = client(s)) { // completes in the kernel backlog
            c.getOutputStream().write('c');
            c.setSoTimeout((int) MEDIUM.toMillis());
            assertThatThrownBy(() -> c.getInputStream().read()).isInstanceOf(java.net.SocketTimeoutException.class);
            assertThat(s.activeConnections()).isEqualTo(2);
            a.close();
            c.setSoTimeout((int) LONG.toMillis());
            assertThat(c.getInputStream().read()).isEqualTo('c'); // served once a slot freed
            assertThat(s.activeConnections()).isLessThanOrEqualTo(2);
        }
        b.close();
    }

    @Test
    void aFullPoolStopsAcceptingAndItsMembersAreTheHandlers() throws Exception {
        io.gevent4j.Pool pool = new io.gevent4j.Pool(2);
        StreamServer s = start(StreamServer.builder(StreamServerTest::echo).pool(pool));
        Socket a = client(s);
        Socket b = client(s);
        assertThat(roundTrip(a, "a")).isEqualTo("a");
        assertThat(roundTrip(b, "b")).isEqualTo("b");
        assertThat(pool.full()).isTrue();
        try (Socket c = client(s)) { // completes in the kernel backlog
            c.getOutputStream().write('c');
            c.setSoTimeout((int) MEDIUM.toMillis());
            assertThatThrownBy(() -> c.getInputStream().read()).isInstanceOf(java.net.SocketTimeoutException.class);
            a.close();
            c.setSoTimeout((int) LONG.toMillis());
            assertThat(c.getInputStream().read()).isEqualTo('c'); // served once a member finished
        }
        b.close();
        assertThat(pool.join(LONG)).isTrue();
        assertThat(pool.freeCount()).isEqualTo(2);
    }

    @Test
    void stopAcceptingLeavesConnectionsInTheBacklogUntilStartAccepting() throws Exception {
        AtomicInteger served = new AtomicInteger();
        StreamServer s = start(StreamServer.builder(c -> {
            served.incrementAndGet();
            echo(c);
        }));
        try (Socket first = client(s)) {
            assertThat(roundTrip(first, "1")).isEqualTo("1");
        }
        s.stopAccepting();
        assertThat(s.isAccepting()).isFalse();
        try (Socket waiting = client(s)) {
            waiting.getOutputStream().write('w');
            waiting.setSoTimeout((int) MEDIUM.toMillis());
            assertThatThrownBy(() -> waiting.getInputStream().read()).isInstanceOf(java.net.SocketTimeoutException.class);
            assertThat(served.get()).isEqualTo(1);
            s.startAccepting();
            waiting.setSoTimeout((int) LONG.toMillis());
            assertThat(waiting.getInputStream().read()).isEqualTo('w');
            assertThat(served.get()).isEqualTo(2);
        }
    }

    @Test
    void aFailingHandlerIsReportedAndTheServerGoesOn() throws Exception {
        List<Throwable> reported = new CopyOnWriteArrayList<>();
        AtomicInteger n = new AtomicInteger();
        StreamServer s = start(StreamServer.builder(c -> {
            if (n.getAndIncrement() == 0) {
                throw new IllegalStateException("boom");
            }
            echo(c);
        }).errorReporter((c, e) -> reported.add(e)));
        try (Socket c = client(s)) {
            assertThat(c.getInputStream().read()).isEqualTo(-1); // closed after the failure
        }
        try (Socket c = client(s)) {
            assertThat(roundTrip(c, "still up")).isEqualTo("still up");
        }
        assertThat(reported).singleElement().satisfies(e -> assertThat(e).hasMessage("boom"));
    }

    @Test
    void gracefulStopLetsAHandlerFinishWithinTheTimeout() throws Exception {
        CountDownLatch inHandler = new CountDownLatch(1);
        io.gevent4j.Event release = new io.gevent4j.Event();
        StreamServer s = start(StreamServer.builder(c -> {
            inHandler.countDown();
            release.await(); // still at work when the stop begins: released once it has
            c.sendAll("done".getBytes(US_ASCII));
        }));
        try (Socket c = client(s)) {
            assertThat(inHandler.await(LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            Thread releaser = Thread.ofPlatform().start(() -> {
                Probe.await(s::isStopping, LONG, () -> "the stop to begin");
                release.set();
            });
            assertThat(s.stop(LONG)).as("graceful").isTrue();
            releaser.join(LONG.toMillis());
            assertThat(releaser.isAlive()).isFalse();
            assertThat(c.getInputStream().readAllBytes()).isEqualTo("done".getBytes(US_ASCII));
        }
        assertThat(s.awaitStop(Duration.ZERO)).isTrue();
        assertThatThrownBy(() -> client(s)).isInstanceOf(IOException.class);
    }

    @Test
    void gracefulStopKillsHandlersThatOutliveTheTimeout() throws Exception {
        StreamServer s = start(StreamServer.builder(StreamServerTest::echo));
        try (Socket c = client(s)) {
            assertThat(roundTrip(c, "idle")).isEqualTo("idle");
            long t0 = System.nanoTime();
            assertThat(s.stop(SHORT)).as("graceful").isFalse();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(SHORT);
            assertThat(c.getInputStream().read()).isEqualTo(-1);
            assertThat(s.activeConnections()).isZero();
        }
    }

    @Test
    void stopRunsEachConnectionsStopActionSoIdleOnesCloseAtOnce() throws Exception {
        StreamServer s = start(StreamServer.builder(c -> {
            c.onServerStop(() -> {
                try {
                    c.close();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            try {
                echo(c);
            } catch (IOException closedByStop) {
                assertThat(c.serverStopping()).isTrue();
            }
        }));
        try (Socket c = client(s)) {
            assertThat(roundTrip(c, "k")).isEqualTo("k");
            assertThat(s.stop(LONG)).as("graceful: the idle handler ended by itself").isTrue();
            assertThat(c.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void serveForeverReturnsWhenAnotherThreadStopsTheServer() throws Exception {
        StreamServer s = StreamServer.builder(StreamServerTest::echo).hub(hub).listen("127.0.0.1:0").build();
        servers.add(s);
        Thread stopper = Thread.ofPlatform().start(() -> {
            try {
                while (!s.isStarted()) {
                    Thread.onSpinWait();
                }
                try (Socket c = client(s)) {
                    roundTrip(c, "x");
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } finally {
                s.stop(Duration.ZERO);
            }
        });
        s.serveForever();
        stopper.join(LONG.toMillis());
        assertThat(stopper.isAlive()).isFalse();
        assertThat(s.isStopping()).isTrue();
    }

    @Test
    void spreadsConnectionsOverTheHubsOfAGroup() throws Exception {
        try (HubGroup group = HubGroup.start(2)) {
            Set<Hub> seen = ConcurrentHashMap.newKeySet();
            StreamServer s = StreamServer.builder(c -> {
                seen.add(Hub.current());
                echo(c);
            }).hubs(group).listen("127.0.0.1:0").build().start();
            try {
                // A connection goes to the next hub of the group unless that hub runs code at that
                // instant; both hubs wake for each connection on the shared socket, so the other one
                // may be running its accept loop just then (CI once saw four in a row stay put).
                for (int i = 0; i < 64 && seen.size() < 2; i++) {
                    try (Socket c = client(s)) {
                        assertThat(roundTrip(c, "m" + i)).isEqualTo("m" + i);
                    }
                }
                assertThat(seen).containsExactlyInAnyOrderElementsOf(group.hubs());
            } finally {
                s.stop(LONG);
            }
        }
    }

    @Test
    void aBlockedHubDoesNotHoldBackNewConnections() throws Exception {
        // Issue 12, point 7: the only accept loop lived on the first hub, so blocking it stopped
        // new connections on every hub. Now every hub accepts, and a busy hub gets none.
        try (HubGroup group = HubGroup.start(2)) {
            StreamServer s = StreamServer.builder(StreamServerTest::echo).hubs(group).listen("127.0.0.1:0").build().start();
            java.util.concurrent.atomic.AtomicBoolean release = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicBoolean gaveUp = new java.util.concurrent.atomic.AtomicBoolean();
            CountDownLatch blocking = new CountDownLatch(1);
            io.gevent4j.Greenlet<Void> blocker = group.hubs().get(0).spawn(() -> {
                blocking.countDown();
                long end = System.nanoTime() + LONG.multipliedBy(2).toNanos();
                while (!release.get()) { // never yields: the whole hub is blocked
                    if (System.nanoTime() - end > 0) {
                        gaveUp.set(true);
                        return;
                    }
                    Thread.onSpinWait();
                }
            });
            try {
                assertThat(blocking.await(LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
                for (int i = 0; i < 4; i++) {
                    try (Socket c = client(s)) {
                        assertThat(roundTrip(c, "b" + i)).isEqualTo("b" + i);
                    }
                }
                assertThat(gaveUp).as("served while the first hub was still blocked").isFalse();
            } finally {
                release.set(true);
                assertThat(blocker.join(LONG)).isTrue();
                assertThat(s.stop(LONG)).isTrue();
            }
        }
    }

    /**
     * A hub that never runs out of work makes only non-blocking passes: the port must still refuse
     * connections once stop returns (the io_uring poller released closed channels only at a
     * blocking poll, or every 64 passes, so a connection could still complete after stop).
     */
    @Test
    void stopOnAHubThatIsNeverIdleRefusesConnectionsWhenItReturns() throws Exception {
        try (Hub busy = Hub.start("never-idle")) {
            java.util.concurrent.atomic.AtomicBoolean spin = new java.util.concurrent.atomic.AtomicBoolean(true);
            io.gevent4j.Greenlet<Void> spinner = busy.spawn(() -> {
                while (spin.get()) {
                    io.gevent4j.Gevent.sleep(); // always something runnable: every pass polls without blocking
                }
            });
            try {
                for (int round = 0; round < 20; round++) {
                    StreamServer s = StreamServer.builder(StreamServerTest::echo).hub(busy).listen("127.0.0.1:0")
                            .build().start();
                    try (Socket c = client(s)) {
                        assertThat(roundTrip(c, "n" + round)).isEqualTo("n" + round);
                    }
                    assertThat(s.stop(LONG)).isTrue();
                    assertThatThrownBy(() -> client(s)).as("round %d", round).isInstanceOf(IOException.class);
                }
            } finally {
                spin.set(false);
                assertThat(spinner.join(LONG)).isTrue();
            }
        }
    }

    @Test
    void withReusePortEachHubOfAGroupListensAndServesItsOwnConnections() throws Exception {
        Assumptions.assumeTrue(java.nio.channels.ServerSocketChannel.open().supportedOptions()
                .contains(java.net.StandardSocketOptions.SO_REUSEPORT), "no SO_REUSEPORT here");
        try (HubGroup group = HubGroup.start(2)) {
            Set<Hub> seen = ConcurrentHashMap.newKeySet();
            StreamServer s = StreamServer.builder(c -> {
                seen.add(Hub.current());
                echo(c);
            }).hubs(group).reusePort(true).listen("127.0.0.1:0").build().start();
            try {
                assertThat(s.listenerCount()).isEqualTo(2);
                for (int i = 0; i < 64 && seen.size() < 2; i++) { // the kernel hashes each connection to a listener
                    try (Socket c = client(s)) {
                        assertThat(roundTrip(c, "r" + i)).isEqualTo("r" + i);
                    }
                }
                assertThat(seen).containsExactlyInAnyOrderElementsOf(group.hubs());
                s.stopAccepting();
                assertThat(s.isAccepting()).isFalse();
                s.startAccepting();
                try (Socket c = client(s)) {
                    assertThat(roundTrip(c, "again")).isEqualTo("again");
                }
            } finally {
                assertThat(s.stop(LONG)).isTrue();
            }
            assertThatThrownBy(() -> client(s)).isInstanceOf(IOException.class);
        }
    }

    @Test
    void aSilentTlsClientIsDroppedAfterTheHandshakeTimeout(@TempDir Path dir) throws Exception {
        SSLContext ctx = SelfSignedTls.context(dir);
        List<Throwable> reported = new CopyOnWriteArrayList<>();
        StreamServer s = start(StreamServer.builder(StreamServerTest::echo).ssl(ctx).handshakeTimeout(MEDIUM)
                .errorReporter((c, e) -> reported.add(e)));
        // Read before the connect: the server may accept and start the handshake's clock before
        // client() returns, so a reading taken after it is no lower bound on a loaded machine.
        long t0 = System.nanoTime();
        try (Socket silent = client(s)) {
            assertThat(silent.getInputStream().read()).isEqualTo(-1); // closed by the server
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(MEDIUM);
        }
        eventually(() -> !reported.isEmpty());
        assertThat(reported.get(0)).isInstanceOf(java.net.SocketTimeoutException.class);
    }

    @Test
    void servesTlsWithTheHandshakeInTheConnectionsGreenlet(@TempDir Path dir) throws Exception {
        SSLContext ctx = SelfSignedTls.context(dir);
        List<Boolean> secure = new CopyOnWriteArrayList<>();
        StreamServer s = start(StreamServer.builder(c -> {
            secure.add(c.isSecure() && c.ssl().orElseThrow().session().getProtocol().startsWith("TLS"));
            echo(c);
        }).ssl(ctx));
        try (SSLSocket c = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", s.address().getPort())) {
            c.setSoTimeout((int) LONG.toMillis());
            OutputStream out = c.getOutputStream();
            out.write("secret".getBytes(US_ASCII));
            out.flush();
            InputStream in = c.getInputStream();
            assertThat(new String(in.readNBytes(6), US_ASCII)).isEqualTo("secret");
        }
        assertThat(secure).containsExactly(true);
        // A plain-text client fails its handshake; the server goes on.
        try (Socket plain = client(s)) {
            plain.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(US_ASCII));
            assertThat(plain.getInputStream().readAllBytes()).doesNotContain((byte) 'H', (byte) 'T');
        } catch (IOException reset) {
            // also fine: the server may reset
        }
        eventually(() -> s.activeConnections() == 0);
    }
}
