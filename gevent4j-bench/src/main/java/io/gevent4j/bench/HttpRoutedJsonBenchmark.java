package io.gevent4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.gevent4j.http.HttpServer;
import io.gevent4j.jackson.JacksonCodec;
import io.gevent4j.web.BodyCodec;
import io.gevent4j.web.PathParams;
import io.gevent4j.web.Router;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A routed JSON endpoint, {@code GET /users/{id}}, among a dozen other routes, answered with a
 * small object encoded by Jackson, over keep-alive: gevent4j's {@code Router} on its
 * {@code HttpServer} (default hubs: one per core) beside Javalin 6 (Jetty 11, its default thread
 * pool) and Helidon SE 4 (its default: a virtual thread per request), each with its own router
 * and path parameter, all encoding with the same {@code ObjectMapper}. Four client threads, each
 * on its own connection, send a request and read the whole response (Content-Length). Score:
 * requests per second (higher is better); the ratio of the {@code impl} values is the comparison.
 * Clients and server share the machine's cores: a round-trip test, not a saturation test.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Threads(4)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.lang=ALL-UNNAMED"})
public class HttpRoutedJsonBenchmark {
    /** What each server sends: the user named by the path parameter. */
    public record User(String id, String name, List<String> roles, boolean active) {}

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String[] OTHER_ROUTES = {"/", "/health", "/users", "/users/{id}/posts", "/users/{id}/posts/{post}",
        "/orders", "/orders/{id}", "/products", "/products/{id}", "/cart", "/login", "/logout"};

    @Param({"gevent4j", "javalin", "helidon"})
    public String impl;

    /** The port to listen on (0: any free port); set by {@link #main}. */
    int port;
    private HttpServer gevent;
    private io.javalin.Javalin javalin;
    private io.helidon.webserver.WebServer helidon;
    InetSocketAddress address;

    static User user(String id) {
        return new User(id, "user " + id, List.of("reader", "writer"), true);
    }

    @Setup(Level.Trial)
    public void start() throws IOException {
        switch (impl) {
            case "gevent4j" -> {
                BodyCodec json = new JacksonCodec(MAPPER);
                Router router = new Router();
                for (String r : OTHER_ROUTES) {
                    router.get(r, (req, res) -> res.send(200, "other"));
                }
                router.get("/users/{id}", (req, res) -> json.send(res, 200, user(PathParams.of(req).get("id"))));
                gevent = HttpServer.builder(router).listen("127.0.0.1:" + port).backlog(1024).build().start();
                address = gevent.address();
            }
            case "javalin" -> {
                javalin = io.javalin.Javalin.create(config -> config.showJavalinBanner = false);
                for (String r : OTHER_ROUTES) {
                    javalin.get(r, ctx -> ctx.result("other"));
                }
                javalin.get("/users/{id}", ctx -> {
                    byte[] body = MAPPER.writeValueAsBytes(user(ctx.pathParam("id")));
                    ctx.contentType("application/json").result(body);
                });
                javalin.start("127.0.0.1", port);
                address = new InetSocketAddress("127.0.0.1", javalin.port());
            }
            case "helidon" -> {
                io.helidon.webserver.http.HttpRouting.Builder routing = io.helidon.webserver.http.HttpRouting.builder();
                for (String r : OTHER_ROUTES) {
                    routing.get(r, (req, res) -> res.send("other"));
                }
                routing.get("/users/{id}", (req, res) -> {
                    byte[] body = MAPPER.writeValueAsBytes(user(req.path().pathParameters().get("id")));
                    res.header(io.helidon.http.HeaderNames.CONTENT_TYPE, "application/json");
                    res.send(body);
                });
                helidon = io.helidon.webserver.WebServer.builder().host("127.0.0.1").port(port).routing(routing)
                        .build().start();
                address = new InetSocketAddress("127.0.0.1", helidon.port());
            }
            default -> throw new IllegalArgumentException("unknown impl " + impl);
        }
    }

    /**
     * Runs one of the servers for an outside load generator (scripts/routed-json-wrk.sh) until
     * the process is killed.
     *
     * @param args {@code gevent4j|javalin|helidon PORT}
     * @throws Exception if the server cannot start
     */
    public static void main(String[] args) throws Exception {
        HttpRoutedJsonBenchmark b = new HttpRoutedJsonBenchmark();
        b.impl = args[0];
        b.port = Integer.parseInt(args[1]);
        b.start();
        System.out.println(b.impl + " routed JSON listening on " + b.address);
        Thread.currentThread().join();
    }

    @TearDown(Level.Trial)
    public void stop() {
        if (gevent != null) {
            gevent.stop(Duration.ZERO);
        }
        if (javalin != null) {
            javalin.stop();
        }
        if (helidon != null) {
            helidon.stop();
        }
    }

    /** One keep-alive connection per client thread. */
    @State(Scope.Thread)
    public static class Client {
        Socket socket;
        InputStream in;
        OutputStream out;
        final byte[] buf = new byte[8192];
        byte[][] requests;

        @Setup(Level.Trial)
        public void connect(HttpRoutedJsonBenchmark server) throws IOException {
            socket = new Socket();
            socket.connect(server.address);
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(10_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
            requests = new byte[64][];
            for (int i = 0; i < requests.length; i++) {
                requests[i] = ("GET /users/" + (1000 + i) + " HTTP/1.1\r\nHost: bench\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII);
            }
            check(server);
        }

        /** Fails the trial at once if a server answers something else than the JSON expected. */
        private void check(HttpRoutedJsonBenchmark server) throws IOException {
            out.write(requests[0]);
            int n = readResponse();
            String text = new String(buf, 0, n, StandardCharsets.ISO_8859_1);
            String expected = MAPPER.writeValueAsString(user("1000"));
            if (!text.startsWith("HTTP/1.1 200") || !text.endsWith("\r\n\r\n" + expected)
                    || !text.toLowerCase(java.util.Locale.ROOT).contains("content-type: application/json")) {
                throw new IOException(server.impl + " answered: " + text);
            }
        }

        /** Reads one response (head and Content-Length body) into buf; returns its length. */
        int readResponse() throws IOException {
            int n = 0;
            int headEnd = -1;
            int total = Integer.MAX_VALUE;
            while (n < total) {
                int r = in.read(buf, n, buf.length - n);
                if (r < 0) {
                    throw new IOException("server closed");
                }
                n += r;
                if (headEnd < 0) {
                    headEnd = indexOfHeadEnd(buf, n);
                    if (headEnd >= 0) {
                        total = headEnd + 4 + contentLength(buf, headEnd);
                    }
                }
            }
            return n;
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            socket.close();
        }
    }

    static int indexOfHeadEnd(byte[] b, int n) {
        for (int i = 0; i + 3 < n; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }

    static int contentLength(byte[] b, int headEnd) throws IOException {
        String head = new String(b, 0, headEnd, StandardCharsets.ISO_8859_1).toLowerCase(java.util.Locale.ROOT);
        int at = head.indexOf("\r\ncontent-length:");
        if (at < 0) {
            throw new IOException("no Content-Length in: " + head);
        }
        int end = head.indexOf("\r\n", at + 2);
        return Integer.parseInt(head.substring(at + 17, end < 0 ? head.length() : end).strip());
    }

    @Benchmark
    public int routedJson(Client c) throws IOException {
        c.out.write(c.requests[ThreadLocalRandom.current().nextInt(c.requests.length)]);
        return c.readResponse();
    }
}
