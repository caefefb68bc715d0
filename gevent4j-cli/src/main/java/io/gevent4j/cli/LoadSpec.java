package io.gevent4j.cli;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * What the load generator does: the target, the request, and how much load.
 *
 * @param host          host to connect to
 * @param port          port to connect to
 * @param path          request target (path and query)
 * @param method        request method
 * @param headers       extra request header lines ({@code Name: value})
 * @param body          request body (empty: none)
 * @param http11        HTTP/1.1 (else HTTP/1.0)
 * @param keepAlive     reuse connections
 * @param pipeline      requests sent back to back on a connection before reading the replies
 * @param requests      number of requests, or empty with {@code duration}
 * @param duration      how long to send requests, or empty with {@code requests}
 * @param concurrency   number of connections (one greenlet each)
 * @param timeout       per-request socket time-out
 * @param timeLimit     hard stop for the whole run: requests in flight then are "unfinished"
 * @param hubs          hubs (loop threads) the greenlets are spread over
 */
record LoadSpec(String host, int port, String path, String method, List<String> headers, byte[] body,
                boolean http11, boolean keepAlive, int pipeline, Optional<Long> requests,
                Optional<Duration> duration, int concurrency, Duration timeout, Optional<Duration> timeLimit,
                int hubs) {

    LoadSpec {
        Objects.requireNonNull(host, "host");
        headers = List.copyOf(headers);
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1: " + concurrency);
        }
        if (pipeline < 1) {
            throw new IllegalArgumentException("pipeline must be at least 1: " + pipeline);
        }
        if (pipeline > 1 && !keepAlive) {
            throw new IllegalArgumentException("pipelining needs keep-alive (-k)");
        }
        if (requests.isPresent() == duration.isPresent()) {
            throw new IllegalArgumentException("give either a number of requests or a duration");
        }
        if (requests.isPresent() && requests.get() < 1) {
            throw new IllegalArgumentException("requests must be at least 1: " + requests.get());
        }
        if (hubs < 1) {
            throw new IllegalArgumentException("hubs must be at least 1: " + hubs);
        }
        for (String h : headers) {
            if (h.indexOf(':') <= 0 || h.indexOf('\r') >= 0 || h.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("a header must be 'Name: value' on one line: '" + h + "'");
            }
        }
    }

    /** A GET of {@code url} with new connections, {@code requests} requests over {@code concurrency} connections. */
    static LoadSpec get(String url, long requests, int concurrency) {
        URI u = parseUrl(url);
        return new LoadSpec(u.getHost(), port(u), target(u), "GET", List.of(), new byte[0], false, false, 1,
                Optional.of(requests), Optional.empty(), concurrency, Duration.ofSeconds(30), Optional.empty(), 1);
    }

    LoadSpec withTimeLimit(Duration limit) {
        return new LoadSpec(host, port, path, method, headers, body, http11, keepAlive, pipeline, requests, duration,
                concurrency, timeout, Optional.of(limit), hubs);
    }

    /** The same load for {@code d} instead of a number of requests (the warm-up before a run). */
    LoadSpec forDuration(Duration d) {
        return new LoadSpec(host, port, path, method, headers, body, http11, keepAlive, pipeline, Optional.empty(),
                Optional.of(d), concurrency, timeout, Optional.empty(), hubs);
    }

    /** Parses an {@code http://host[:port][/path]} URL; anything else is an IllegalArgumentException. */
    static URI parseUrl(String url) {
        URI u;
        try {
            u = new URI(url);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + url + " (" + e.getReason() + ")");
        }
        if (u.getScheme() == null || !u.getScheme().toLowerCase(Locale.ROOT).equals("http")) {
            throw new IllegalArgumentException("only http:// URLs are supported: " + url);
        }
        if (u.getHost() == null) {
            throw new IllegalArgumentException("the URL has no host: " + url);
        }
        return u;
    }

    static int port(URI u) {
        return u.getPort() == -1 ? 80 : u.getPort();
    }

    static String target(URI u) {
        String p = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
        return u.getRawQuery() == null ? p : p + "?" + u.getRawQuery();
    }

    boolean isHead() {
        return method.equals("HEAD");
    }

    /** The bytes of one request. */
    byte[] encodeRequest() {
        StringBuilder sb = new StringBuilder(128);
        sb.append(method).append(' ').append(path).append(http11 ? " HTTP/1.1\r\n" : " HTTP/1.0\r\n");
        boolean hostGiven = false;
        boolean userAgentGiven = false;
        for (String h : headers) {
            String name = h.substring(0, h.indexOf(':')).trim().toLowerCase(Locale.ROOT);
            hostGiven |= name.equals("host");
            userAgentGiven |= name.equals("user-agent");
        }
        if (!hostGiven) {
            boolean v6 = host.indexOf(':') >= 0 && !host.startsWith("[");
            String h = v6 ? "[" + host + "]" : host;
            sb.append("Host: ").append(h).append(port == 80 ? "" : ":" + port).append("\r\n");
        }
        if (!userAgentGiven) {
            sb.append("User-Agent: gevent4j-bench\r\n");
        }
        sb.append("Accept: */*\r\n");
        if (keepAlive && !http11) {
            sb.append("Connection: keep-alive\r\n");
        } else if (!keepAlive && http11) {
            sb.append("Connection: close\r\n");
        }
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        if (body.length > 0) {
            sb.append("Content-Length: ").append(body.length).append("\r\n");
        }
        sb.append("\r\n");
        byte[] head = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[head.length + body.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }
}
