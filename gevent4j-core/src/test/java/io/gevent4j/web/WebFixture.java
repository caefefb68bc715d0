package io.gevent4j.web;

import static io.gevent4j.testkit.Delays.LONG;
import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Hub;
import io.gevent4j.http.HttpHandler;
import io.gevent4j.http.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A test's hub with one HTTP server on 127.0.0.1:0, and a raw client that sends exactly the
 * bytes given (with {@code Connection: close}) and parses the whole answer: status, headers
 * (lower-cased names), body (Content-Length, chunked, or up to the close).
 */
final class WebFixture implements AutoCloseable {
    record Response(int status, Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null ? null : v.get(0);
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    final Hub hub;
    final HttpServer server;

    WebFixture(String name, HttpHandler handler) throws IOException {
        this(name, HttpServer.builder(handler));
    }

    WebFixture(String name, HttpServer.Builder builder) throws IOException {
        hub = Hub.start(name);
        server = builder.hub(hub).listen("127.0.0.1:0").build().start();
    }

    /** Sends {@code method target} with {@code headers} (CRLF-separated lines) and {@code body}. */
    Response send(String method, String target, String headers, byte[] body) throws IOException {
        String head = method + " " + target + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n" + headers
                + (body.length > 0 ? "Content-Length: " + body.length + "\r\n" : "") + "\r\n";
        return exchange(server.address(), concat(head.getBytes(StandardCharsets.ISO_8859_1), body));
    }

    Response send(String method, String target, String headers, String body) throws IOException {
        return send(method, target, headers, body.getBytes(StandardCharsets.UTF_8));
    }

    Response get(String target) throws IOException {
        return send("GET", target, "", new byte[0]);
    }

    /** Sends {@code request} as is and returns everything the server sent until it closed. */
    String raw(String request) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(server.address(), (int) LONG.toMillis());
            s.setSoTimeout((int) LONG.toMillis());
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** {@link #raw} parsed as one response. */
    Response raw2(String request) throws IOException {
        return parse(raw(request).getBytes(StandardCharsets.ISO_8859_1));
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static Response exchange(InetSocketAddress address, byte[] request) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(address, (int) LONG.toMillis());
            s.setSoTimeout((int) LONG.toMillis());
            s.getOutputStream().write(request);
            s.getOutputStream().flush();
            return parse(s.getInputStream().readAllBytes());
        }
    }

    static Response parse(byte[] raw) {
        String all = new String(raw, StandardCharsets.ISO_8859_1);
        int headEnd = all.indexOf("\r\n\r\n");
        assertThat(headEnd).as("a complete response head in: %s", all).isPositive();
        String[] lines = all.substring(0, headEnd).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int c = lines[i].indexOf(':');
            headers.computeIfAbsent(lines[i].substring(0, c).toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(lines[i].substring(c + 1).strip());
        }
        byte[] rest = java.util.Arrays.copyOfRange(raw, headEnd + 4, raw.length);
        List<String> te = headers.get("transfer-encoding");
        if (te != null && te.get(0).equalsIgnoreCase("chunked")) {
            rest = dechunk(rest);
        }
        return new Response(status, headers, rest);
    }

    private static byte[] dechunk(byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (true) {
            int eol = indexOf(b, i);
            int size = Integer.parseInt(new String(b, i, eol - i, StandardCharsets.ISO_8859_1).strip(), 16);
            i = eol + 2;
            if (size == 0) {
                return out.toByteArray();
            }
            out.write(b, i, size);
            i += size + 2;
        }
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i + 1 < b.length; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n') {
                return i;
            }
        }
        throw new AssertionError("no CRLF after offset " + from);
    }

    /** An input stream that hands out at most {@code step} bytes per read (TCP splitting). */
    static InputStream trickle(byte[] data, int step) {
        return new InputStream() {
            int pos;

            @Override
            public int read() {
                return pos < data.length ? data[pos++] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (pos >= data.length) {
                    return -1;
                }
                int n = Math.min(Math.min(len, step), data.length - pos);
                System.arraycopy(data, pos, b, off, n);
                pos += n;
                return n;
            }
        };
    }

    @Override
    public void close() {
        server.stop(Duration.ZERO);
        assertThat(hub.close(LONG)).isTrue();
    }
}
