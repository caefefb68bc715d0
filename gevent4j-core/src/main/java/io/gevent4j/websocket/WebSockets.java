package io.gevent4j.websocket;

import io.gevent4j.http.HttpHandler;
import io.gevent4j.http.HttpRequest;
import io.gevent4j.http.HttpResponse;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * The server side of the opening handshake (RFC 6455 §4.2): turns an {@link HttpHandler}'s
 * request into a {@link WebSocket} and runs a {@link WebSocketHandler} on it, in the request's
 * greenlet. A request that is not a valid WebSocket upgrade gets a precise 400 (426 for another
 * protocol version) and the handler does not run. A handshake whose {@code Origin} the options
 * do not accept ({@link WebSocketOptions.Builder#allowedOrigins}) gets a 403 naming it. By
 * default any origin is accepted: a server that trusts cookies should set an allow-list, since
 * any web page a user opens may otherwise connect with the user's cookies (cross-site WebSocket
 * hijacking).
 *
 * <p>Who may call it: an {@link HttpHandler} (the connection's greenlet); it blocks for the
 * whole WebSocket conversation. The HTTP connection is not reused afterwards. A graceful stop
 * of the server closes each WebSocket with 1001 (going away).
 *
 * {@snippet :
 * HttpServer server = HttpServer.builder(WebSockets.handler(ws -> {
 *     for (Optional<Message> m; (m = ws.receive()).isPresent(); ) {
 *         ws.send(m.get());
 *     }
 * })).listen("127.0.0.1:8080").build().start();
 * }
 */
public final class WebSockets {
    private static final System.Logger LOG = System.getLogger(WebSockets.class.getName());

    private WebSockets() {
    }

    /**
     * An HTTP handler that accepts every WebSocket upgrade with the default options.
     *
     * @param handler what runs for each connection
     * @return the HTTP handler
     */
    public static HttpHandler handler(WebSocketHandler handler) {
        return handler(WebSocketOptions.defaults(), handler);
    }

    /**
     * An HTTP handler that accepts every WebSocket upgrade with {@code options}.
     *
     * @param options limits, time-outs, compression, subprotocols
     * @param handler what runs for each connection
     * @return the HTTP handler
     */
    public static HttpHandler handler(WebSocketOptions options, WebSocketHandler handler) {
        java.util.Objects.requireNonNull(options, "options");
        java.util.Objects.requireNonNull(handler, "handler");
        return (request, response) -> accept(request, response, options, handler);
    }

    /**
     * Whether {@code request} asks for a WebSocket ({@code Upgrade: websocket}), valid or not:
     * for a handler that serves a page and its WebSocket on one path.
     *
     * @param request the request
     * @return true if it asks to upgrade to WebSocket
     */
    public static boolean isUpgrade(HttpRequest request) {
        return request.headers().hasToken("Upgrade", "websocket");
    }

    /**
     * Completes the handshake for {@code request} and runs {@code handler}, or answers with an
     * error if the request is not a valid WebSocket upgrade. Returns when the conversation ends;
     * the connection is closed then. The request's header fields are released once the 101 is
     * sent (an idle WebSocket should not keep them for hours; {@link HttpResponse#switchProtocols()};
     * using them afterwards throws {@code IllegalStateException}):
     * a session that needs one reads it before this call, e.g.
     * {@code String user = request.header("X-User").orElse(null);}, not from inside {@code handler}.
     *
     * @param request the upgrade request
     * @param response its response (still uncommitted)
     * @param options limits, time-outs, compression, subprotocols
     * @param handler what runs on the connection
     * @throws IOException if the handshake's response could not be sent
     */
    public static void accept(HttpRequest request, HttpResponse response, WebSocketOptions options,
            WebSocketHandler handler) throws IOException {
        String problem = problem(request);
        if (problem != null) {
            if (problem.startsWith("426")) {
                response.header("Sec-WebSocket-Version", "13");
                response.send(426, problem.substring(4) + "\n");
            } else {
                response.send(400, problem + "\n");
            }
            return;
        }
        if (options.checksOrigin()) {
            List<String> origins = request.headers().all("Origin");
            if (origins.size() > 1) {
                response.send(403, "a WebSocket handshake must have at most one Origin header, not " + origins.size() + "\n");
                return;
            }
            Optional<String> origin = origins.stream().findFirst().map(String::strip);
            if (!options.acceptsOrigin(origin)) {
                String what = origin.map(o -> "Origin " + o).orElse("a handshake without an Origin header");
                LOG.log(System.Logger.Level.DEBUG, () -> "WebSocket from " + request.remoteAddress() + " refused: " + what);
                response.send(403, what + " is not allowed to open a WebSocket here\n");
                return;
            }
        }
        String key = request.header("Sec-WebSocket-Key").orElseThrow().strip();
        response.header("Upgrade", "websocket");
        response.header("Sec-WebSocket-Accept", Handshake.accept(key));
        PerMessageDeflate deflate = null;
        if (options.compression()) {
            Optional<PerMessageDeflate.Accepted> a = PerMessageDeflate.accept(
                    request.headers().all("Sec-WebSocket-Extensions"), options.noContextTakeover());
            if (a.isPresent()) {
                deflate = a.get().deflate();
                response.header("Sec-WebSocket-Extensions", a.get().response());
            }
        }
        String protocol = chooseSubprotocol(request.headers().all("Sec-WebSocket-Protocol"), options.subprotocols());
        if (protocol != null) {
            response.header("Sec-WebSocket-Protocol", protocol);
        }
        HttpResponse.Switched sw = response.switchProtocols();
        WebSocket ws = new WebSocket(Link.of(sw.connection()), false, options, deflate, protocol, sw.buffered());
        // A graceful stop of the server says "going away" (1001) to the client, from a greenlet
        // of this hub: the stop action runs on the stopping thread and must not block.
        io.gevent4j.Hub hub = io.gevent4j.Hub.current();
        sw.connection().onServerStop(() -> {
            try {
                hub.spawn(() -> {
                    try {
                        ws.close(1001, "server stopping");
                    } catch (IOException gone) {
                        // closed either way
                    }
                });
            } catch (RuntimeException hubClosed) {
                LOG.log(System.Logger.Level.DEBUG, "no 1001 for a WebSocket: its hub is closed", hubClosed);
            }
        });
        int code = 1000;
        try {
            handler.session(ws);
        } catch (WebSocketException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "WebSocket from " + request.remoteAddress() + " ended: " + e.getMessage());
        } catch (Exception e) {
            code = 1011;
            LOG.log(System.Logger.Level.WARNING, "WebSocket handler failed for " + request.remoteAddress(), e);
        } finally {
            ws.close(code, code == 1011 ? "server error" : "");
        }
    }

    /** What is wrong with {@code r} as an upgrade request (RFC 6455 §4.2.1), or null; "426 ..." for the version. */
    static String problem(HttpRequest r) {
        if (!r.method().equals("GET")) {
            return "a WebSocket handshake must be a GET, not " + r.method();
        }
        if (!r.version().equals("HTTP/1.1")) {
            return "a WebSocket handshake needs HTTP/1.1, not " + r.version();
        }
        if (!isUpgrade(r)) {
            return "not a WebSocket handshake: no \"Upgrade: websocket\" header";
        }
        if (!r.headers().hasToken("Connection", "upgrade")) {
            return "a WebSocket handshake needs \"Connection: Upgrade\"";
        }
        if (r.isChunked() || r.contentLength().orElse(0L) > 0) {
            return "a WebSocket handshake has no body";
        }
        List<String> keys = r.headers().all("Sec-WebSocket-Key");
        if (keys.size() != 1 || !Handshake.validKey(keys.get(0).strip())) {
            return "Sec-WebSocket-Key must be one base64-encoded 16-byte value";
        }
        List<String> versions = r.headers().all("Sec-WebSocket-Version");
        if (versions.size() != 1 || !versions.get(0).strip().equals("13")) {
            return "426 unsupported Sec-WebSocket-Version " + versions + ": this server speaks 13";
        }
        return null;
    }

    private static String chooseSubprotocol(List<String> offered, List<String> supported) {
        for (String v : offered) {
            for (String p : v.split(",")) {
                if (supported.contains(p.strip())) {
                    return p.strip();
                }
            }
        }
        return null;
    }
}
