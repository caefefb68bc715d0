package io.gevent4j.cli;

import io.gevent4j.Queue;
import io.gevent4j.http.HttpHandler;
import io.gevent4j.web.EventStream;
import io.gevent4j.web.Router;
import io.gevent4j.websocket.Message;
import io.gevent4j.websocket.WebSocket;
import io.gevent4j.websocket.WebSocketException;
import io.gevent4j.websocket.WebSocketOptions;
import io.gevent4j.websocket.WebSockets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code gevent4j serve chat}: a chat room (the same program as {@code examples/chat}). A page
 * at {@code /}; a WebSocket room at {@code /ws}, where each text message reaches every other
 * connected client; the same messages as Server-Sent Events at {@code /events}.
 */
final class ChatServer {
    private final Set<WebSocket> sockets = ConcurrentHashMap.newKeySet();
    private final Set<Queue<String>> feeds = ConcurrentHashMap.newKeySet();

    /** The HTTP handler: three routes (404 and 405 with {@code Allow} for the rest). */
    HttpHandler handler() {
        WebSocketOptions options = WebSocketOptions.builder().maxMessageBytes(64 * 1024).build();
        return new Router()
                .get("/", (request, response) -> response.header("Content-Type", "text/html; charset=utf-8").send(200, PAGE))
                .get("/ws", (request, response) -> WebSockets.accept(request, response, options, this::chat))
                .get("/events", (request, response) -> feed(EventStream.open(response)));
    }

    private void chat(WebSocket ws) throws Exception {
        sockets.add(ws);
        try {
            for (Optional<Message> m; (m = ws.receive()).isPresent(); ) {
                if (m.get() instanceof Message.Text text) {
                    broadcast(ws, text.text());
                }
            }
        } finally {
            sockets.remove(ws);
        }
    }

    /** To every other WebSocket (a send blocks while that client is slow: at most its write time-out), and every feed. */
    private void broadcast(WebSocket from, String text) {
        for (WebSocket other : sockets) {
            if (other != from) {
                try {
                    other.sendText(text);
                } catch (WebSocketException gone) {
                    sockets.remove(other); // its own greenlet sees the end too
                }
            }
        }
        for (Queue<String> feed : feeds) {
            feed.offer(text); // a full feed (a slow reader) misses messages rather than grow
        }
    }

    private void feed(EventStream events) throws Exception {
        Queue<String> queue = new Queue<>(100);
        feeds.add(queue);
        try {
            for (;;) {
                Optional<String> next = queue.poll(Duration.ofSeconds(15));
                if (next.isPresent()) {
                    events.send(next.get());
                } else {
                    events.heartbeat(); // throws once the client has gone
                }
            }
        } finally {
            feeds.remove(queue);
        }
    }

    static final String PAGE = """
            <!doctype html>
            <meta charset="utf-8"><title>gevent4j chat</title>
            <h1>gevent4j chat</h1>
            <form id="f"><input id="t" autocomplete="off" autofocus> <button>Send</button></form>
            <ul id="log"></ul>
            <script>
            const log = document.getElementById('log'), t = document.getElementById('t');
            const add = s => { const li = document.createElement('li'); li.textContent = s; log.append(li); };
            const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws');
            ws.onmessage = e => add(e.data);
            ws.onclose = e => add('[closed ' + e.code + ']');
            ws.onopen = () => { const say = new URLSearchParams(location.search).get('say'); if (say) ws.send(say); };
            document.getElementById('f').onsubmit = e => {
              e.preventDefault(); ws.send(t.value); add('me: ' + t.value); t.value = '';
            };
            </script>
            """;
}
