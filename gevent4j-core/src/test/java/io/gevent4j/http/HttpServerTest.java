package io.gevent4j.http;

import static io.gevent4j.testkit.Delays.LONG;
import static io.gevent4j.testkit.Delays.MEDIUM;
import static io.gevent4j.testkit.Delays.SHORT;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Hub;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpServerTest {
    TestServers servers;
    Hub hub;

    @BeforeEach
    void startHub() {
        servers = new TestServers("http-test");
        hub = servers.hub;
    }

    @AfterEach
    void stopAll() {
        servers.close();
    }

    HttpServer start(HttpServer.Builder b) throws IOException {
        return servers.start(b);
    }

    HttpServer start(HttpHandler h) throws IOException {
        return start(HttpServer.builder(h));
    }

    RawClient raw(HttpServer s) throws IOException {
        return new RawClient(s.address(), LONG);
    }

    static final HttpHandler ECHO = (req, res) -> {
        byte[] body = req.bodyBytes();
        res.header("X-Method", req.method()).header("X-Path", req.path())
                .header("X-Query", req.query().orElse("-")).send(200, body);
    };

    // ---------------------------------------------------------------- real clients

    @Test
    void servesTheJdkHttpClientOverKeepAlive() throws Exception {
        HttpServer s = start(ECHO);
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            URI base = URI.create("http://127.0.0.1:" + s.address().getPort());
            var get = client.send(java.net.http.HttpRequest.newBuilder(base.resolve("/a/b?x=1")).build(),
                    BodyHandlers.ofString());
            assertThat(get.statusCode()).isEqualTo(200);
            assertThat(get.headers().firstValue("X-Path")).hasValue("/a/b");
            assertThat(get.headers().firstValue("X-Query")).hasValue("x=1");
            assertThat(get.headers().firstValue("Date")).isPresent();
            var post = client.send(java.net.http.HttpRequest.newBuilder(base.resolve("/p"))
                    .POST(BodyPublishers.ofString("fixed body")).build(), BodyHandlers.ofString());
            assertThat(post.body()).isEqualTo("fixed body");
            byte[] big = new byte[300_000];
            for (int i = 0; i < big.length; i++) {
                big[i] = (byte) ('a' + i % 26);
            }
            var chunked = client.send(java.net.http.HttpRequest.newBuilder(base.resolve("/c"))
                    .POST(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))).build(),
                    BodyHandlers.ofByteArray());
            assertThat(chunked.statusCode()).isEqualTo(200);
            assertThat(chunked.body()).isEqualTo(big);
        }
        assertThat(s.streamServer().activeConnections()).isLessThanOrEqualTo(1); // one keep-alive connection
    }

    @Test
    void oneLinerAndStreamingResponses() throws Exception {
        HttpServer s = start((req, res) -> {
            if (req.path().equals("/stream")) {
                try (OutputStream out = res.header("Content-Type", "text/plain").outputStream()) {
                    for (int i = 0; i < 3; i++) {
                        out.write(("line " + i + "\n").getBytes(UTF_8));
                        out.flush();
                    }
                }
            } else {
                res.send("hello");
            }
        });
        try (RawClient c = raw(s)) {
            c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
            RawClient.Response one = c.read();
            assertThat(one.text()).isEqualTo("hello");
            assertThat(one.header("Content-Length")).isEqualTo("5");
            assertThat(one.header("Content-Type")).isEqualTo("text/plain; charset=utf-8");
            RawClient.Response two = c.read();
            assertThat(two.header("Transfer-Encoding")).isEqualTo("chunked");
            assertThat(two.text()).isEqualTo("line 0\nline 1\nline 2\n");
        }
        try (RawClient c = raw(s)) { // HTTP/1.0: no chunking, the body ends with the connection
            c.send("GET /stream HTTP/1.0\r\n\r\n");
            RawClient.Response r = c.read();
            assertThat(r.header("Transfer-Encoding")).isNull();
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(r.text()).isEqualTo("line 0\nline 1\nline 2\n");
        }
    }

    // ---------------------------------------------------------------- pipelining and framing

    @Test
    void answersPipelinedRequestsInOrder() throws Exception {
        HttpServer s = start(ECHO);
        try (RawClient c = raw(s)) {
            StringBuilder batch = new StringBuilder();
            for (int i = 0; i < 16; i++) {
                batch.append("POST /").append(i).append(" HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n")
                        .append(String.format("%02d", i));
            }
            c.send(batch.toString());
            for (int i = 0; i < 16; i++) {
                RawClient.Response r = c.read();
                assertThat(r.header("X-Path")).isEqualTo("/" + i);
                assertThat(r.text()).isEqualTo(String.format("%02d", i));
            }
        }
    }

    @Test
    void coalescesTheResponsesOfAPipelinedBatchIntoOneWrite() throws Exception {
        HttpServer s = start((req, res) -> res.send(200, req.queryParameter("n").orElse("?")));
        try (RawClient c = raw(s)) {
            c.send("GET /warm HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
            long before = s.writes();
            StringBuilder batch = new StringBuilder();
            for (int i = 0; i < 16; i++) {
                batch.append("GET /?n=").append(i).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
            }
            c.send(batch.toString()); // one segment on loopback: the server reads it at once
            for (int i = 0; i < 16; i++) {
                assertThat(c.read().text()).isEqualTo(Integer.toString(i));
            }
            assertThat(s.writes() - before).as("socket writes for 16 pipelined responses").isEqualTo(1);
        }
    }

    @Test
    void sendsLargeBodiesWholeAndStreamed() throws Exception {
        byte[] big = new byte[1_000_003];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31);
        }
        HttpServer s = start((req, res) -> {
            if (req.path().equals("/whole")) {
                res.send(big);
            } else {
                try (OutputStream out = res.outputStream()) {
                    out.write(big, 0, 10);
                    out.write(big, 10, big.length - 10);
                }
            }
        });
        try (RawClient c = raw(s)) {
            c.send("GET /whole HTTP/1.1\r\nHost: x\r\n\r\nGET /streamed HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().body()).isEqualTo(big);
            RawClient.Response streamed = c.read();
            assertThat(streamed.header("Transfer-Encoding")).isEqualTo("chunked");
            assertThat(streamed.body()).isEqualTo(big);
        }
    }

    @Test
    void aHandlersConnectionCloseIsHonoured() throws Exception {
        HttpServer s = start((req, res) -> res.header("Connection", "close").send("bye"));
        try (RawClient c = raw(s)) {
            c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /never HTTP/1.1\r\nHost: x\r\n\r\n");
            RawClient.Response r = c.read();
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(r.text()).isEqualTo("bye");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void decodesQueryParameters() throws Exception {
        HttpServer s = start((req, res) -> res.send(200, req.queryParameters().toString()));
        try (RawClient c = raw(s)) {
            c.send("GET /p?a=1&b=x%20y&a=2&flag&c=%C3%A9+z HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().text()).isEqualTo("{a=[1, 2], b=[x y], flag=[], c=[é z]}");
        }
    }

    @Test
    void drainsAnUnreadBodySoTheNextRequestParses() throws Exception {
        HttpServer s = start((req, res) -> res.send(200, req.path()));
        try (RawClient c = raw(s)) {
            c.send("POST /ignored HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nGET /evil ");
            c.send("POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
            c.send("GET /next HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().text()).isEqualTo("/ignored");
            assertThat(c.read().text()).isEqualTo("/chunked");
            assertThat(c.read().text()).isEqualTo("/next");
        }
    }

    @Test
    void headAnd204And304HaveNoBody() throws Exception {
        HttpServer s = start((req, res) -> {
            switch (req.path()) {
                case "/204" -> res.status(204).send("ignored");
                case "/304" -> res.status(304).send(new byte[0]);
                default -> res.send("twelve bytes");
            }
        });
        try (RawClient c = raw(s)) {
            c.send("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET /204 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /304 HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
            RawClient.Response head = c.read(true);
            assertThat(head.header("Content-Length")).isEqualTo("12");
            RawClient.Response noContent = c.read();
            assertThat(noContent.status()).isEqualTo(204);
            assertThat(noContent.header("Content-Length")).isNull();
            RawClient.Response notModified = c.read();
            assertThat(notModified.status()).isEqualTo(304);
            assertThat(notModified.header("Content-Length")).isNull();
            RawClient.Response get = c.read(); // would be garbage if a body had leaked above
            assertThat(get.status()).isEqualTo(200);
            assertThat(get.text()).isEqualTo("twelve bytes");
        }
    }

    @Test
    void sendsContinueOnlyWhenTheHandlerReadsTheBody() throws Exception {
        HttpServer s = start((req, res) -> {
            if (req.path().equals("/read")) {
                res.send(200, req.bodyString());
            } else {
                res.send(403, "no");
            }
        });
        try (RawClient c = raw(s)) {
            c.send("POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
            RawClient.Response interim = c.read();
            assertThat(interim.status()).isEqualTo(100);
            c.send("body");
            assertThat(c.read().text()).isEqualTo("body");
        }
        try (RawClient c = raw(s)) {
            c.send("POST /refuse HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    // ---------------------------------------------------------------- refusals

    @Test
    void refusesOversizedAndMalformedRequestsWithClearStatuses() throws Exception {
        HttpServer s = start(HttpServer.builder(ECHO).maxRequestLine(100).maxHeaderBytes(200).maxHeaders(5)
                .maxBodyBytes(1000));
        String[][] cases = {
                {"GET /" + "a".repeat(200) + " HTTP/1.1\r\nHost: x\r\n\r\n", "414"},
                {"GET / HTTP/1.1\r\nHost: x\r\nBig: " + "b".repeat(300) + "\r\n\r\n", "431"},
                {"GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\nE: 1\r\n\r\n", "431"},
                {"GET / HTTP/1.1\r\n\r\n", "400"}, // no Host
                {"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "400"},
                {"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", "400"},
                {"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\nx", "400"},
                {"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n", "400"},
                {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "400"},
                {"GET / HTTP/1.1\nHost: x\n\n", "400"},
                {"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", "400"},
                {"GET / HTTP/2.0\r\nHost: x\r\n\r\n", "505"},
                {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n", "413"},
                // maxBodyBytes holds for chunked bodies too: one chunk too large, or several
                {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n", "413"},
                {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1f4\r\n" + "a".repeat(500)
                        + "\r\n1f4\r\n" + "a".repeat(500) + "\r\n1\r\nx\r\n0\r\n\r\n", "413"},
                {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "501"},
        };
        for (String[] c : cases) {
            try (RawClient client = raw(s)) {
                client.send(c[0] + "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n");
                RawClient.Response r = client.read();
                assertThat(r.status()).as(c[0]).isEqualTo(Integer.parseInt(c[1]));
                assertThat(r.header("Connection")).isEqualTo("close");
                assertThat(client.closedByServer()).as("closed after %s", c[1]).isTrue();
            }
        }
    }

    @Test
    void aChunkedBodyUpToTheLimitIsAccepted() throws Exception {
        HttpServer s = start(HttpServer.builder(ECHO).maxBodyBytes(1000));
        try (RawClient c = raw(s)) {
            c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1f4\r\n" + "a".repeat(500)
                    + "\r\n1f4\r\n" + "b".repeat(500) + "\r\n0\r\n\r\n");
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("a".repeat(500) + "b".repeat(500));
        }
    }

    // ---------------------------------------------------------------- failures

    @Test
    void aHandlerExceptionGives500AndTheConnectionGoesOn() throws Exception {
        HttpServer s = start((req, res) -> {
            if (req.path().equals("/fail")) {
                throw new IllegalStateException("handler bug");
            }
            if (req.path().equals("/late")) {
                res.header("Content-Type", "text/plain");
                OutputStream out = res.outputStream();
                out.write("partial".getBytes(UTF_8));
                out.flush();
                throw new IllegalStateException("after the response started");
            }
            res.send("ok");
        });
        try (RawClient c = raw(s)) {
            c.send("GET /fail HTTP/1.1\r\nHost: x\r\n\r\nGET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(500);
            assertThat(c.read().text()).isEqualTo("ok");
        }
        try (RawClient c = raw(s)) {
            c.send("GET /late HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        } catch (IOException truncatedChunkedBody) {
            // expected: the server closed in the middle of the chunked body
        }
        try (RawClient c = raw(s)) {
            c.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().text()).isEqualTo("ok");
        }
    }

    @Test
    void clientResetsAreQuietAndTheServerGoesOn() throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        HttpServer s = start((req, res) -> {
            if (req.path().equals("/big")) {
                try (OutputStream out = res.outputStream()) {
                    byte[] chunk = new byte[64 * 1024];
                    writing.countDown();
                    for (int i = 0; i < 10_000; i++) {
                        out.write(chunk);
                    }
                } catch (IOException e) {
                    failures.add(e);
                    throw e;
                }
            }
            res.send("alive");
        });
        RawClient c = raw(s);
        c.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(writing.await(LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        c.socket.setSoLinger(true, 0);
        c.close(); // RST
        try (RawClient d = raw(s)) {
            d.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(d.read().text()).isEqualTo("alive");
        }
        long end = System.nanoTime() + LONG.toNanos();
        while (failures.isEmpty() && System.nanoTime() < end) {
            Thread.onSpinWait();
        }
        assertThat(failures).isNotEmpty();
    }

    // ---------------------------------------------------------------- time-outs

    @Test
    void aSlowlorisHeadGets408AfterTheHeaderTimeout() throws Exception {
        HttpServer s = start(HttpServer.builder(ECHO).headerTimeout(MEDIUM));
        try (RawClient c = raw(s)) {
            long t0 = System.nanoTime();
            c.send("GET / HTTP/1.1\r\nHost: x\r\n");
            for (int i = 0; i < 3; i++) {
                c.send("X-Drip: " + i + "\r\n"); // trickling bytes does not extend the deadline
            }
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(408);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(MEDIUM);
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        HttpServer s = start(HttpServer.builder(ECHO).idleTimeout(SHORT));
        try (RawClient c = raw(s)) {
            // The idle time starts when the server has sent the response, which is after the
            // request left and may be well before this client reads it (on a loaded machine):
            // the one lower bound that always holds runs from the send.
            long t0 = System.nanoTime();
            c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
            assertThat(c.closedByServer()).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(SHORT);
        }
    }

    @Test
    void aSlowBodyGets408AfterTheBodyTimeout() throws Exception {
        HttpServer s = start(HttpServer.builder(ECHO).bodyTimeout(SHORT));
        try (RawClient c = raw(s)) {
            c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
            assertThat(c.read().status()).isEqualTo(408);
        }
    }

    // ---------------------------------------------------------------- stop, limits, log

    @Test
    void gracefulStopClosesIdleConnectionsAtOnceAndFinishesInFlightRequests() throws Exception {
        CountDownLatch inHandler = new CountDownLatch(1);
        // The slow request is still in its handler when the stop begins, whatever the machine's
        // load: it is released once the stop has closed the idle connection (a fixed sleep let it
        // finish first when the stopper thread started late, and its response then kept the
        // connection alive).
        io.gevent4j.Event release = new io.gevent4j.Event();
        HttpServer s = start((req, res) -> {
            if (req.path().equals("/slow")) {
                inHandler.countDown();
                release.await();
            }
            res.send("done " + req.path());
        });
        try (RawClient idle = raw(s); RawClient busy = raw(s)) {
            idle.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(idle.read().text()).isEqualTo("done /first");
            busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(inHandler.await(LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            Thread stopper = Thread.ofPlatform().start(() -> s.stop(LONG));
            assertThat(idle.closedByServer()).isTrue();
            release.set();
            RawClient.Response r = busy.read();
            assertThat(r.text()).isEqualTo("done /slow");
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(busy.closedByServer()).isTrue();
            // The stop's lingering close waits for the client's end of the stream: give it now.
            busy.close();
            idle.close();
            stopper.join(LONG.toMillis());
            assertThat(stopper.isAlive()).isFalse();
        }
    }

    @Test
    void writesAnAccessLogInTheCommonLogFormat() throws Exception {
        Logger jul = Logger.getLogger("io.gevent4j.http.access");
        List<String> lines = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                lines.add(r.getMessage());
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        jul.addHandler(capture);
        try {
            HttpServer s = start(HttpServer.builder((req, res) -> res.send(201, "12345")).accessLog(true));
            try (RawClient c = raw(s)) {
                c.send("GET /logged?q=1 HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(c.read().status()).isEqualTo(201);
            }
            assertThat(lines).singleElement().asString()
                    .matches("127\\.0\\.0\\.1 - - \\[\\d{2}/\\w{3}/\\d{4}:\\d{2}:\\d{2}:\\d{2} [+-]\\d{4}] "
                            + "\"GET /logged\\?q=1 HTTP/1\\.1\" 201 5");
        } finally {
            jul.removeHandler(capture);
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(120)
    void leaksNoSocketsOverManyConnections() throws Exception {
        // The 100,000 connections, one after another (~30 s here); bounded in time too,
        // so a slow machine stops early (and says how many it made) instead of timing out.
        HttpServer s = start((req, res) -> res.send("x"));
        int before = openFds();
        int n = Integer.getInteger("gevent4j.test.connections", 100_000);
        long end = System.nanoTime() + Duration.ofSeconds(75).toNanos();
        int done = 0;
        for (; done < n && System.nanoTime() < end; done++) {
            try (RawClient c = raw(s)) {
                c.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                assertThat(c.read().text()).isEqualTo("x");
            }
        }
        long settle = System.nanoTime() + LONG.toNanos();
        while (s.streamServer().activeConnections() > 0 && System.nanoTime() < settle) {
            Thread.onSpinWait();
        }
        assertThat(s.streamServer().activeConnections()).isZero();
        System.out.println("leak check: " + done + " connections, fds before " + before + ", after " + openFds());
        if (before >= 0) {
            assertThat(openFds()).isLessThanOrEqualTo(before + 5);
        }
    }

    static int openFds() {
        String[] fds = new java.io.File("/proc/self/fd").list();
        return fds == null ? -1 : fds.length;
    }
}
