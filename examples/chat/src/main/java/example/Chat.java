package example;

import io.gevent4j.Queue;
import io.gevent4j.http.HttpServer;
import io.gevent4j.web.EventStream;
import io.gevent4j.web.Router;
import io.gevent4j.websocket.Message;
import io.gevent4j.websocket.WebSocket;
import io.gevent4j.websocket.WebSocketException;
import io.gevent4j.websocket.WebSocketOptions;
import io.gevent4j.websocket.WebSockets;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A chat room: the page at /, a WebSocket room at /ws (each text message reaches every other
 * client), and the same messages as Server-Sent Events at /events. Plain blocking code: each
 * connection is a greenlet. Run: java --add-opens java.base/java.lang=ALL-UNNAMED example.Chat [PORT]
 */
public class Chat {
    static final Set<WebSocket> sockets = ConcurrentHashMap.newKeySet();
    static final Set<Queue<String>> feeds = ConcurrentHashMap.newKeySet();

    public static void main(String[] args) throws IOException {
        HttpServer server = start("0.0.0.0:" + (args.length > 0 ? args[0] : "8080"));
        System.out.println("chat on http://localhost:" + server.address().getPort() + "/");
        server.serveForever();
    }

    static HttpServer start(String address) throws IOException {
        byte[] page = Chat.class.getResourceAsStream("/chat.html").readAllBytes();
        WebSocketOptions options = WebSocketOptions.builder().maxMessageBytes(64 * 1024).build();
        Router router = new Router()
                .get("/", (request, response) -> response.header("Content-Type", "text/html; charset=utf-8").send(200, page))
                .get("/ws", (request, response) -> WebSockets.accept(request, response, options, Chat::chat))
                .get("/events", (request, response) -> feed(EventStream.open(response)));
        return HttpServer.builder(router).listen(address).build().start(); // one hub per core
    }

    static void chat(WebSocket ws) throws IOException {
        sockets.add(ws);
        try {
            for (Optional<Message> m; (m = ws.receive()).isPresent(); ) {
                if (m.get() instanceof Message.Text text) {
                    for (WebSocket other : sockets) {
                        if (other != ws) {
                            try {
                                other.sendText(text.text()); // blocks while that client is slow (bounded)
                            } catch (WebSocketException gone) {
                                sockets.remove(other);
                            }
                        }
                    }
                    feeds.forEach(feed -> feed.offer(text.text())); // a full feed misses messages
                }
            }
        } finally {
            sockets.remove(ws);
        }
    }

    static void feed(EventStream events) throws IOException {
        Queue<String> queue = new Queue<>(100);
        feeds.add(queue);
        try {
            for (;;) {
                Optional<String> next = queue.poll(Duration.ofSeconds(15));
                if (next.isPresent()) {
                    events.send(next.get());
                } else {
                    events.heartbeat(); // an exception once the client has gone
                }
            }
        } finally {
            feeds.remove(queue);
        }
    }
}
