package io.gevent4j.http;

import static io.gevent4j.testkit.Delays.LONG;
import static io.gevent4j.testkit.Delays.MEDIUM;
import static io.gevent4j.testkit.Delays.SHORT;
import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Hub;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reliability suite's HTTP attacks, small and bounded (tens of loopback connections, a few
 * seconds): while each attack runs, a plain client is still served, and the attacking
 * connections are closed by the server's own limits. The larger runs are
 * {@code gevent4j-bench/scripts/reliability/http-attacks.sh}; docs/RELIABILITY.md has figures.
 */
class HttpAttackTest {
    static final int ATTACKERS = 40;

    Hub hub;
    HttpServer server;
    final List<Socket> sockets = new ArrayList<>();
    ScheduledExecutorService drip;

    @BeforeEach
    void startHub() {
        hub = Hub.start("http-attack");
    }

    @AfterEach
    void stopAll() throws Exception {
        if (drip != null) {
            drip.shutdownNow();
            assertThat(drip.awaitTermination(LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        }
        for (Socket s : sockets) {
            s.close();
        }
        if (server != null) {
            server.stop(Duration.ZERO);
        }
        assertThat(hub.close(LONG)).isTrue();
    }

    void start(HttpServer.Builder b) throws IOException {
        server = b.hub(hub).listen("127.0.0.1:0").build().start();
    }

    Socket attacker(String firstBytes) throws IOException {
        Socket s = new Socket();
        sockets.add(s);
        s.connect(server.address(), (int) LONG.toMillis());
        s.setSoTimeout((int) LONG.toMillis());
        if (!firstBytes.isEmpty()) {
            s.getOutputStream().write(firstBytes.getBytes(StandardCharsets.ISO_8859_1));
        }
        return s;
    }

    /** A plain GET on a new connection gets its 200. */
    void aPlainClientIsServed() throws IOException {
        try (RawClient c = new RawClient(server.address(), LONG)) {
            c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
    }

    /** Every attacker's connection ends (a status or a close) within LONG; returns the statuses seen. */
    List<String> awaitAllClosed() throws IOException {
        List<String> outcomes = new ArrayList<>();
        for (Socket s : sockets) {
            try {
                byte[] all = s.getInputStream().readAllBytes();
                String text = new String(all, StandardCharsets.ISO_8859_1);
                outcomes.add(text.isEmpty() ? "closed" : text.substring(9, 12));
            } catch (SocketTimeoutException e) {
                throw new AssertionError("an attacking connection was still open after " + LONG, e);
            } catch (IOException reset) {
                outcomes.add("reset");
            }
        }
        return outcomes;
    }

    void dripEvery(Duration period, byte[] each) {
        drip = Executors.newSingleThreadScheduledExecutor();
        drip.scheduleAtFixedRate(() -> {
            for (Socket s : sockets) {
                try {
                    OutputStream out = s.getOutputStream();
                    out.write(each);
                } catch (IOException closedByServer) {
                    // expected once the server gives up on it
                }
            }
        }, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Test
    void idleFill() throws Exception {
        start(HttpServer.builder((req, res) -> res.send(200, "ok")).maxConnections(ATTACKERS)
                .firstByteTimeout(Duration.ofMinutes(5)));
        for (int i = 0; i < ATTACKERS; i++) {
            attacker("");
        }
        for (int i = 0; i < 10; i++) {
            aPlainClientIsServed(); // each admitted by shedding one silent connection
        }
        assertThat(server.streamServer().activeConnections()).isLessThanOrEqualTo(ATTACKERS);
    }

    @Test
    void slowlorisHeads() throws Exception {
        start(HttpServer.builder((req, res) -> res.send(200, "ok")).headerTimeout(MEDIUM));
        for (int i = 0; i < ATTACKERS; i++) {
            attacker("GET / HTTP/1.1\r\nHost: x\r\n");
        }
        dripEvery(SHORT, "X-a: b\r\n".getBytes(StandardCharsets.ISO_8859_1));
        aPlainClientIsServed();
        assertThat(awaitAllClosed()).isSubsetOf("408", "reset").contains("408");
    }

    @Test
    void slowBodies() throws Exception {
        start(HttpServer.builder((req, res) -> res.send(200, "got " + req.bodyBytes().length))
                .bodyTimeout(LONG).minBodyRate(1000, MEDIUM));
        for (int i = 0; i < ATTACKERS; i++) {
            attacker("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
        }
        dripEvery(SHORT, new byte[] {'x'});
        aPlainClientIsServed();
        assertThat(awaitAllClosed()).isSubsetOf("408", "reset").contains("408");
    }

    @Test
    void slowReaders() throws Exception {
        byte[] big = new byte[32 << 20]; // more than loopback's socket buffers can absorb
        start(HttpServer.builder((req, res) -> res.send(200, big)).writeTimeout(MEDIUM));
        for (int i = 0; i < ATTACKERS / 4; i++) {
            Socket s = attacker("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            s.setReceiveBufferSize(4096); // and never read
        }
        aPlainClientIsServed();
        long end = System.nanoTime() + LONG.toNanos();
        while (server.streamServer().activeConnections() > 0 && System.nanoTime() < end) {
            Thread.onSpinWait();
        }
        assertThat(server.streamServer().activeConnections()).as("slow readers dropped after the write time-out").isZero();
    }

    @Test
    void hugeBodies() throws Exception {
        start(HttpServer.builder((req, res) -> res.send(200, "got " + req.bodyBytes().length)));
        for (int i = 0; i < 3; i++) {
            attacker("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + (200L << 20) + "\r\n\r\n");
        }
        assertThat(awaitAllClosed()).containsOnly("413");
        aPlainClientIsServed();
    }
}
