package io.gevent4j.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * One HTTP request as its handler sees it: method, target, path, query, headers, a streaming
 * body and the client's address.
 *
 * <p>Who may call it: the handler's greenlet, during {@link HttpHandler#handle}. Reading the
 * body parks the greenlet until bytes arrive, each read bounded by the server's body time-out
 * ({@link java.net.SocketTimeoutException}); the first read sends {@code 100 Continue} if the
 * client asked for it. Bytes the handler leaves unread are drained by the server (or the
 * connection is closed) so the next request parses correctly.
 *
 * {@snippet :
 * HttpHandler upload = (request, response) -> {
 *     long n = request.body().transferTo(OutputStream.nullOutputStream());
 *     response.send(200, request.path() + ": " + n + " bytes");
 * };
 * }
 */
public final class HttpRequest {
    private final RequestHead head;
    private final InputStream body;
    private final InetSocketAddress remote;
    private final InetSocketAddress local;
    private final boolean secure;
    private final javax.net.ssl.SSLSession session;
    private final int queryAt;
    private final int pathAt;

    HttpRequest(RequestHead head, InputStream body, InetSocketAddress remote, InetSocketAddress local,
            javax.net.ssl.SSLSession session) {
        this.head = head;
        this.session = session;
        this.body = body;
        this.remote = remote;
        this.local = local;
        this.secure = session != null;
        String t = head.target;
        int p = 0;
        if (t.charAt(0) != '/' && !t.equals("*")) { // absolute-form: the path starts after the authority
            int s = t.indexOf("://") + 3;
            p = t.length();
            for (int i = s; i < t.length(); i++) {
                char c = t.charAt(i);
                if (c == '/' || c == '?') {
                    p = i;
                    break;
                }
            }
        }
        this.pathAt = p;
        this.queryAt = t.indexOf('?', p);
    }

    /** The method token, e.g. {@code GET}. */
    public String method() {
        return head.method;
    }

    /** The request target exactly as sent (origin-form {@code /a?b}, absolute-form, or {@code *}). */
    public String target() {
        return head.target;
    }

    /** The path of the target, still percent-encoded ({@code /} for an absolute-form target without one). */
    public String path() {
        String t = head.target;
        String p = queryAt < 0 ? t.substring(pathAt) : t.substring(pathAt, queryAt);
        return p.isEmpty() ? "/" : p;
    }

    /** The query of the target without the {@code ?}, still percent-encoded. */
    public Optional<String> query() {
        return queryAt < 0 ? Optional.empty() : Optional.of(head.target.substring(queryAt + 1));
    }

    /**
     * The query's parameters, decoded ({@code application/x-www-form-urlencoded} rules, UTF-8),
     * in order; a name without {@code =} has the value "". Empty without a query.
     */
    public java.util.Map<String, java.util.List<String>> queryParameters() {
        java.util.Map<String, java.util.List<String>> out = new java.util.LinkedHashMap<>();
        query().ifPresent(q -> {
            for (String pair : q.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                out.computeIfAbsent(name, k -> new java.util.ArrayList<>(1)).add(value);
            }
        });
        return out;
    }

    /** The first value of query parameter {@code name}. */
    public Optional<String> queryParameter(String name) {
        java.util.List<String> v = queryParameters().get(name);
        return v == null ? Optional.empty() : Optional.of(v.get(0));
    }

    private static String decode(String s) {
        try {
            return java.net.URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            return s; // the parser already checked %XX; a stray '+' or the like is kept as sent
        }
    }

    /** {@code HTTP/1.0} or {@code HTTP/1.1}. */
    public String version() {
        return head.version();
    }

    /** The request's header fields, as received. */
    public HttpHeaders headers() {
        return head.headers;
    }

    /** The first value of header {@code name}. */
    public Optional<String> header(String name) {
        return head.headers.first(name);
    }

    /** The body as a stream (empty if the request has none). */
    public InputStream body() {
        return body;
    }

    /** Reads the whole body. */
    public byte[] bodyBytes() throws IOException {
        return body.readAllBytes();
    }

    /** Reads the whole body as UTF-8 text. */
    public String bodyString() throws IOException {
        return new String(body.readAllBytes(), StandardCharsets.UTF_8);
    }

    /** The declared body length, if the request has a Content-Length. */
    public Optional<Long> contentLength() {
        return head.contentLength < 0 ? Optional.empty() : Optional.of(head.contentLength);
    }

    /** Whether the body is sent with {@code Transfer-Encoding: chunked}. */
    public boolean isChunked() {
        return head.chunked;
    }

    /** The client's address. */
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    /** The server's address the request came in on. */
    public InetSocketAddress localAddress() {
        return local;
    }

    /** Whether the request came over TLS. */
    public boolean isSecure() {
        return secure;
    }

    /** The TLS session, if the request came over TLS. */
    public Optional<javax.net.ssl.SSLSession> sslSession() {
        return Optional.ofNullable(session);
    }

    boolean keepAlive() {
        return head.keepAlive;
    }

    RequestHead head() {
        return head;
    }

    @Override
    public String toString() {
        return head.method + " " + head.target + " " + head.version();
    }
}
