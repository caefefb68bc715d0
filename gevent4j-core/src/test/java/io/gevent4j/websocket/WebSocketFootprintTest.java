package io.gevent4j.websocket;

import static io.gevent4j.testkit.Delays.LONG;
import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Hub;
import io.gevent4j.http.HttpServer;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What an idle WebSocket keeps (issue #16: no read buffer, no request headers) and messages
 * prepared once for many connections ({@link PreparedMessage}), over real loopback.
 */
class WebSocketFootprintTest {
    private Hub hub;
    private final List<HttpServer> servers = new ArrayList<>();
    private final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();

    @BeforeEach
    void hub() {
        hub = Hub.start("ws-footprint-test");
    }

    @AfterEach
    void stop() {
        for (HttpServer s : servers) {
            s.stop(Duration.ZERO);
        }
        assertThat(hub.close(LONG)).isTrue();
    }

    private int serve(io.gevent4j.http.HttpHandler handler) throws IOException {
        HttpServer s = HttpServer.builder(handler).hub(hub).listen("127.0.0.1:0").build();
        servers.add(s);
        return s.start().address().getPort();
    }

    private Object event() throws InterruptedException {
        Object e = events.poll(LONG.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(e).as("an event from the server's handler").isNotNull();
        return e;
    }

    private static URI uri(int port) {
        return URI.create("ws://127.0.0.1:" + port + "/ws");
    }

    @Test
    void anIdleSessionHoldsNoReadBufferNorTheRequestsHeaders() throws Exception {
        int port = serve((req, res) -> WebSockets.accept(req, res, WebSocketOptions.defaults(), ws -> {
            try {
                events.add(req.headers().size()); // after the 101: released
            } catch (IllegalStateException released) {
                events.add(released.getMessage());
            }
            events.add(ws);
            for (Optional<Message> m; (m = ws.receive()).isPresent(); ) {
                ws.send(m.get());
            }
        }));
        try (WebSocket client = WebSocketClient.connect(uri(port), WebSocketOptions.builder().compression(false).build(), Map.of())) {
            assertThat(event()).as("request headers used by the session: a precise error, not an empty list")
                    .asString().contains("released when the connection switched protocols (101)");
            WebSocket server = (WebSocket) event();
            client.sendText("a".repeat(300));
            assertThat(client.receive()).contains(new Message.Text("a".repeat(300)));
            // The server's receive is parked again, waiting for the next frame: without a buffer.
            long end = System.nanoTime() + LONG.toNanos();
            while (server.holdsReadBuffer() && System.nanoTime() - end < 0) {
                Thread.onSpinWait();
            }
            assertThat(server.holdsReadBuffer()).as("an idle server WebSocket holds a read buffer").isFalse();
            // and it takes one again when a frame comes, large or small
            client.sendText("b");
            assertThat(client.receive()).contains(new Message.Text("b"));
            client.sendBinary(new byte[5000]);
            assertThat(client.receive().orElseThrow().bytes()).hasSize(5000);
        }
    }

    @Test
    void aPreparedMessageReachesPlainCompressedAndFragmentingConnectionsAlike() throws Exception {
        byte[] data = "héllo wörld ".repeat(20).getBytes(StandardCharsets.UTF_8);
        PreparedMessage text = PreparedMessage.of(new Message.Text("héllo wörld ".repeat(20)));
        PreparedMessage binary = PreparedMessage.of(new Message.Binary(data));
        data[0] = 'X'; // prepared: a copy, later changes do not show
        WebSocketHandler handler = ws -> {
            ws.receive(); // "go"
            ws.send(text);
            ws.send(binary);
            ws.receive(); // the client's close
        };
        int plain = serve(WebSockets.handler(WebSocketOptions.defaults(), handler));
        int fragmenting = serve(WebSockets.handler(WebSocketOptions.builder().fragmentBytes(100).build(), handler));
        String expected = "héllo wörld ".repeat(20);
        for (int port : new int[] {plain, fragmenting}) {
            for (boolean compression : new boolean[] {false, true}) {
                try (WebSocket c = WebSocketClient.connect(uri(port), WebSocketOptions.builder().compression(compression).build(), Map.of())) {
                    assertThat(c.isCompressed()).isEqualTo(compression);
                    c.sendText("go");
                    assertThat(c.receive()).contains(new Message.Text(expected));
                    assertThat(c.receive().orElseThrow().bytes()).isEqualTo(expected.getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        // On the wire: one plain final frame where nothing is negotiated, fragments where the options say so.
        try (RawWs raw = RawWs.open(plain, "")) {
            raw.frame(0x81, "go".getBytes(StandardCharsets.UTF_8), true);
            RawWs.Frame f = raw.read();
            assertThat(f.b0()).isEqualTo(0x81);
            assertThat(f.text()).isEqualTo(expected);
            f = raw.read();
            assertThat(f.b0()).isEqualTo(0x82);
            assertThat(f.payload()).isEqualTo(expected.getBytes(StandardCharsets.UTF_8));
        }
        try (RawWs raw = RawWs.open(fragmenting, "")) {
            raw.frame(0x81, "go".getBytes(StandardCharsets.UTF_8), true);
            RawWs.Frame f = raw.read();
            assertThat(f.b0()).as("a first fragment: text, not final").isEqualTo(0x01);
            assertThat(f.payload()).hasSize(100);
        }
    }
}
