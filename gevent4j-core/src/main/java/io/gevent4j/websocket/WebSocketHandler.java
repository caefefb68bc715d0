package io.gevent4j.websocket;

/**
 * What a WebSocket server runs for each accepted connection, in the connection's greenlet:
 * plain blocking code over {@link WebSocket}. When it returns, the connection is closed with
 * 1000 (1011 if it threw) unless it was closed already.
 *
 * {@snippet :
 * WebSocketHandler echo = ws -> {
 *     for (Optional<Message> m; (m = ws.receive()).isPresent(); ) {
 *         ws.send(m.get());
 *     }
 * };
 * }
 */
@FunctionalInterface
public interface WebSocketHandler {
    /**
     * Talks to one client until the conversation ends.
     *
     * @param ws the open connection
     * @throws Exception anything: the connection is then closed with 1011
     */
    void session(WebSocket ws) throws Exception;
}
