package io.gevent4j.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.http.HttpServer;
import io.gevent4j.testkit.Delays;
import io.gevent4j.testkit.Probe;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The meters read the same figures as the JMX beans, through a real Micrometer registry. */
class GeventMetricsTest {

    @Test
    void hubAndServerFiguresAreMeters() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Hub hub = Hub.start("metrics-hub");
             HttpServer server = HttpServer.builder((req, res) -> {
                 if (req.path().equals("/boom")) {
                     throw new IllegalStateException("boom");
                 }
                 res.send(200, "hello\n");
             }).hub(hub).listen("127.0.0.1:0").build().start()) {
            GeventMetrics.builder().hub(hub).server(server, "web").build().bindTo(registry);
            double before = registry.get("gevent4j.hub.greenlets.live").tag("hub", "metrics-hub").gauge().value();
            Greenlet<Void> sleeper = hub.spawn(() -> Gevent.sleep(Duration.ofMinutes(1)));
            Probe.awaitParked(sleeper, Delays.VERY_LONG);
            assertThat(registry.get("gevent4j.hub.greenlets.live").tag("hub", "metrics-hub").gauge().value())
                    .as("the sleeper beside the accept loop").isEqualTo(before + 1);
            assertThat(registry.get("gevent4j.hub.timers").gauge().value()).isGreaterThanOrEqualTo(1.0);
            assertThat(registry.get("gevent4j.hub.loop.passes").functionCounter().count()).isPositive();

            long received = 0;
            long sent = 0;
            for (String path : new String[] {"/", "/", "/boom", "/ bad"}) {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.address().getPort())) {
                    byte[] request = ("GET " + path + " HTTP/1.0\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
                    s.getOutputStream().write(request);
                    received += s.getInputStream().readAllBytes().length;
                    sent += request.length;
                }
            }
            assertThat(registry.get("gevent4j.server.requests").tag("server", "web").functionCounter().count())
                    .isEqualTo(3.0);
            assertThat(registry.get("gevent4j.server.responses").tag("status", "2xx").functionCounter().count())
                    .isEqualTo(2.0);
            assertThat(registry.get("gevent4j.server.responses").tag("status", "5xx").functionCounter().count())
                    .isEqualTo(1.0);
            assertThat(registry.get("gevent4j.server.responses").tag("status", "4xx").functionCounter().count())
                    .as("the malformed request line, refused before any handler").isEqualTo(1.0);
            assertThat(registry.get("gevent4j.server.requests.refused").functionCounter().count()).isEqualTo(1.0);
            assertThat(registry.get("gevent4j.server.bytes.written").functionCounter().count())
                    .as("what the clients received").isEqualTo((double) received);
            assertThat(registry.get("gevent4j.server.bytes.read").functionCounter().count())
                    .isBetween(1.0, (double) sent);
            assertThat(registry.get("gevent4j.server.request.errors").functionCounter().count()).isEqualTo(1.0);
            assertThat(registry.get("gevent4j.server.response.body").functionCounter().count()).isEqualTo(12.0);
            assertThat(registry.get("gevent4j.server.connections").functionCounter().count()).isEqualTo(4.0);
            sleeper.kill();
        }
    }
}
