package example;

import io.gevent4j.http.HttpServer;
import io.gevent4j.websocket.Message;
import io.gevent4j.websocket.WebSocket;
import io.gevent4j.websocket.WebSocketClient;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/** What CI runs: the chat on a free port, two WebSocket clients and one SSE reader; exits with 1 unless all got the message. */
public class ChatCheck {
    public static void main(String[] args) throws Exception {
        HttpServer server = Chat.start("127.0.0.1:0");
        int port = server.address().getPort();
        URI ws = URI.create("ws://127.0.0.1:" + port + "/ws");
        boolean ok;
        try (WebSocket a = WebSocketClient.connect(ws); WebSocket b = WebSocketClient.connect(ws);
                Socket sse = new Socket("127.0.0.1", port)) {
            sse.setSoTimeout(10_000);
            sse.getOutputStream().write("GET /events HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String head = readUntil(sse.getInputStream(), "\r\n\r\n");
            a.sendText("hello from a");
            Optional<Message> got = b.receive();
            String events = readUntil(sse.getInputStream(), "data: hello from a\n\n");
            ok = head.contains("text/event-stream") && got.equals(Optional.of(new Message.Text("hello from a")))
                    && events.contains("data: hello from a");
            System.out.println("b received " + got + "; the feed: " + (events.contains("hello from a") ? "yes" : "no"));
        } finally {
            server.stop(Duration.ofSeconds(1));
        }
        if (!ok) {
            System.exit(1);
        }
    }

    private static String readUntil(InputStream in, String end) throws Exception {
        StringBuilder s = new StringBuilder();
        while (s.indexOf(end) < 0) {
            int c = in.read();
            if (c < 0) {
                throw new IllegalStateException("stream ended before " + end + ": " + s);
            }
            s.append((char) c);
        }
        return s.toString();
    }
}
