package io.gevent4j.http;

import static io.gevent4j.testkit.Delays.LONG;
import static io.gevent4j.testkit.Delays.MEDIUM;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Hub;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP server with other real clients (curl, Python's http.client where installed) and under load. */
class HttpServerClientsTest {
    Hub hub;
    HttpServer server;

    @BeforeEach
    void start() throws IOException {
        hub = Hub.start("http-clients-test");
        server = HttpServer.builder(HttpServerTest.ECHO).hub(hub).listen("127.0.0.1:0").build().start();
    }

    @AfterEach
    void stop() {
        server.stop(Duration.ZERO);
        assertThat(hub.close(LONG)).isTrue();
    }

    static String run(Path dir, String... command) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException notInstalled) {
            Assumptions.abort(command[0] + " is not installed");
            return null;
        }
        try {
            byte[] out = p.getInputStream().readAllBytes();
            assertThat(p.waitFor(LONG.toMillis() * 4, TimeUnit.MILLISECONDS)).isTrue();
            assertThat(p.exitValue()).as(new String(out, UTF_8)).isZero();
            return new String(out, UTF_8);
        } finally {
            p.destroyForcibly(); // nothing left once it has exited; a client that hangs must not outlive the test
            p.waitFor(LONG.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Test
    void curlKeepsTheConnectionAliveAcrossUrlsAndPostsBodies(@TempDir Path dir) throws Exception {
        String base = "http://127.0.0.1:" + server.address().getPort();
        String out = run(dir, "curl", "-sS", "-v", "--http1.1", base + "/one?a=b", base + "/two",
                "-H", "Expect:");
        assertThat(out).contains("< X-Path: /one", "< X-Query: a=b", "< X-Path: /two");
        assertThat(out).containsPattern("(Re-using existing|reusing) connection");
        String post = run(dir, "curl", "-sS", "--http1.1", "-H", "Transfer-Encoding: chunked", "--data-binary",
                "chunked from curl", base + "/post");
        assertThat(post).isEqualTo("chunked from curl");
        String expect = run(dir, "curl", "-sS", "--http1.1", "-H", "Expect: 100-continue", "--data-binary",
                "x".repeat(2000), base + "/continue");
        assertThat(expect).isEqualTo("x".repeat(2000));
    }

    @Test
    void pythonsHttpClientSpeaksToIt(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("client.py");
        Files.writeString(script, """
                import http.client, sys
                c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
                for i in range(3):
                    c.request("GET", "/py/%d?q=%d" % (i, i))
                    r = c.getresponse()
                    assert r.status == 200 and r.getheader("X-Path") == "/py/%d" % i, r.status
                    r.read()
                c.request("POST", "/chunks", body=iter([b"ab", b"cd", b"ef"]), encode_chunked=True)
                r = c.getresponse()
                body = r.read()
                c.request("HEAD", "/head")
                h = c.getresponse()
                h.read()
                print(body.decode(), h.status, h.getheader("Content-Length"))
                """);
        String out = run(dir, "python3", script.toString(), Integer.toString(server.address().getPort()));
        assertThat(out.strip()).isEqualTo("abcdef 200 0");
    }

    @Test
    void gracefulStopUnderLoadLosesNoResponse() throws Exception {
        int clients = 20;
        AtomicBoolean stopping = new AtomicBoolean();
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger broken = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < clients; t++) {
            int id = t;
            threads.add(Thread.ofVirtual().start(() -> {
                long end = System.nanoTime() + LONG.toNanos();
                while (System.nanoTime() < end) {
                    try (RawClient c = new RawClient(server.address(), LONG)) {
                        for (int i = 0; i < 1_000 && System.nanoTime() < end; i++) {
                            String body = id + ":" + i;
                            c.send("POST /load HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
                            RawClient.Response r = c.read();
                            if (r == null) {
                                break; // closed between requests: the graceful stop's way to say goodbye
                            }
                            if (r.status() != 200 || !r.text().equals(body)) {
                                broken.incrementAndGet();
                            }
                            ok.incrementAndGet();
                            if ("close".equals(r.header("Connection"))) {
                                break;
                            }
                        }
                    } catch (IOException e) {
                        if (!stopping.get()) {
                            broken.incrementAndGet();
                        }
                        // after the stop began: refused or reset on a closed listener is expected
                    }
                    if (stopping.get()) {
                        return;
                    }
                }
            }));
        }
        long until = System.nanoTime() + MEDIUM.toNanos();
        while (ok.get() < 200 && System.nanoTime() < until + LONG.toNanos()) {
            Thread.onSpinWait();
        }
        stopping.set(true);
        assertThat(server.stop(LONG)).as("every in-flight request finished in time").isTrue();
        for (Thread t : threads) {
            t.join(LONG.toMillis());
            assertThat(t.isAlive()).isFalse();
        }
        assertThat(ok.get()).isGreaterThan(0);
        assertThat(broken.get()).as("responses lost or garbled").isZero();
        assertThat(server.streamServer().activeConnections()).isZero();
    }
}
