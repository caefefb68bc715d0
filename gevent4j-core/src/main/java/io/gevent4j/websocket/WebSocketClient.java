package io.gevent4j.websocket;

import io.gevent4j.Timeout;
import io.gevent4j.socket.TcpSocket;
import io.gevent4j.ssl.SslSocket;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * A WebSocket client on the library's sockets: connects to a {@code ws://} or {@code wss://}
 * URI, performs the opening handshake (RFC 6455 §4.1) and returns the open {@link WebSocket},
 * whose frames it masks. Host names are resolved by {@link io.gevent4j.dns.Dns}.
 *
 * <p>{@code wss://} runs over {@link SslSocket}: the server's certificate chain and host name
 * (or IP address) are verified, against the JDK's default trust store unless
 * {@link WebSocketOptions.Builder#sslContext} and {@link WebSocketOptions.Builder#sslParameters}
 * say otherwise. A refused certificate is an {@link javax.net.ssl.SSLHandshakeException} naming
 * the server and the JDK's reason.
 *
 * <p>Who may call it: any greenlet or thread; it parks the caller for the connect, the TLS
 * handshake and the WebSocket handshake, at most {@link WebSocketOptions#handshakeTimeout()} in all.
 *
 * {@snippet :
 * try (WebSocket ws = WebSocketClient.connect(URI.create("ws://127.0.0.1:8080/ws"))) {
 *     ws.sendText("hello");
 *     Optional<Message> reply = ws.receive();
 * }
 * }
 */
public final class WebSocketClient {
    private static final int MAX_HEAD = 16 * 1024;

    private WebSocketClient() {
    }

    /**
     * Connects with the default options.
     *
     * @param uri a {@code ws://} or {@code wss://host[:port]/path[?query]} URI
     * @return the open connection
     * @throws IOException if the connect fails, a {@link javax.net.ssl.SSLHandshakeException} if
     *     the TLS handshake fails (e.g. the server's certificate is refused), or a
     *     {@link WebSocketException} if the server's answer is not a valid handshake
     * @throws IllegalArgumentException if {@code uri} is not a {@code ws://} or {@code wss://} URI
     */
    public static WebSocket connect(URI uri) throws IOException {
        return connect(uri, WebSocketOptions.defaults(), Map.of());
    }

    /**
     * Connects with {@code options} and extra request headers (e.g. {@code Origin}, cookies).
     *
     * @param uri a {@code ws://} or {@code wss://host[:port]/path[?query]} URI
     * @param options limits, time-outs, compression, subprotocols offered, TLS context and parameters
     * @param headers extra request headers
     * @return the open connection
     * @throws IOException if the connect fails, a {@link javax.net.ssl.SSLHandshakeException} if
     *     the TLS handshake fails (e.g. the server's certificate or host name is refused), or a
     *     {@link WebSocketException} if the server's answer is not a valid handshake, or the
     *     handshake timed out
     * @throws IllegalArgumentException if {@code uri} is not a {@code ws://} or {@code wss://} URI,
     *     or a header is invalid
     */
    public static WebSocket connect(URI uri, WebSocketOptions options, Map<String, String> headers) throws IOException {
        Objects.requireNonNull(options, "options");
        String scheme = String.valueOf(uri.getScheme()).toLowerCase(Locale.ROOT);
        boolean tls = scheme.equals("wss");
        if (!(tls || scheme.equals("ws")) || uri.getHost() == null) {
            throw new IllegalArgumentException("not a ws://host/... or wss://host/... URI: " + uri);
        }
        // URI keeps an IPv6 literal's brackets; sockets and TLS want the bare address.
        String host = uri.getHost().startsWith("[") ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost();
        int port = uri.getPort() < 0 ? (tls ? 443 : 80) : uri.getPort();
        String path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        Timeout t = Timeout.start(options.handshakeTimeout());
        TcpSocket tcp = null;
        SslSocket s = null;
        try {
            tcp = TcpSocket.connect(host, port);
            if (tls) {
                SSLContext context = options.sslContext().orElse(null);
                if (context == null) {
                    try {
                        context = SSLContext.getDefault();
                    } catch (NoSuchAlgorithmException e) {
                        throw new IOException("no default TLS context for " + uri, e);
                    }
                }
                s = SslSocket.client(tcp, context, host,
                        options.sslParameters().orElseGet(context::getDefaultSSLParameters));
            }
            Link link = s != null ? Link.of(s) : Link.of(tcp);
            String key = Handshake.newKey();
            StringBuilder req = new StringBuilder()
                    .append("GET ").append(path).append(" HTTP/1.1\r\n")
                    .append("Host: ").append(host.contains(":") ? "[" + host + "]" : host)
                    .append(uri.getPort() < 0 ? "" : ":" + port).append("\r\n")
                    .append("Upgrade: websocket\r\nConnection: Upgrade\r\n")
                    .append("Sec-WebSocket-Key: ").append(key).append("\r\n")
                    .append("Sec-WebSocket-Version: 13\r\n");
            if (options.compression()) {
                req.append("Sec-WebSocket-Extensions: ").append(PerMessageDeflate.offer(options.noContextTakeover())).append("\r\n");
            }
            if (!options.subprotocols().isEmpty()) {
                req.append("Sec-WebSocket-Protocol: ").append(String.join(", ", options.subprotocols())).append("\r\n");
            }
            for (Map.Entry<String, String> h : headers.entrySet()) {
                if (!Handshake.isToken(h.getKey()) || h.getValue().indexOf('\r') >= 0 || h.getValue().indexOf('\n') >= 0) {
                    throw new IllegalArgumentException("invalid header: " + h.getKey());
                }
                req.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
            }
            link.write(ByteBuffer.wrap(req.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1)), 0, Link.NO_LIMIT);

            byte[] buf = new byte[4096];
            int len = 0;
            int end;
            while ((end = headEnd(buf, len)) < 0) {
                if (len == buf.length) {
                    if (len >= MAX_HEAD) {
                        throw new WebSocketException(1002, "handshake response head longer than " + MAX_HEAD + " bytes");
                    }
                    buf = java.util.Arrays.copyOf(buf, len * 2);
                }
                int n = link.read(ByteBuffer.wrap(buf, len, buf.length - len));
                if (n < 0) {
                    throw new WebSocketException(1006, "the server closed the connection during the handshake");
                }
                len += n;
            }
            String head = new String(buf, 0, end, StandardCharsets.ISO_8859_1);
            String[] lines = head.split("\r\n");
            String[] status = lines[0].split(" ", 3);
            if (status.length < 2 || !status[0].startsWith("HTTP/1.") || !status[1].equals("101")) {
                throw new WebSocketException(1002, "the server refused the WebSocket: " + lines[0]);
            }
            Map<String, List<String>> h = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int c = lines[i].indexOf(':');
                if (c <= 0) {
                    throw new WebSocketException(1002, "malformed header line in the handshake response: " + lines[i]);
                }
                h.computeIfAbsent(lines[i].substring(0, c).strip().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                        .add(lines[i].substring(c + 1).strip());
            }
            if (!Handshake.hasToken(h.getOrDefault("upgrade", List.of()), "websocket")) {
                throw new WebSocketException(1002, "handshake response without \"Upgrade: websocket\"");
            }
            if (!Handshake.hasToken(h.getOrDefault("connection", List.of()), "upgrade")) {
                throw new WebSocketException(1002, "handshake response without \"Connection: Upgrade\"");
            }
            if (!h.getOrDefault("sec-websocket-accept", List.of()).equals(List.of(Handshake.accept(key)))) {
                throw new WebSocketException(1002, "wrong Sec-WebSocket-Accept in the handshake response");
            }
            Optional<PerMessageDeflate> deflate = PerMessageDeflate.accepted(
                    h.getOrDefault("sec-websocket-extensions", List.of()), options.noContextTakeover());
            if (deflate.isPresent() && !options.compression()) {
                throw new WebSocketException(1002, "the server answered with permessage-deflate, which was not offered");
            }
            List<String> proto = h.getOrDefault("sec-websocket-protocol", List.of());
            if (proto.size() > 1 || (proto.size() == 1 && !options.subprotocols().contains(proto.get(0)))) {
                throw new WebSocketException(1002, "the server chose a subprotocol that was not offered: " + proto);
            }
            byte[] rest = java.util.Arrays.copyOfRange(buf, end + 4, len);
            WebSocket ws = new WebSocket(link, true, options, deflate.orElse(null),
                    proto.isEmpty() ? null : proto.get(0), rest);
            tcp = null;
            s = null;
            return ws;
        } catch (Timeout x) {
            if (x != t) {
                throw x;
            }
            throw new WebSocketException(1006, "connect and handshake not done within "
                    + options.handshakeTimeout().toMillis() + " ms: " + uri);
        } finally {
            t.cancel();
            if (s != null) {
                s.close();
            }
            if (tcp != null) {
                tcp.close();
            }
        }
    }

    /** The offset of the CRLFCRLF ending the head in {@code b[0, len)}, or -1. */
    private static int headEnd(byte[] b, int len) {
        for (int i = 0; i + 3 < len; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
