package io.gevent4j.http;

import static io.gevent4j.testkit.Delays.LONG;
import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Hub;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A test's hub and the HTTP servers it started on 127.0.0.1:0: {@link #close()} stops every
 * server at once and asserts that the hub then closes within {@code LONG}.
 */
final class TestServers implements AutoCloseable {
    final Hub hub;
    private final List<HttpServer> servers = new ArrayList<>();

    TestServers(String hubName) {
        hub = Hub.start(hubName);
    }

    /** Builds {@code b} on this hub, listening on an ephemeral loopback port, and starts it. */
    HttpServer start(HttpServer.Builder b) throws IOException {
        HttpServer s = b.hub(hub).listen("127.0.0.1:0").build();
        servers.add(s);
        return s.start();
    }

    @Override
    public void close() {
        for (HttpServer s : servers) {
            s.stop(Duration.ZERO);
        }
        assertThat(hub.close(LONG)).isTrue();
    }
}
