package io.gevent4j.http;

import static io.gevent4j.testkit.Delays.LONG;
import static io.gevent4j.testkit.Delays.MEDIUM;
import static io.gevent4j.testkit.Delays.SHORT;
import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Hub;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP server under hostile clients (issue 12): idle connections at the cap, slow bodies,
 * unlimited bodies, and the small defects the fuzzer found (HEAD refusals with a body, an
 * {@code Error} from a handler). Each test failed before its fix.
 */
class HttpHardeningTest {
    TestServers servers;
    Hub hub;
    final List<RawClient> clients = new ArrayList<>();

    @BeforeEach
    void startHub() {
        servers = new TestServers("http-hardening");
        hub = servers.hub;
    }

    @AfterEach
    void stopAll() throws IOException {
        for (RawClient c : clients) {
            c.close();
        }
        servers.close();
    }

    HttpServer start(HttpServer.Builder b) throws IOException {
        return servers.start(b);
    }

    RawClient raw(HttpServer s) throws IOException {
        RawClient c = new RawClient(s.address(), LONG);
        clients.add(c);
        return c;
    }

    static final HttpHandler HELLO = (req, res) -> res.send(200, "hello");

    /** Reads until the server closes; fails on bytes (a body nobody should send) or on a time-out. */
    static void assertClosedWithoutMoreBytes(RawClient c) throws IOException {
        try {
            assertThat(c.in.read()).as("bytes after the response").isEqualTo(-1);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server did not close the connection within " + LONG, e);
        } catch (IOException reset) {
            // closed with a reset: closed all the same
        }
    }

    // ---------------------------------------------------------------- 4. idle sockets

    @Test
    void aConnectionThatSendsNothingIsClosedAfterTheFirstByteTimeout() throws Exception {
        HttpServer s = start(HttpServer.builder(HELLO).firstByteTimeout(MEDIUM).idleTimeout(Duration.ofMinutes(5)));
        // Read before the connect: the server may accept and start the first-byte clock before
        // raw() returns, so a reading taken after it is no lower bound on a loaded machine.
        long t0 = System.nanoTime();
        RawClient c = raw(s);
        assertClosedWithoutMoreBytes(c);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(MEDIUM);
        // a keep-alive connection that has sent a request gets the idle time-out, not the first-byte one
        RawClient k = raw(s);
        k.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(k.read().status()).isEqualTo(200);
        k.socket.setSoTimeout((int) MEDIUM.multipliedBy(3).toMillis());
        try {
            int b = k.in.read();
            throw new AssertionError("a keep-alive connection was closed (or sent " + b + ") before its idle time-out");
        } catch (SocketTimeoutException stillOpen) {
            // expected
        }
        k.socket.setSoTimeout((int) LONG.toMillis());
        k.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(k.read().status()).isEqualTo(200);
    }

    @Test
    void atTheCapTheOldestIdleConnectionIsShedToAdmitANewOne() throws Exception {
        HttpServer s = start(HttpServer.builder(HELLO).maxConnections(3).firstByteTimeout(Duration.ofMinutes(5))
                .idleTimeout(Duration.ofMinutes(5)));
        RawClient silent1 = raw(s);
        awaitActive(s, 1);
        RawClient silent2 = raw(s);
        awaitActive(s, 2);
        // new connections become sheddable once silent for SHED_NEW_AFTER: let both pass it, so
        // that they are idle before the keep-alive one below
        java.util.concurrent.locks.LockSupport.parkNanos(Http1Connection.SHED_NEW_AFTER.plus(SHORT).toNanos());
        RawClient keepAlive = raw(s);
        keepAlive.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(keepAlive.read().status()).isEqualTo(200);
        // The server is full of idle connections; a new one is admitted by closing the oldest.
        RawClient fresh = raw(s);
        fresh.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(fresh.read().status()).isEqualTo(200);
        assertClosedWithoutMoreBytes(silent1);
        // the others were not shed: one more is admitted by shedding silent2, and the keep-alive one still works
        RawClient fresh2 = raw(s);
        fresh2.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(fresh2.read().status()).isEqualTo(200);
        assertClosedWithoutMoreBytes(silent2);
        keepAlive.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(keepAlive.read().status()).isEqualTo(200);
        assertThat(s.streamServer().activeConnections()).isLessThanOrEqualTo(3);
    }

    @Test
    void atTheCapAConnectionThatGoesIdleIsShedForOneThatWaits() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        HttpServer s = start(HttpServer.builder((req, res) -> {
            if (req.path().equals("/block")) {
                hub.threadPool().submit(() -> release.await(LONG.toMillis(), TimeUnit.MILLISECONDS)).get();
            }
            res.send(200, "done");
        }).maxConnections(1).idleTimeout(Duration.ofMinutes(5)));
        RawClient busy = raw(s);
        busy.send("GET /block HTTP/1.1\r\nHost: x\r\n\r\n");
        awaitActive(s, 1);
        RawClient waiting = raw(s); // waits in the backlog: nothing is idle to shed yet
        waiting.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        release.countDown();
        assertThat(busy.read().status()).isEqualTo(200);
        // busy's connection goes idle and is shed at once for the one that waits
        assertThat(waiting.read().status()).isEqualTo(200);
        assertClosedWithoutMoreBytes(busy);
    }

    @Test
    void atTheCapANewConnectionWhoseRequestIsOnItsWayIsNotShed() throws Exception {
        // A storm as a load generator makes it: every client connects first, then sends. The
        // connections accepted first have sent nothing yet when the next ones wait at the cap;
        // shedding them would lose their requests (the server closed 40 of 300 so, silently).
        HttpServer s = start(HttpServer.builder(HELLO).maxConnections(3));
        List<RawClient> storm = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            storm.add(raw(s));
        }
        awaitActive(s, 3);
        for (RawClient c : storm) {
            c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        for (RawClient c : storm) {
            assertThat(c.read().status()).isEqualTo(200);
        }
    }

    static void awaitActive(HttpServer s, int n) {
        long end = System.nanoTime() + LONG.toNanos();
        while (s.streamServer().activeConnections() < n) {
            if (System.nanoTime() > end) {
                throw new AssertionError("never reached " + n + " connections");
            }
            Thread.onSpinWait();
        }
    }

    // ---------------------------------------------------------------- 5. slow bodies

    @Test
    void aBodyTrickledBelowTheMinimumRateGets408() throws Exception {
        AtomicInteger served = new AtomicInteger();
        HttpServer s = start(HttpServer.builder((req, res) -> {
            byte[] body = req.bodyBytes();
            served.incrementAndGet();
            res.send(200, "got " + body.length);
        }).bodyTimeout(MEDIUM).minBodyRate(1000, MEDIUM));
        RawClient c = raw(s);
        // Read before the head is sent: the server may start reading the body (and counting its
        // wait) before send() returns, so a reading taken after it is no lower bound.
        long t0 = System.nanoTime();
        c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n");
        OutputStream out = c.socket.getOutputStream();
        // One byte every SHORT: each read is well within bodyTimeout, but the body is far too slow.
        ScheduledExecutorService drip = Executors.newSingleThreadScheduledExecutor();
        try {
            AtomicInteger sent = new AtomicInteger();
            drip.scheduleAtFixedRate(() -> {
                if (sent.getAndIncrement() < 99) {
                    try {
                        out.write('x');
                    } catch (IOException closed) {
                        sent.set(1000);
                    }
                }
            }, 0, SHORT.toMillis(), TimeUnit.MILLISECONDS);
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(408);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(MEDIUM);
        } finally {
            drip.shutdownNow();
            assertThat(drip.awaitTermination(LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        }
        assertThat(served).hasValue(0);
    }

    @Test
    void aFastBodyIsNotLimitedByTheRateCheckEvenIfTheHandlerIsSlowBetweenReads() throws Exception {
        // The whole body is in the socket before the handler reads it, so the client never makes
        // the server wait. The handler pauses SHORT after each 1,000-byte read; the rate allows
        // only SHORT/4 per 1,000 bytes, so counting the handler's pauses against the client (the
        // bug) gives 408 after a few reads, while counting only the waits for the client gives 200.
        long rate = 4_000L * 1000 / SHORT.toMillis(); // bytes per second: 1,000 bytes per SHORT/4
        HttpServer s = start(HttpServer.builder((req, res) -> {
            InputStream in = req.body();
            byte[] buf = new byte[1000];
            long total = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
                io.gevent4j.Gevent.sleep(SHORT); // the handler's own work between reads
            }
            res.send(200, Long.toString(total));
        }).minBodyRate(rate, SHORT));
        RawClient c = raw(s);
        byte[] body = new byte[10_000];
        byte[] head = ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        byte[] request = java.util.Arrays.copyOf(head, head.length + body.length);
        c.socket.getOutputStream().write(request); // head and body in one write: no wait for the client
        RawClient.Response r = c.read();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).isEqualTo("10000");
    }

    // ---------------------------------------------------------------- 6. body limits

    @Test
    void bodiesAreLimitedByDefault() throws Exception {
        AtomicInteger served = new AtomicInteger();
        HttpServer s = start(HttpServer.builder((req, res) -> {
            served.incrementAndGet();
            res.send(200, "got " + req.bodyBytes().length);
        }));
        RawClient c = raw(s);
        c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + (200L << 20) + "\r\n\r\n");
        assertThat(c.read().status()).isEqualTo(413);
        RawClient chunked = raw(s);
        chunked.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Long.toHexString(HttpServer.DEFAULT_MAX_BODY_BYTES + 1) + "\r\n");
        assertThat(chunked.read().status()).isEqualTo(413);
        assertThat(served).hasValue(1); // the chunked one reached the handler, which read until the limit
    }

    @Test
    void aRefusedUploadIsDrainedForAWhileSoTheClientSeesNoReset() throws Exception {
        HttpServer s = start(HttpServer.builder(HELLO));
        RawClient c = raw(s);
        c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + (200L << 20) + "\r\n\r\n");
        assertThat(c.read().status()).isEqualTo(413);
        // A client that sends its body before it reads (many do) goes on writing after the
        // refusal: without a lingering close, its writes meet a reset and it never sees the 413.
        byte[] part = new byte[256 * 1024];
        for (int i = 0; i < 8; i++) {
            c.socket.getOutputStream().write(part);
        }
        c.socket.shutdownOutput();
        assertClosedWithoutMoreBytes(c);
    }

    @Test
    void aLargeBodyStreamsWhenTheLimitIsRaised() throws Exception {
        HttpServer s = start(HttpServer.builder((req, res) -> {
            InputStream in = req.body();
            byte[] buf = new byte[64 * 1024];
            long total = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
            }
            res.send(200, Long.toString(total));
        }).maxBodyBytes(64L << 20));
        RawClient c = raw(s);
        int size = 24 << 20;
        c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + size + "\r\n\r\n");
        byte[] mib = new byte[1 << 20];
        for (int i = 0; i < 24; i++) {
            c.socket.getOutputStream().write(mib);
        }
        RawClient.Response r = c.read();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).isEqualTo(Integer.toString(size));
    }

    // ---------------------------------------------------------------- fuzzing defects

    @Test
    void refusalsOfHeadRequestsCarryNoBody() throws Exception {
        HttpServer s = start(HttpServer.builder((req, res) -> {
            req.bodyBytes();
            res.send(200, "hello");
        }).maxBodyBytes(1000).maxHeaderBytes(200).bodyTimeout(SHORT));
        String[][] cases = {
                {"HEAD / HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n", "400"},
                {"HEAD / HTTP/1.1\r\n\r\n", "400"},
                {"HEAD / HTTP/1.1\r\nHost: a b\r\n\r\n", "400"},
                {"HEAD /%zz HTTP/1.1\r\nHost: x\r\n\r\n", "400"},
                {"HEAD / HTTP/1.1\r\nHost: x\r\nBig: " + "b".repeat(300) + "\r\n\r\n", "431"},
                {"HEAD / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n", "413"},
                {"HEAD / HTTP/1.1\r\nHost: x\r\nExpect: magic\r\n\r\n", "417"},
                {"HEAD / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "501"},
                {"HEAD / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "400"},
                {"HEAD / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc", "408"},
        };
        for (String[] c : cases) {
            RawClient client = raw(s);
            client.send(c[0]);
            RawClient.Response r = client.read(true);
            assertThat(r.status()).as(c[0]).isEqualTo(Integer.parseInt(c[1]));
            assertClosedWithoutMoreBytes(client);
        }
    }

    @Test
    void anErrorThrownByAHandlerGives500() throws Exception {
        HttpServer s = start(HttpServer.builder((req, res) -> {
            switch (req.path()) {
                case "/assert" -> throw new AssertionError("handler bug");
                case "/deep" -> throw new StackOverflowError("deep recursion");
                default -> res.send(200, "ok");
            }
        }));
        for (String path : new String[] {"/assert", "/deep"}) {
            RawClient c = raw(s);
            c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(500);
            assertThat(r.header("Connection")).isEqualTo("close");
            assertClosedWithoutMoreBytes(c);
        }
        RawClient after = raw(s);
        after.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(after.read().text()).isEqualTo("ok");
    }

    @Test
    void theHandlerSeesTheAbsoluteFormAuthorityAsHost() throws Exception {
        HttpServer s = start(HttpServer.builder((req, res) -> res.send(200, req.header("Host").orElse("-"))));
        RawClient c = raw(s);
        c.send("GET http://a.example/p HTTP/1.1\r\nHost: b.example\r\n\r\n");
        assertThat(c.read().text()).isEqualTo("a.example");
        c.send("GET / HTTP/1.1\r\nHost: bad host\r\n\r\n");
        assertThat(c.read().status()).isEqualTo(400);
    }
}
