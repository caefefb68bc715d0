package io.gevent4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Hub;
import io.gevent4j.testkit.Delays;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class DemoServerTest {

    /** The demo's handler, announcing when a connection has entered it. */
    static DemoServer.Handler announcing(CountDownLatch entered, Duration delay) {
        DemoServer.Handler demo = DemoServer.demoHandler(delay);
        return s -> {
            entered.countDown();
            demo.handle(s);
        };
    }

    @ParameterizedTest
    @EnumSource(DemoServer.Kind.class)
    void aConnectionInProgressFinishesWithinTheGracePeriod(DemoServer.Kind kind) throws Exception {
        Hub hub = Hub.startDaemon("demo-server-test");
        try {
            CountDownLatch entered = new CountDownLatch(1);
            DemoServer server = DemoServer.start(kind, new InetSocketAddress("127.0.0.1", 0), List.of(hub),
                    announcing(entered, Delays.MEDIUM.multipliedBy(2)), line -> { });
            int port = server.address().getPort();
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(entered.await(Delays.VERY_LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
                server.close(Delays.VERY_LONG);
                String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                assertThat(reply).isEqualTo("HTTP/1.0 200 Ok\r\n\r\nHelloWorld");
            }
            // and it no longer accepts
            assertThat(connectRefused(port)).isTrue();
        } finally {
            assertThat(hub.close(Delays.VERY_LONG)).isTrue();
        }
    }

    @Test
    void aConnectionStillRunningAfterTheGracePeriodIsKilled() throws Exception {
        Hub hub = Hub.startDaemon("demo-server-test");
        try {
            CountDownLatch entered = new CountDownLatch(1);
            DemoServer server = DemoServer.start(DemoServer.Kind.GREENLETS, new InetSocketAddress("127.0.0.1", 0),
                    List.of(hub), announcing(entered, Duration.ofHours(1)), line -> { });
            try (Socket s = new Socket("127.0.0.1", server.address().getPort())) {
                s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(entered.await(Delays.VERY_LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
                long start = System.nanoTime();
                server.close(Delays.SHORT);
                assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(Delays.SHORT.toNanos());
                assertThat(s.getInputStream().readAllBytes()).isEmpty(); // closed, no reply
            }
        } finally {
            assertThat(hub.close(Delays.VERY_LONG)).isTrue();
        }
    }

    private static boolean connectRefused(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return false;
        } catch (java.net.ConnectException e) {
            return true;
        }
    }
}
