package io.gevent4j.web;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A raw-socket HTTP/1.1 client that sends the request target byte for byte (no client-side
 * normalisation of {@code ..} or escapes), for path-traversal tests; reads one response.
 */
final class RawHttp implements AutoCloseable {
    record Response(int status, Map<String, String> headers, byte[] body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final Socket socket;
    private final InputStream in;

    RawHttp(InetSocketAddress address, Duration timeout) throws IOException {
        socket = new Socket();
        socket.connect(address, (int) timeout.toMillis());
        socket.setSoTimeout((int) timeout.toMillis());
        in = new BufferedInputStream(socket.getInputStream());
    }

    /** Sends {@code method target} with the given extra header lines and reads the response. */
    Response exchange(String method, String target, String... headerLines) throws IOException {
        StringBuilder b = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: test\r\n");
        for (String h : headerLines) {
            b.append(h).append("\r\n");
        }
        b.append("\r\n");
        socket.getOutputStream().write(b.toString().getBytes(StandardCharsets.ISO_8859_1));
        String status = line();
        if (status == null) {
            throw new IOException("connection closed before a response");
        }
        int code = Integer.parseInt(status.substring(9, 12));
        Map<String, String> headers = new LinkedHashMap<>();
        for (String l; !(l = line()).isEmpty(); ) {
            int c = l.indexOf(':');
            headers.merge(l.substring(0, c).toLowerCase(Locale.ROOT), l.substring(c + 1).strip(), (x, y) -> x + ", " + y);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String cl = headers.get("content-length");
        if (!method.equals("HEAD") && code != 304 && code != 204 && cl != null) {
            body.write(in.readNBytes(Integer.parseInt(cl)));
        }
        return new Response(code, headers, body.toByteArray());
    }

    private String line() throws IOException {
        StringBuilder b = new StringBuilder();
        for (;;) {
            int c = in.read();
            if (c < 0) {
                return b.isEmpty() ? null : b.toString();
            }
            if (c == '\n') {
                int n = b.length();
                if (n > 0 && b.charAt(n - 1) == '\r') {
                    b.setLength(n - 1);
                }
                return b.toString();
            }
            b.append((char) c);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
