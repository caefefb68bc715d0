package io.gevent4j.cli;

import io.gevent4j.socket.TcpSocket;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Reads HTTP/1.x responses one after another from one connection (pipelined responses may
 * arrive in one read: the bytes after a response stay for the next). Bodies are counted and
 * dropped: Content-Length, chunked, or up to the end of the stream. Used by one greenlet at a time.
 */
final class ResponseReader {
    /** The response is not HTTP/1.x as this reader understands it. */
    static final class MalformedResponse extends IOException {
        private static final long serialVersionUID = 1L;

        MalformedResponse(String message) {
            super(message);
        }
    }

    /** The connection ended before the first byte of a response (a reused connection the server closed). */
    static final class ClosedBeforeResponse extends EOFException {
        private static final long serialVersionUID = 1L;

        ClosedBeforeResponse() {
            super("connection closed before the response");
        }
    }

    /** One response: its status, body length, whether the connection stays open, bytes on the wire. */
    record Response(int status, long bodyLength, boolean keepAlive, long wireBytes) {}

    static final int MAX_HEAD = 64 * 1024;
    private TcpSocket socket;
    private ByteBuffer buf = ByteBuffer.allocate(16 * 1024).flip(); // read mode: position..limit unread
    private long wire;

    ResponseReader(TcpSocket socket) {
        this.socket = socket;
    }

    /** Reads from a new connection from now on, reusing the buffer (one reader per worker, not per connection). */
    ResponseReader use(TcpSocket newSocket) {
        this.socket = newSocket;
        buf.clear().flip();
        return this;
    }

    /** Reads the next response; {@code head}: the request was HEAD (no body). */
    Response read(boolean head) throws IOException {
        wire = 0;
        int end = findHeadEnd(0);
        int scanned = 0;
        while (end < 0) {
            scanned = Math.max(0, buf.remaining() - 3);
            if (!fill(true)) {
                if (wire == 0 && buf.remaining() == 0) {
                    throw new ClosedBeforeResponse();
                }
                throw new EOFException("connection closed in the response head");
            }
            end = findHeadEnd(scanned);
        }
        // Parsed on the bytes: no String per response (this runs once per request of a benchmark).
        byte[] a = buf.array();
        int start = buf.position();
        buf.position(end + 4);
        int lineEnd = indexOfCrlf(a, start, end);
        if (lineEnd - start < 12 || !startsWith(a, start, STATUS_PREFIX) || a[start + 8] != ' ') {
            throw new MalformedResponse("bad status line: '" + text(a, start, lineEnd) + "'");
        }
        boolean http11 = a[start + 7] == '1';
        int code = 0;
        for (int i = start + 9; i < start + 12; i++) {
            if (a[i] < '0' || a[i] > '9') {
                throw new MalformedResponse("bad status code: '" + text(a, start, lineEnd) + "'");
            }
            code = code * 10 + (a[i] - '0');
        }
        long contentLength = -1;
        boolean chunked = false;
        boolean close = false;
        boolean keepAliveToken = false;
        int p = lineEnd + 2;
        while (p < end) {
            int e = indexOfCrlf(a, p, end);
            int colon = p;
            while (colon < e && a[colon] != ':') {
                colon++;
            }
            if (colon == e || colon == p) {
                throw new MalformedResponse("bad header line: '" + text(a, p, e) + "'");
            }
            int v = colon + 1;
            while (v < e && (a[v] == ' ' || a[v] == '\t')) {
                v++;
            }
            int ve = e;
            while (ve > v && (a[ve - 1] == ' ' || a[ve - 1] == '\t')) {
                ve--;
            }
            if (nameIs(a, p, colon, CONTENT_LENGTH)) {
                if (v == ve || ve - v > 18) {
                    throw new MalformedResponse("bad Content-Length: '" + text(a, v, ve) + "'");
                }
                contentLength = 0;
                for (int i = v; i < ve; i++) {
                    if (a[i] < '0' || a[i] > '9') {
                        throw new MalformedResponse("bad Content-Length: '" + text(a, v, ve) + "'");
                    }
                    contentLength = contentLength * 10 + (a[i] - '0');
                }
            } else if (nameIs(a, p, colon, TRANSFER_ENCODING)) {
                chunked = text(a, v, ve).toLowerCase(Locale.ROOT).endsWith("chunked");
            } else if (nameIs(a, p, colon, CONNECTION)) {
                String value = text(a, v, ve).toLowerCase(Locale.ROOT);
                close |= value.contains("close");
                keepAliveToken |= value.contains("keep-alive");
            }
            p = e + 2;
        }
        boolean keepAlive = http11 ? !close : keepAliveToken && !close;
        long body;
        if (head || code / 100 == 1 || code == 204 || code == 304) {
            body = 0;
        } else if (chunked) {
            body = readChunked();
        } else if (contentLength >= 0) {
            skip(contentLength);
            body = contentLength;
        } else {
            body = skipToEnd();
            keepAlive = false;
        }
        return new Response(code, body, keepAlive, wire);
    }

    private long readChunked() throws IOException {
        long total = 0;
        while (true) {
            String line = readLine();
            int semi = line.indexOf(';');
            String hex = (semi < 0 ? line : line.substring(0, semi)).trim();
            long size;
            try {
                size = Long.parseLong(hex, 16);
            } catch (NumberFormatException e) {
                throw new MalformedResponse("bad chunk size: '" + abbreviate(line) + "'");
            }
            if (size < 0) {
                throw new MalformedResponse("bad chunk size: '" + abbreviate(line) + "'");
            }
            if (size == 0) {
                while (!readLine().isEmpty()) {
                    // trailer field, ignored
                }
                return total;
            }
            skip(size);
            total += size;
            if (!readLine().isEmpty()) {
                throw new MalformedResponse("chunk longer than its size");
            }
        }
    }

    private String readLine() throws IOException {
        while (true) {
            byte[] a = buf.array();
            for (int i = buf.position(); i + 1 < buf.limit(); i++) {
                if (a[i] == '\r' && a[i + 1] == '\n') {
                    String s = new String(a, buf.position(), i - buf.position(), StandardCharsets.ISO_8859_1);
                    buf.position(i + 2);
                    return s;
                }
            }
            if (buf.remaining() >= MAX_HEAD) {
                throw new MalformedResponse("line longer than " + MAX_HEAD + " bytes");
            }
            if (!fill(true)) {
                throw new EOFException("connection closed in a chunked body");
            }
        }
    }

    private void skip(long n) throws IOException {
        while (n > 0) {
            if (!buf.hasRemaining() && !fill(false)) {
                throw new EOFException("connection closed with " + n + " bytes of the body missing");
            }
            int k = (int) Math.min(n, buf.remaining());
            buf.position(buf.position() + k);
            n -= k;
        }
    }

    private long skipToEnd() throws IOException {
        long n = buf.remaining();
        buf.position(buf.limit());
        while (fill(false)) {
            n += buf.remaining();
            buf.position(buf.limit());
        }
        return n;
    }

    /** Reads more bytes; {@code keep}: keep the unread ones (else they were consumed). False at end of stream. */
    private boolean fill(boolean keep) throws IOException {
        if (!keep) {
            buf.clear();
        } else {
            buf.compact();
            if (!buf.hasRemaining()) {
                if (buf.capacity() >= MAX_HEAD) {
                    throw new MalformedResponse("response head longer than " + MAX_HEAD + " bytes");
                }
                ByteBuffer bigger = ByteBuffer.allocate(buf.capacity() * 2);
                buf.flip();
                bigger.put(buf);
                buf = bigger;
            }
        }
        int n = socket.recvInto(buf);
        buf.flip();
        if (n < 0) {
            return false;
        }
        wire += n;
        return true;
    }

    private int findHeadEnd(int from) {
        byte[] a = buf.array();
        for (int i = buf.position() + from; i + 3 < buf.limit(); i++) {
            if (a[i] == '\r' && a[i + 1] == '\n' && a[i + 2] == '\r' && a[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /**
     * After a response that ended the connection (its server closes): waits until the server has
     * closed, discarding anything after the response. A server that does not close within the
     * socket's time-out, or resets, ends the wait too: the response was complete either way.
     */
    void awaitClose() {
        try {
            buf.position(buf.limit());
            while (fill(false)) {
                buf.position(buf.limit());
            }
        } catch (IOException e) {
            // time-out or reset after a complete response: nothing was lost
        }
    }

    /** Whether bytes of a later response are already buffered. */
    boolean hasBuffered() {
        return buf.hasRemaining();
    }

    private static final byte[] STATUS_PREFIX = "HTTP/1.".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTENT_LENGTH = "content-length".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRANSFER_ENCODING = "transfer-encoding".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONNECTION = "connection".getBytes(StandardCharsets.US_ASCII);

    /** The index of the next CRLF in {@code a[from, end)}, or {@code end}. */
    private static int indexOfCrlf(byte[] a, int from, int end) {
        for (int i = from; i + 1 < end; i++) {
            if (a[i] == '\r' && a[i + 1] == '\n') {
                return i;
            }
        }
        return end;
    }

    private static boolean startsWith(byte[] a, int from, byte[] prefix) {
        for (int i = 0; i < prefix.length; i++) {
            if (a[from + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code a[from, to)} is {@code lowerName}, ignoring ASCII case (header names are tokens). */
    private static boolean nameIs(byte[] a, int from, int to, byte[] lowerName) {
        if (to - from != lowerName.length) {
            return false;
        }
        for (int i = 0; i < lowerName.length; i++) {
            if ((a[from + i] | 0x20) != lowerName[i]) {
                return false;
            }
        }
        return true;
    }

    private static String text(byte[] a, int from, int to) {
        return abbreviate(new String(a, from, Math.max(0, to - from), StandardCharsets.ISO_8859_1));
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 60) + "...";
    }
}
