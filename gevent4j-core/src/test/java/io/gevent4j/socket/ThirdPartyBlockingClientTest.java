package io.gevent4j.socket;

import static io.gevent4j.testkit.Delays.LONG;
import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.testkit.Delays;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * gevent.monkey's promise without patching: a real third-party blocking client (the JDK's
 * {@code HttpClient.send}) called from 1,000 greenlets of one hub runs them concurrently,
 * because its blocking wait parks the greenlet's virtual thread and frees the hub.
 */
class ThirdPartyBlockingClientTest {
    static final int CALLS = 1_000;
    static final Duration DELAY = Delays.scaled(100);

    /** A minimal HTTP/1.1 server on its own hub: each request is answered after DELAY. */
    static final class SlowServer implements AutoCloseable {
        final Hub hub = Hub.start("slow-http");
        final TcpListener listener;
        final AtomicInteger inSleep = new AtomicInteger();
        final AtomicInteger maxInSleep = new AtomicInteger();
        final AtomicInteger served = new AtomicInteger();

        SlowServer() throws IOException {
            listener = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0), 4096);
            hub.spawn(() -> {
                while (listener.isOpen()) {
                    TcpSocket c;
                    try {
                        c = listener.accept();
                    } catch (java.net.SocketException closed) {
                        return null; // the test is over
                    }
                    Gevent.spawn(() -> serve(c));
                }
                return null;
            });
        }

        private Void serve(TcpSocket c) throws IOException {
            try (c) {
                ByteBuffer buf = ByteBuffer.allocate(8192);
                while (true) {
                    // Read one request head (the client sends GETs with no body).
                    String head = "";
                    while (!head.contains("\r\n\r\n")) {
                        if (c.recvInto(buf) < 0) {
                            return null;
                        }
                        head = new String(buf.array(), 0, buf.position(), StandardCharsets.ISO_8859_1);
                    }
                    buf.clear();
                    maxInSleep.accumulateAndGet(inSleep.incrementAndGet(), Math::max);
                    Gevent.sleep(DELAY);
                    inSleep.decrementAndGet();
                    byte[] body = "ok".getBytes(StandardCharsets.US_ASCII);
                    c.sendAll(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\nok")
                            .getBytes(StandardCharsets.US_ASCII));
                    served.incrementAndGet();
                }
            }
        }

        URI uri() throws IOException {
            return URI.create("http://127.0.0.1:" + listener.localAddress().getPort() + "/");
        }

        @Override
        public void close() throws IOException {
            listener.close();
            hub.close(LONG);
        }
    }

    @Test
    void thousandJdkHttpClientCallsInGreenletsOfOneHubOverlap() throws Exception {
        try (SlowServer server = new SlowServer();
                Hub clients = Hub.start("http-clients");
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(LONG).build()) {
            HttpRequest request = HttpRequest.newBuilder(server.uri()).timeout(LONG.multipliedBy(4)).build();
            long start = System.nanoTime();
            List<Greenlet<Integer>> calls = new ArrayList<>(CALLS);
            for (int i = 0; i < CALLS; i++) {
                calls.add(clients.spawn(() -> http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode()));
            }
            Gevent.joinAllOrRaise(calls, LONG.multipliedBy(6));
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            assertThat(calls).allSatisfy(g -> assertThat(g.value()).isEqualTo(200));
            assertThat(server.served).hasValue(CALLS);
            assertThat(elapsed).isGreaterThanOrEqualTo(DELAY);
            // The proof is structural, not a timing: many calls were waiting in the server at once,
            // which calls from one hub can only do if HttpClient.send freed the hub (a blocked hub
            // would give 1; gevent's thread resolver-style pool of 10 would give at most 10). How
            // many overlap depends on how fast a loaded machine opens the connections: 100 is a
            // safe floor (a quiet machine sees most of the 1,000).
            assertThat(server.maxInSleep.get()).as("calls in flight at once").isGreaterThan(100);
            System.out.printf("%d HttpClient.send calls of %d ms each from one hub: %d ms, %d at once%n",
                    CALLS, DELAY.toMillis(), elapsed.toMillis(), server.maxInSleep.get());
        }
    }
}
