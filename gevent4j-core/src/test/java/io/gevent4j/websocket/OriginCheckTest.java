package io.gevent4j.websocket;

import static io.gevent4j.testkit.Delays.LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.Hub;
import io.gevent4j.http.HttpServer;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The server's {@code Origin} check: off by default, an allow-list or a predicate, 403 for the rest. */
class OriginCheckTest {
    private Hub hub;
    private final List<HttpServer> servers = new ArrayList<>();

    @BeforeEach
    void hub() {
        hub = Hub.start("ws-origin-test");
    }

    @AfterEach
    void stop() {
        for (HttpServer s : servers) {
            s.stop(Duration.ZERO);
        }
        assertThat(hub.close(LONG)).isTrue();
    }

    private int echo(WebSocketOptions options) throws IOException {
        HttpServer s = HttpServer.builder(WebSockets.handler(options, ws -> {
            for (Optional<Message> m; (m = ws.receive()).isPresent(); ) {
                ws.send(m.get());
            }
        })).hub(hub).listen("127.0.0.1:0").build();
        servers.add(s);
        return s.start().address().getPort();
    }

    private static void echoes(int port, Map<String, String> headers) throws IOException {
        try (WebSocket ws = WebSocketClient.connect(URI.create("ws://127.0.0.1:" + port + "/ws"), WebSocketOptions.defaults(), headers)) {
            ws.sendText("hi");
            assertThat(ws.receive()).contains(new Message.Text("hi"));
        }
    }

    /** The whole response to a handshake with these extra header lines. */
    private static String handshake(int port, String extraHeaders) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout((int) LONG.toMillis());
            s.getOutputStream().write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + extraHeaders + "\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            s.shutdownOutput();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void byDefaultAnyOriginIsAccepted() throws Exception {
        int port = echo(WebSocketOptions.defaults());
        echoes(port, Map.of("Origin", "https://evil.example"));
        echoes(port, Map.of());
    }

    @Test
    void anAllowListRefusesOtherOriginsWith403() throws Exception {
        int port = echo(WebSocketOptions.builder().allowedOrigins("https://chat.example", "http://localhost:8080").build());
        echoes(port, Map.of("Origin", "https://chat.example"));
        echoes(port, Map.of("Origin", "HTTPS://Chat.Example"));
        echoes(port, Map.of("Origin", "http://localhost:8080"));
        echoes(port, Map.of()); // not a browser: no cross-site hijack possible
        assertThatThrownBy(() -> echoes(port, Map.of("Origin", "https://evil.example")))
                .isInstanceOf(WebSocketException.class)
                .hasMessageContaining("the server refused the WebSocket: HTTP/1.1 403");
        assertThat(handshake(port, "Origin: https://evil.example\r\n"))
                .startsWith("HTTP/1.1 403 ")
                .contains("Origin https://evil.example is not allowed to open a WebSocket here")
                .doesNotContain("Sec-WebSocket-Accept");
        assertThat(handshake(port, "Origin: http://localhost:8081\r\n"))
                .startsWith("HTTP/1.1 403 ").contains("Origin http://localhost:8081 is not allowed");
        assertThat(handshake(port, "Origin: https://chat.example\r\nOrigin: https://evil.example\r\n"))
                .startsWith("HTTP/1.1 403 ").contains("at most one Origin header, not 2");
        assertThat(handshake(port, "Origin: https://chat.example\r\n")).startsWith("HTTP/1.1 101 ");
    }

    @Test
    void aPredicateDecidesAndMayRequireAnOrigin() throws Exception {
        int port = echo(WebSocketOptions.builder()
                .originCheck(o -> o.filter(v -> v.endsWith(".chat.example")).isPresent())
                .build());
        echoes(port, Map.of("Origin", "https://eu.chat.example"));
        assertThat(handshake(port, "")).startsWith("HTTP/1.1 403 ")
                .contains("a handshake without an Origin header is not allowed to open a WebSocket here");
        assertThat(handshake(port, "Origin: https://chat.example.evil\r\n")).startsWith("HTTP/1.1 403 ")
                .contains("Origin https://chat.example.evil is not allowed");
    }

    @Test
    void badAllowListsAreRefusedAtOnce() {
        assertThatThrownBy(() -> WebSocketOptions.builder().allowedOrigins())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("allowedOrigins needs at least one origin");
        for (String bad : new String[] {"https://chat.example/", "https://chat.example/ws", "chat.example", "https://u@chat.example",
                "https://chat.example?x", "null", "https://chat example"}) {
            assertThatThrownBy(() -> WebSocketOptions.builder().allowedOrigins(bad))
                    .as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an origin").hasMessageContaining(bad);
        }
        assertThat(WebSocketOptions.defaults().checksOrigin()).isFalse();
        assertThat(WebSocketOptions.defaults().acceptsOrigin(Optional.of("https://evil.example"))).isTrue();
    }
}
