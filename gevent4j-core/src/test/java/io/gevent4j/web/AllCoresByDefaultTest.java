package io.gevent4j.web;

import static io.gevent4j.testkit.Delays.LONG;
import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Hub;
import io.gevent4j.http.HttpServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** An HttpServer built without hub(...) or hubs(...) serves on one hub per core, and stops them with itself. */
class AllCoresByDefaultTest {
    @Test
    void aServerWithoutHubsSpreadsConnectionsOverOneHubPerCoreAndClosesThemWhenStopped() throws IOException {
        List<Hub> hubs = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.builder((req, res) -> {
            hubs.add(Hub.current());
            res.send(200, Hub.current().name());
        }).listen("127.0.0.1:0").build().start();
        int cores = Runtime.getRuntime().availableProcessors();
        Set<String> names = new TreeSet<>();
        try {
            for (int i = 0; i < 2 * cores; i++) { // a new connection each time: round robin over the hubs
                WebFixture.Response r = WebFixture.exchange(server.address(),
                        "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                names.add(r.text());
            }
        } finally {
            assertThat(server.stop(Duration.ZERO)).isTrue();
        }
        assertThat(names).hasSize(cores);
        for (Hub h : Set.copyOf(hubs)) {
            assertThat(h.awaitTermination(LONG)).as("%s closed with its server", h).isTrue();
        }
    }

    @Test
    void aServerThatCannotStartClosesTheHubsItStarted() throws IOException {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Set<Hub> before = Set.copyOf(Hub.all());
            HttpServer server = HttpServer.builder((req, res) -> res.send(200, "x"))
                    .listen("127.0.0.1:" + taken.getLocalPort()).build();
            assertThat(Hub.all()).as("built: its hubs run").hasSizeGreaterThan(before.size());
            org.assertj.core.api.Assertions.assertThatThrownBy(server::start).isInstanceOf(IOException.class);
            assertThat(Hub.all()).as("no hub left behind by the failed start").allMatch(before::contains);
        }
    }
}
