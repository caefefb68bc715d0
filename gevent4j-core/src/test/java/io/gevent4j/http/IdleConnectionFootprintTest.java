package io.gevent4j.http;

import static io.gevent4j.testkit.Delays.LONG;
import static io.gevent4j.testkit.Delays.VERY_LONG;
import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Hub;
import io.gevent4j.testkit.Probe;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import javax.management.ObjectName;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What an idle keep-alive connection costs the server (issue #18): thousands of connections,
 * each having sent one request and got its answer, held silent by a client in another process;
 * the heap they add after a full collection is bounded per connection, and a plain request on a
 * new connection is still answered meanwhile. The bound is generous (the JIT's state changes the
 * parked greenlet's stack chunk); the figure itself is in BENCHMARKS.md.
 */
class IdleConnectionFootprintTest {
    /** Idle connections held (the client's and the server's descriptors stay far below 20,000). */
    static final int CONNECTIONS = 2000;
    /**
     * The bound per idle connection: 10 KB. Measured here, in a test JVM whose code is barely
     * compiled: about 7-8 KB, most of it the parked virtual thread's stack chunk (interpreted
     * frames are large; about 3 KB in a warm server, BENCHMARKS.md §9); 16 KB when each
     * connection held its 4 KB read and write buffers.
     */
    static final long MAX_BYTES_PER_CONNECTION = 10 * 1024;

    TestServers servers;
    Hub hub;

    @BeforeEach
    void startHub() {
        servers = new TestServers("idle-footprint-test");
        hub = servers.hub;
    }

    @AfterEach
    void stopAll() {
        servers.close();
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES) // thousands of connections on a loaded machine
    void anIdleKeepAliveConnectionCostsLittleHeapAndTheServerStillAnswers() throws Exception {
        HttpServer s = servers.start(HttpServer.builder((req, res) -> res.send(200, "Hello, World!"))
                .backlog(CONNECTIONS)); // the client connects all at once

        int port = s.address().getPort();
        hold(port, 100, null); // warm-up: the classes and code paths of a connection's life
        Probe.await(() -> s.streamServer().activeConnections() == 0, LONG, () -> "the warm-up's connections end");
        long before = heapAfterGc();
        long[] added = new long[1];
        hold(port, CONNECTIONS, () -> {
            Probe.await(() -> s.streamServer().activeConnections() == CONNECTIONS, LONG, () -> "all connections counted");
            added[0] = heapAfterGc() - before;
            try (RawClient c = new RawClient(s.address(), LONG)) {
                c.send("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(c.read().text()).isEqualTo("Hello, World!");
            }
        });
        System.out.printf("%d idle keep-alive connections: %d bytes of heap each%n", CONNECTIONS, added[0] / CONNECTIONS);
        assertThat(added[0] / CONNECTIONS)
                .as("heap added per idle connection (bytes), %d connections", CONNECTIONS)
                .isLessThan(MAX_BYTES_PER_CONNECTION);
    }

    interface Check {
        void run() throws Exception;
    }

    /** Runs {@link IdleClients} holding {@code n} idle connections to {@code port}, runs {@code whileHeld}, then ends it. */
    private static void hold(int port, int n, Check whileHeld) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classes = Path.of(IdleClients.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        Process p = new ProcessBuilder(List.of(java, "-Xmx64m", "-cp", classes, IdleClients.class.getName(),
                String.valueOf(port), String.valueOf(n))).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII));
            String line = out.readLine();
            assertThat(line).as("the client's report").isEqualTo("held " + n);
            if (whileHeld != null) {
                whileHeld.run();
            }
            p.getOutputStream().close(); // the client closes its connections and ends
            assertThat(p.waitFor(VERY_LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            assertThat(p.exitValue()).isZero();
        } finally {
            p.destroyForcibly();
            p.waitFor(VERY_LONG.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** The bytes of live objects on the heap: the class histogram's total (it runs a full collection first). */
    private static long heapAfterGc() throws Exception {
        String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
        for (String line : histogram.split("\n")) {
            if (line.startsWith("Total")) {
                return Long.parseLong(line.trim().split("\\s+")[2]);
            }
        }
        throw new AssertionError("no total in the class histogram:\n" + histogram);
    }
}
