package io.gevent4j.http.jdk;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.gevent4j.testkit.Delays;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Where the provider behaves as the JDK's own {@code com.sun.net.httpserver} server does (the
 * differences found by the JDK's regression tests): HEAD and 304 lengths, handler failures after
 * a complete response, bind errors, requests without Host, status lines, and the
 * {@code sun.net.httpserver.*} settings. Raw sockets on loopback, so every byte is seen.
 */
class JdkProviderCompatibilityTest {
    static final InetSocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    /** The JDK's time settings are whole seconds: the shortest, scaled. */
    static final long SECONDS = Math.max(1, Math.round(Delays.FACTOR));
    /** How long a client waits for what must come (well below the core's own 20 s head time-out). */
    static final Duration CLIENT_WAIT = Duration.ofSeconds(10);

    static JdkServerConfig config(String... namesAndValues) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            m.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return JdkServerConfig.from(m::get);
    }

    static HttpServer start(JdkServerConfig config, HttpHandler handler) throws IOException {
        HttpServer server = GeventHttpServerProvider.createHttpServer(LOOPBACK, 0, config);
        server.createContext("/", handler);
        server.start();
        return server;
    }

    static HttpServer start(HttpHandler handler) throws IOException {
        return start(config(), handler);
    }

    /** A response as read off the socket. */
    record Response(String statusLine, Map<String, String> headers, byte[] body) {
        int status() {
            return Integer.parseInt(statusLine.split(" ")[1]);
        }

        String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }
    }

    /** A raw HTTP/1.1 client on one connection. */
    static final class Client implements AutoCloseable {
        final Socket socket;
        final InputStream in;
        final OutputStream out;

        Client(HttpServer server) throws IOException {
            socket = new Socket(InetAddress.getLoopbackAddress(), server.getAddress().getPort());
            socket.setSoTimeout((int) CLIENT_WAIT.toMillis());
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        void send(String request) throws IOException {
            out.write(request.getBytes(ISO_8859_1));
            out.flush();
        }

        String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int prev = -1;
            for (;;) {
                int c = in.read();
                if (c < 0) {
                    throw new SocketException("EOF after " + b.toString(ISO_8859_1));
                }
                if (prev == '\r' && c == '\n') {
                    byte[] l = b.toByteArray();
                    return new String(l, 0, l.length - 1, ISO_8859_1);
                }
                b.write(c);
                prev = c;
            }
        }

        /** Reads a response; its body only if {@code withBody}, the status has one, and it has a Content-Length. */
        Response read(boolean withBody) throws IOException {
            String status = line();
            Map<String, String> headers = new HashMap<>();
            for (String l; !(l = line()).isEmpty(); ) {
                int colon = l.indexOf(':');
                headers.put(l.substring(0, colon).strip().toLowerCase(java.util.Locale.ROOT), l.substring(colon + 1).strip());
            }
            byte[] body = new byte[0];
            String length = headers.get("content-length");
            int code = Integer.parseInt(status.split(" ")[1]);
            if (withBody && length != null && code != 304 && code != 204 && code >= 200) {
                body = in.readNBytes(Integer.parseInt(length));
            }
            return new Response(status, headers, body);
        }

        Response exchange(String request) throws IOException {
            send(request);
            return read(!request.startsWith("HEAD"));
        }

        /** Whether the server closed the connection (end of stream or reset) before sending anything more. */
        boolean closedByServer() throws IOException {
            try {
                return in.read() < 0;
            } catch (SocketException reset) {
                return true;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    static final String GET = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

    static void sendText(com.sun.net.httpserver.HttpExchange ex, int status, String text) throws IOException {
        byte[] b = text.getBytes(ISO_8859_1);
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }

    @Test
    void headSendsTheContentLengthTheHandlerSetAndKeepsTheConnection() throws Exception {
        // jwebserver/SimpleFileServer answer HEAD with the file's length in the headers and -1.
        HttpServer server = start(ex -> {
            if (ex.getRequestMethod().equals("HEAD")) {
                ex.getResponseHeaders().set("Content-Length", "1234");
                ex.sendResponseHeaders(200, -1);
                ex.close();
            } else {
                sendText(ex, 200, "hello");
            }
        });
        try (Client c = new Client(server)) {
            Response head = c.exchange("HEAD /f HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Content-Length")).isEqualTo("1234");
            Response get = c.exchange(GET);
            assertThat(new String(get.body(), ISO_8859_1)).as("no HEAD body was sent: the next response is intact")
                    .isEqualTo("hello");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void theJdksFileServerHandlerAnswersHeadWithTheFilesLength(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Files.writeString(dir.resolve("a.txt"), "x".repeat(777));
        HttpServer server = start(com.sun.net.httpserver.SimpleFileServer.createFileHandler(dir.toAbsolutePath()));
        try (Client c = new Client(server)) {
            Response head = c.exchange("HEAD /a.txt HTTP/1.1\r\nHost: h\r\n\r\n");
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Content-Length")).isEqualTo("777");
            assertThat(c.exchange("GET /a.txt HTTP/1.1\r\nHost: h\r\n\r\n").body()).hasSize(777);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void notModifiedSendsTheContentLengthTheHandlerSet() throws Exception {
        HttpServer server = start(ex -> {
            ex.getResponseHeaders().set("Content-Length", "42");
            ex.sendResponseHeaders(304, -1);
            ex.close();
        });
        try (Client c = new Client(server)) {
            Response r = c.exchange(GET);
            assertThat(r.status()).isEqualTo(304);
            assertThat(r.header("Content-Length")).isEqualTo("42");
            assertThat(c.exchange(GET).status()).as("the connection goes on").isEqualTo(304);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aHandlerFailingAfterACompleteResponseLeavesTheConnectionOpen() throws Exception {
        HttpServer server = start(ex -> {
            sendText(ex, 200, "done");
            throw new NumberFormatException("after the response");
        });
        try (Client c = new Client(server)) {
            assertThat(c.exchange(GET).status()).isEqualTo(200);
            Response second = c.exchange(GET);
            assertThat(new String(second.body(), ISO_8859_1)).isEqualTo("done");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aHandlerFailingInTheMiddleOfItsResponseStillClosesTheConnection() throws Exception {
        HttpServer server = start(ex -> {
            ex.sendResponseHeaders(200, 10);
            ex.getResponseBody().write("abc".getBytes(ISO_8859_1));
            throw new IllegalStateException("half-way");
        });
        try (Client c = new Client(server)) {
            c.send(GET);
            Response r = c.read(false);
            assertThat(r.header("Content-Length")).isEqualTo("10");
            assertThat(c.in.readNBytes(10)).as("the cut body, then the end").hasSize(3);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aHandlerOrFilterFailingBeforeItsResponseClosesTheConnectionWithoutOne() throws Exception {
        // The JDK's FilterTest and HeadersTest: the client sees the connection end, no 500.
        HttpServer server = start(ex -> {
            throw new IllegalStateException("before any response");
        });
        server.createContext("/filtered", ex -> sendText(ex, 200, "unreached")).getFilters()
                .add(com.sun.net.httpserver.Filter.beforeHandler("fails", e -> {
                    throw new AssertionError("an Error from a filter");
                }));
        try {
            for (String path : List.of("/", "/filtered")) {
                try (Client c = new Client(server)) {
                    c.send("GET " + path + " HTTP/1.1\r\nHost: h\r\n\r\n");
                    assertThat(c.closedByServer()).as(path + ": closed before any byte").isTrue();
                }
            }
        } finally {
            server.stop(0);
        }
    }

    @Test
    void anUnresolvedBindAddressIsAnIOExceptionAsWithTheJdk() {
        InetSocketAddress unresolved = InetSocketAddress.createUnresolved("unresolved.test", 0); // never looked up: the provider refuses it first
        GeventHttpServerProvider p = new GeventHttpServerProvider();
        assertThatThrownBy(() -> p.createHttpServer(unresolved, 0)).isInstanceOf(SocketException.class);
        assertThatThrownBy(() -> p.createHttpsServer(unresolved, 0)).isInstanceOf(SocketException.class);
        assertThatThrownBy(() -> p.createHttpServer(null, 0).bind(unresolved, 0)).isInstanceOf(IOException.class);
    }

    @Test
    void anHttp11RequestWithoutHostIsServedAsTheJdkDoesButTwoHostsAreNot() throws Exception {
        HttpServer server = start(ex -> sendText(ex, 200, "no host needed"));
        try (Client c = new Client(server)) {
            Response r = c.exchange("GET / HTTP/1.1\r\n\r\n");
            assertThat(r.status()).isEqualTo(200);
            assertThat(c.exchange("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").status()).isEqualTo(400);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aStatusWithoutAKnownReasonHasTheJdksStatusLine() throws Exception {
        HttpServer server = start(ex -> {
            ex.sendResponseHeaders(Integer.parseInt(ex.getRequestURI().getPath().substring(1)), -1);
            ex.close();
        });
        try (Client c = new Client(server)) {
            assertThat(c.exchange("GET /207 HTTP/1.1\r\nHost: h\r\n\r\n").statusLine()).isEqualTo("HTTP/1.1 207 ");
            assertThat(c.exchange("GET /599 HTTP/1.1\r\nHost: h\r\n\r\n").statusLine()).isEqualTo("HTTP/1.1 599 ");
            assertThat(c.exchange("GET /404 HTTP/1.1\r\nHost: h\r\n\r\n").statusLine()).isEqualTo("HTTP/1.1 404 Not Found");
        } finally {
            server.stop(0);
        }
    }

    // ------------------------------------------------------------ sun.net.httpserver.* settings

    @Test
    void theJdkSettingsAreReadWithTheJdksDefaultsAndRules() {
        JdkServerConfig d = config();
        assertThat(d.idleInterval).isEqualTo(Duration.ofSeconds(30));
        assertThat(d.maxIdleConnections).isEqualTo(200);
        assertThat(d.maxReqTime).isNull();
        assertThat(d.maxRspTime).isNull();
        assertThat(d.maxReqHeaders).isEqualTo(200);
        assertThat(d.maxReqHeaderSize).isEqualTo(380 * 1024);
        assertThat(d.drainAmount).isEqualTo(64 * 1024);
        assertThat(d.maxConnections).isEqualTo(-1);
        assertThat(d.clockTick).isEqualTo(Duration.ofSeconds(10));
        JdkServerConfig odd = config("sun.net.httpserver.idleInterval", "0", "sun.net.httpserver.maxReqHeaders", "-5",
                "sun.net.httpserver.maxReqTime", "-1", "sun.net.httpserver.maxRspTime", "7",
                "sun.net.httpserver.maxReqHeaderSize", "0", "sun.net.httpserver.drainAmount", "not a number");
        assertThat(odd.idleInterval).as("zero or less: the default").isEqualTo(Duration.ofSeconds(30));
        assertThat(odd.maxReqHeaders).isEqualTo(200);
        assertThat(odd.maxReqTime).isNull();
        assertThat(odd.maxRspTime).isEqualTo(Duration.ofSeconds(7));
        assertThat(odd.maxReqHeaderSize).as("zero: no limit").isEqualTo(JdkServerConfig.UNLIMITED_HEADER_BYTES);
        assertThat(odd.drainAmount).isEqualTo(64 * 1024);
    }

    @Test
    void idleIntervalClosesAKeepAliveConnectionThatWaitsLonger() throws Exception {
        HttpServer server = start(config("sun.net.httpserver.idleInterval", Long.toString(SECONDS)),
                ex -> sendText(ex, 200, "x"));
        try (Client c = new Client(server)) {
            // Read before the request: the idle time starts when the server has sent the response,
            // which may be well before exchange() returns on a loaded machine.
            long t0 = System.nanoTime();
            assertThat(c.exchange(GET).status()).isEqualTo(200);
            assertThat(c.closedByServer()).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - t0))
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(SECONDS).minusMillis(100));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void maxIdleConnectionsClosesAConnectionThatWouldExceedIt() throws Exception {
        HttpServer server = start(config("sun.net.httpserver.maxIdleConnections", "1"), ex -> sendText(ex, 200, "x"));
        try (Client kept = new Client(server); Client extra = new Client(server)) {
            assertThat(kept.exchange(GET).status()).isEqualTo(200);
            assertThat(extra.exchange(GET).status()).isEqualTo(200);
            assertThat(extra.closedByServer()).as("a second idle connection is one too many").isTrue();
            assertThat(kept.exchange(GET).status()).as("the first stays usable").isEqualTo(200);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void maxIdleConnectionsZeroClosesEveryConnectionAfterItsResponse() throws Exception {
        HttpServer server = start(config("sun.net.httpserver.maxIdleConnections", "0"), ex -> sendText(ex, 200, "x"));
        try (Client c = new Client(server)) {
            assertThat(c.exchange(GET).status()).isEqualTo(200);
            assertThat(c.closedByServer()).isTrue();
        } finally {
            server.stop(0);
        }
    }

    @Test
    void theJdksHeaderLimitsApplyInsteadOfTheCoreServersStricterOnes() throws Exception {
        HttpServer server = start(ex -> sendText(ex, 200, "x"));
        StringBuilder many = new StringBuilder("GET / HTTP/1.1\r\nHost: h\r\n");
        for (int i = 0; i < 150; i++) {
            many.append("X-").append(i).append(": v\r\n"); // over the core's 100, under the JDK's 200
        }
        String big = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + "v".repeat(100 * 1024) + "\r\n\r\n"; // over 16 KiB, under 380
        try (Client c = new Client(server)) {
            assertThat(c.exchange(many + "\r\n").status()).isEqualTo(200);
            assertThat(c.exchange(big).status()).isEqualTo(200);
        } finally {
            server.stop(0);
        }
        HttpServer strict = start(config("sun.net.httpserver.maxReqHeaders", "3"), ex -> sendText(ex, 200, "x"));
        try (Client c = new Client(strict)) {
            assertThat(c.exchange("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n").status())
                    .isEqualTo(431);
        } finally {
            strict.stop(0);
        }
    }

    @Test
    void maxReqTimeEndsARequestHeadThatDoesNotArriveInTime() throws Exception {
        HttpServer server = start(config("sun.net.httpserver.maxReqTime", Long.toString(SECONDS)),
                ex -> sendText(ex, 200, "x"));
        try (Client c = new Client(server)) {
            long t0 = System.nanoTime();
            c.send("GET / HTTP/1.1\r\n"); // and nothing more
            byte[] rest = c.in.readAllBytes(); // until the server closes; the client waits at most CLIENT_WAIT
            assertThat(new String(rest, ISO_8859_1)).startsWith("HTTP/1.1 408");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofSeconds(SECONDS));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void maxReqTimeAlsoClosesANewConnectionThatSendsNothing() throws Exception {
        // The JDK closes a new connection silent for min(idleInterval, maxReqTime), at its next
        // sweep (every clockTick); the provider takes the sweep's average, half a tick later.
        HttpServer server = start(config("sun.net.httpserver.maxReqTime", Long.toString(SECONDS),
                "sun.net.httpserver.clockTick", Long.toString(1000 * SECONDS)), ex -> sendText(ex, 200, "x"));
        long t0 = System.nanoTime(); // before the connect: the server's clock may start before the Client returns
        try (Client c = new Client(server)) {
            assertThat(c.closedByServer()).isTrue(); // well before the 30 s idleInterval
            assertThat(Duration.ofNanos(System.nanoTime() - t0))
                    .isGreaterThanOrEqualTo(Duration.ofMillis(1500 * SECONDS).minusMillis(100));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void maxRspTimeClosesTheConnectionOfAHandlerThatRunsLonger() throws Exception {
        Duration pause = Duration.ofSeconds(3 * SECONDS);
        HttpServer server = start(config("sun.net.httpserver.maxRspTime", Long.toString(SECONDS)), ex -> {
            try (ex) {
                String where = ex.getRequestURI().getPath();
                if (where.equals("/before")) {
                    Thread.sleep(pause);
                }
                ex.sendResponseHeaders(200, 2);
                if (where.equals("/after")) {
                    Thread.sleep(pause);
                }
                ex.getResponseBody().write("ok".getBytes(ISO_8859_1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RuntimeException(e); // what the JDK's own tests do
            }
        });
        try {
            for (String where : List.of("/before", "/after")) {
                try (Client c = new Client(server)) {
                    long t0 = System.nanoTime();
                    c.send("GET " + where + " HTTP/1.1\r\nHost: h\r\n\r\n");
                    assertThat(c.closedByServer()).as(where + ": closed without a byte of response").isTrue();
                    Duration took = Duration.ofNanos(System.nanoTime() - t0);
                    assertThat(took).isGreaterThanOrEqualTo(Duration.ofSeconds(SECONDS).minusMillis(100));
                }
            }
            try (Client c = new Client(server)) {
                assertThat(new String(c.exchange(GET).body(), ISO_8859_1)).as("in time: served").isEqualTo("ok");
                assertThat(c.exchange(GET).status()).isEqualTo(200);
            }
        } finally {
            server.stop(0);
        }
    }

    @Test
    void drainAmountBoundsTheUnreadBodyDrainedForKeepAlive() throws Exception {
        HttpHandler ignoresBody = ex -> {
            ex.sendResponseHeaders(204, -1);
            ex.close();
        };
        String post = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n" + "b".repeat(1000);
        HttpServer small = start(config("sun.net.httpserver.drainAmount", "16"), ignoresBody);
        try (Client c = new Client(small)) {
            assertThat(c.exchange(post).status()).isEqualTo(204);
            assertThat(c.closedByServer()).as("more unread body than drainAmount: closed").isTrue();
        } finally {
            small.stop(0);
        }
        HttpServer dflt = start(ignoresBody);
        try (Client c = new Client(dflt)) {
            assertThat(c.exchange(post).status()).isEqualTo(204);
            assertThat(c.exchange(post).status()).as("drained: kept").isEqualTo(204);
        } finally {
            dflt.stop(0);
        }
    }

    @Test
    void drainAmountKeepsTheConnectionOnlyForAnUnreadBodyShorterThanIt() throws Exception {
        // The JDK's DrainAmountPropertyTest: drainAmount - 1 unread bytes keep, drainAmount close.
        HttpHandler ignoresBody = ex -> {
            ex.sendResponseHeaders(204, -1);
            ex.close();
        };
        HttpServer server = start(config("sun.net.httpserver.drainAmount", "16"), ignoresBody);
        try (Client c = new Client(server)) {
            String post = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n%s";
            assertThat(c.exchange(post.formatted(15, "b".repeat(15))).status()).isEqualTo(204);
            assertThat(c.exchange(post.formatted(16, "b".repeat(16))).status()).as("15 drained: kept").isEqualTo(204);
            assertThat(c.closedByServer()).as("16 unread bytes: closed").isTrue();
        } finally {
            server.stop(0);
        }
    }
}
