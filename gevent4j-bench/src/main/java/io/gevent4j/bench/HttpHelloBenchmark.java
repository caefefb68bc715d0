package io.gevent4j.bench;

import io.gevent4j.Hub;
import io.gevent4j.http.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
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
 * Hello world over keep-alive in one process: 4 client threads, each on its own connection,
 * send a request and read the 13-byte response, against gevent4j's HttpServer (one hub) and
 * the JDK's HttpServer with a virtual-thread executor. Score: requests per second (higher is
 * better); the ratio of the two {@code impl} values is the comparison. Clients and server share
 * the machine's cores, so this is a latency-bound round-trip test, not wrk's throughput test
 * (see scripts/http-hello-wrk.sh for that).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Threads(4)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.lang=ALL-UNNAMED"})
public class HttpHelloBenchmark {
    static final byte[] BODY = "Hello, World!".getBytes(StandardCharsets.US_ASCII);
    static final byte[] REQUEST = "GET / HTTP/1.1\r\nHost: bench\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    @Param({"gevent4j", "jdk-httpserver-vt"})
    public String impl;

    private Hub hub;
    private HttpServer gevent;
    private com.sun.net.httpserver.HttpServer jdk;
    InetSocketAddress address;

    @Setup(Level.Trial)
    public void start() throws IOException {
        if (impl.equals("gevent4j")) {
            hub = Hub.start("bench-http");
            gevent = HttpServer.builder((req, res) -> res.header("Content-Type", "text/plain").send(BODY))
                    .listen("127.0.0.1:0").hub(hub).build().start();
            address = gevent.address();
        } else {
            jdk = com.sun.net.httpserver.HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
            jdk.createContext("/", ex -> {
                ex.getResponseHeaders().set("Content-Type", "text/plain");
                ex.sendResponseHeaders(200, BODY.length);
                try (OutputStream os = ex.getResponseBody()) {
                    os.write(BODY);
                }
            });
            jdk.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            jdk.start();
            address = jdk.getAddress();
        }
    }

    @TearDown(Level.Trial)
    public void stop() {
        if (gevent != null) {
            gevent.stop(Duration.ZERO);
            hub.close(Duration.ofSeconds(5));
        }
        if (jdk != null) {
            jdk.stop(0);
        }
    }

    /** One keep-alive connection per client thread. */
    @State(Scope.Thread)
    public static class Client {
        Socket socket;
        InputStream in;
        OutputStream out;
        final byte[] buf = new byte[4096];

        @Setup(Level.Trial)
        public void connect(HttpHelloBenchmark server) throws IOException {
            socket = new Socket();
            socket.connect(server.address);
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(10_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            socket.close();
        }
    }

    @Benchmark
    public int helloKeepAlive(Client c) throws IOException {
        c.out.write(REQUEST);
        // Read until the body (the last 13 bytes) has arrived: headers differ in size per server.
        int n = 0;
        for (;;) {
            int r = c.in.read(c.buf, n, c.buf.length - n);
            if (r < 0) {
                throw new IOException("server closed");
            }
            n += r;
            if (n >= BODY.length && c.buf[n - 1] == '!' && c.buf[n - 13] == 'H') {
                return n;
            }
        }
    }
}
