package io.gevent4j.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A raw-socket HTTP/1.1 client for tests: writes exact bytes, reads responses one by one. */
final class RawClient implements AutoCloseable {
    record Response(int status, Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null ? null : v.get(0);
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    final Socket socket;
    final InputStream in;

    RawClient(InetSocketAddress address, Duration timeout) throws IOException {
        socket = new Socket();
        socket.connect(address, (int) timeout.toMillis());
        socket.setSoTimeout((int) timeout.toMillis());
        in = new java.io.BufferedInputStream(socket.getInputStream());
    }

    RawClient send(String raw) throws IOException {
        socket.getOutputStream().write(raw.getBytes(StandardCharsets.ISO_8859_1));
        return this;
    }

    /** Reads one response; HEAD responses and 1xx have no body. Null at end of stream. */
    Response read(boolean head) throws IOException {
        String status = line();
        if (status == null) {
            return null;
        }
        if (!status.startsWith("HTTP/1.")) {
            throw new IOException("bad status line: " + status);
        }
        int code = Integer.parseInt(status.substring(9, 12));
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String l; !(l = line()).isEmpty(); ) {
            int c = l.indexOf(':');
            headers.computeIfAbsent(l.substring(0, c).toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(l.substring(c + 1).strip());
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        List<String> te = headers.get("transfer-encoding");
        List<String> cl = headers.get("content-length");
        if (head || code < 200 || code == 204 || code == 304) {
            // no body
        } else if (te != null) {
            for (;;) {
                String sizeLine = line();
                if (sizeLine == null) {
                    throw new java.io.EOFException("connection closed inside a chunked body");
                }
                int size = Integer.parseInt(sizeLine, 16);
                if (size == 0) {
                    while (!line().isEmpty()) {
                        // trailers
                    }
                    break;
                }
                body.write(in.readNBytes(size));
                line();
            }
        } else if (cl != null) {
            body.write(in.readNBytes(Integer.parseInt(cl.get(0))));
        } else {
            body.write(in.readAllBytes());
        }
        return new Response(code, headers, body.toByteArray());
    }

    Response read() throws IOException {
        return read(false);
    }

    /**
     * True if the server closed the connection (end of stream, or a reset); false if a byte came,
     * or if nothing came within the client's read time-out (the connection is still open).
     */
    boolean closedByServer() {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
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
