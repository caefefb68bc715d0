package io.gevent4j.http;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;

/**
 * The response to one request: a status, headers, and a body sent whole ({@link #send}) or
 * streamed ({@link #outputStream()}). Framing is automatic: a whole body gets a
 * {@code Content-Length}; a streamed one uses the length the handler set, else chunked
 * (HTTP/1.1) or end-of-connection (HTTP/1.0). HEAD, 1xx, 204 and 304 responses never carry a
 * body. {@code Connection} is added by the server, and {@code Date} unless the handler set one.
 *
 * <p>Who may call it: the handler's greenlet. Writes are buffered and coalesced with other
 * responses of the connection; they park the greenlet only when the buffer is flushed, bounded
 * by the server's write time-out. Reading the request body does not send them: a handler that
 * streams a reply while the client is still sending calls {@link #flush()}.
 *
 * {@snippet :
 * HttpHandler stream = (request, response) -> {
 *     response.header("Content-Type", "text/plain");
 *     try (OutputStream out = response.outputStream()) {
 *         for (int i = 0; i < 3; i++) {
 *             out.write(("line " + i + "\n").getBytes(StandardCharsets.UTF_8));
 *         }
 *     }
 * };
 * }
 */
public final class HttpResponse {
    private final ResponseSink sink;
    private final HttpRequest request;
    private int status = 200;
    private final HttpHeaders headers = new HttpHeaders();
    private long contentLength = -1;
    private boolean lengthSetByHandler;
    private boolean committed;
    private boolean finished;
    private BodyOutput body; // the framing, chosen at commit
    private long bytesSent;
    private BodyStream stream;

    HttpResponse(ResponseSink sink, HttpRequest request) {
        this.sink = sink;
        this.request = request;
    }

    /** Sets the status (default 200). */
    public HttpResponse status(int status) {
        if (status < 100 || status > 999) {
            throw new IllegalArgumentException("bad status: " + status);
        }
        if (status == 101) {
            throw new IllegalArgumentException("101 Switching Protocols is not supported");
        }
        checkNotCommitted();
        this.status = status;
        return this;
    }

    /** The status code set so far (200 unless changed). */
    public int status() {
        return status;
    }

    /** Sets header {@code name} (replacing earlier values). */
    public HttpResponse header(String name, String value) {
        checkNotCommitted();
        checkField(name, value);
        if (name.equalsIgnoreCase("Content-Length")) {
            return contentLength(Long.parseLong(value.strip()));
        }
        headers.set(name, value);
        return this;
    }

    /** Adds a value of header {@code name} (e.g. a second Set-Cookie). */
    public HttpResponse addHeader(String name, String value) {
        checkNotCommitted();
        checkField(name, value);
        headers.add(name, value);
        return this;
    }

    /** The response's header fields, to read or change until the head is sent. */
    public HttpHeaders headers() {
        return headers;
    }

    /** Declares the body length of a streamed response (sent as Content-Length; no chunking). */
    public HttpResponse contentLength(long length) {
        checkNotCommitted();
        if (length < 0) {
            throw new IllegalArgumentException("negative Content-Length: " + length);
        }
        this.contentLength = length;
        this.lengthSetByHandler = true;
        return this;
    }

    /** Whether the status line and headers have been written. */
    public boolean isCommitted() {
        return committed;
    }

    /** Sends {@code status} with {@code body} as UTF-8 text ({@code text/plain} unless a type was set). */
    public void send(int status, String body) throws IOException {
        status(status);
        send(body);
    }

    /** Sends {@code body} as UTF-8 text with the current status. */
    public void send(String body) throws IOException {
        if (!headers.contains("Content-Type")) {
            headers.set("Content-Type", "text/plain; charset=utf-8");
        }
        send(body.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends {@code status} with a binary body. */
    public void send(int status, byte[] body) throws IOException {
        status(status);
        send(body);
    }

    /** Sends {@code body} whole, with a Content-Length. */
    public void send(byte[] body) throws IOException {
        checkNotCommitted();
        contentLength = body.length;
        commit();
        this.body.write(body, 0, body.length);
        bytesSent += this.body.bytesOnWire(body.length);
        finished = true;
    }

    /**
     * Sends {@code count} bytes of {@code file} from {@code position} as body bytes, without
     * copying them through the heap on a plain connection (the kernel's {@code sendfile(2)});
     * over TLS they are copied. If nothing was sent yet and no length was declared, the region is
     * the whole body (its {@code Content-Length}) and the response ends; otherwise it continues
     * the body, in order with what {@link #outputStream()} writes (e.g. the parts of a
     * multi-range reply after {@link #contentLength}). A HEAD request does not read the file.
     * The file's position is not changed; fails if the file ends before {@code count} bytes.
     * Reading a file that is not in the page cache blocks the hub for that read.
     *
     * @param file an open file, readable
     * @param position where the region starts in the file
     * @param count the region's length in bytes
     * @throws IOException if the client is gone, the write times out, or the file is shorter
     */
    public void sendFile(java.nio.channels.FileChannel file, long position, long count) throws IOException {
        Objects.requireNonNull(file, "file");
        if (position < 0 || count < 0) {
            throw new IllegalArgumentException("negative position or count: " + position + ", " + count);
        }
        if (finished) {
            throw new IllegalStateException("the response was already sent");
        }
        boolean whole = false;
        if (!committed) {
            if (contentLength < 0) {
                contentLength = count;
                whole = true;
            }
            commit();
        }
        bytesSent += body.sendFile(file, position, count);
        if (whole) {
            finished = true;
        }
    }

    /**
     * The body as a stream. Closing it ends the response (the handler returning does too).
     * {@code flush()} pushes what was written to the client now.
     */
    public OutputStream outputStream() {
        if (stream == null) {
            if (finished) {
                throw new IllegalStateException("the response was already sent");
            }
            stream = new BodyStream();
        }
        return stream;
    }

    /** Sends the status and headers now (e.g. before a slow body). */
    public void flush() throws IOException {
        if (!committed) {
            commit();
        }
        sink.flush();
    }

    /**
     * Whether the client has closed its side of the connection (plain TCP: end of stream is
     * waiting to be read), for a long-lived stream (Server-Sent Events) to stop at once instead
     * of after a write fails. Does not block; bytes of a next request are kept. Under TLS, or
     * on another server, answers false: a write then fails instead.
     *
     * @return true if the client is known to have closed the connection
     */
    public boolean clientClosed() {
        return sink instanceof Http1Connection c && c.clientClosed();
    }

    /**
     * The connection after a {@link #switchProtocols()}: the socket, and the bytes the client
     * sent after the request head that the server had already read (the new protocol's first
     * bytes; often empty). The HTTP server no longer reads or writes the connection; it closes
     * it when the handler returns.
     *
     * @param connection the raw connection, now the handler's alone
     * @param buffered bytes already received after the request head, in order
     */
    public record Switched(io.gevent4j.server.Connection connection, byte[] buffered) {
    }

    /**
     * Answers {@code 101 Switching Protocols} with the headers set on this response (which must
     * include {@code Upgrade}; the server adds {@code Connection: Upgrade}), sends it now, and
     * hands the connection over: the handler then speaks the new protocol (e.g. WebSocket) on
     * it until it returns, and the connection is never used for HTTP again. The request's and
     * this response's header fields are released once the 101 is sent ({@link
     * HttpRequest#headers()} then throws {@code IllegalStateException}): read what the new protocol needs before.
     *
     * @return the connection and the bytes already read past the request head
     * @throws IllegalStateException if the response has started, no {@code Upgrade} header is
     *     set, the request has a body, or this server's connection cannot switch protocols
     * @throws IOException if the 101 response could not be sent
     */
    public Switched switchProtocols() throws IOException {
        checkNotCommitted();
        if (!headers.contains("Upgrade")) {
            throw new IllegalStateException("101 Switching Protocols needs an Upgrade header");
        }
        if (request != null && (request.isChunked() || request.contentLength().orElse(0L) > 0)) {
            throw new IllegalStateException("a request with a body cannot switch protocols");
        }
        if (!(sink instanceof Http1Connection c)) {
            throw new IllegalStateException("this connection cannot switch protocols");
        }
        committed = true;
        finished = true;
        status = 101;
        Switched sw = c.switchProtocols(headers);
        headers.release(); // sent; an upgraded connection may live for hours
        return sw;
    }

    /**
     * Ends the connection now without completing this response: what is buffered and not yet
     * sent is dropped and the client sees the connection close (no status, or a cut body). For
     * a response that must not be finished, e.g. past a deadline; later writes fail.
     */
    public void abort() throws IOException {
        sink.abort();
    }

    // ---------------------------------------------------------------- internals

    private void checkNotCommitted() {
        if (committed) {
            throw new IllegalStateException("the response has already started");
        }
    }

    private static void checkField(String name, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c > 255 || !RequestParser.isTchar((byte) c)) {
                throw new IllegalArgumentException("invalid header name: " + name);
            }
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0 || c > 255) {
                throw new IllegalArgumentException("invalid character in the value of header " + name);
            }
        }
    }

    boolean isBodyless() {
        return status < 200 || status == 204 || status == 304;
    }

    /** Chooses the framing, reports the head to the connection (which writes it) and opens the body. */
    private void commit() {
        committed = true;
        ResponseHead h = head();
        body = switch (h.framing()) {
            case NONE -> BodyOutput.discarding();
            case FIXED -> new FixedLengthOutput(sink, h.contentLength());
            case CHUNKED -> new ChunkedOutput(sink);
            case CLOSE_DELIMITED -> new CloseDelimitedOutput(sink);
        };
        sink.head(h);
    }

    /** The head as it stands: RFC 9110 §6.4.1 and §8.6 for which responses carry a body and a length. */
    private ResponseHead head() {
        boolean noBody = (request != null && request.method().equals("HEAD")) || isBodyless();
        if (status == 204 || status < 200 || (status == 304 && !lengthSetByHandler)) {
            // no length at all; a 304's length, if any, is the one the handler declares
            return new ResponseHead(status, headers, -1, ResponseHead.Framing.NONE);
        }
        if (contentLength >= 0) {
            return new ResponseHead(status, headers, contentLength,
                    noBody ? ResponseHead.Framing.NONE : ResponseHead.Framing.FIXED);
        }
        if (noBody) {
            return new ResponseHead(status, headers, -1, ResponseHead.Framing.NONE);
        }
        boolean http11 = request == null || request.version().equals("HTTP/1.1");
        return new ResponseHead(status, headers, -1,
                http11 ? ResponseHead.Framing.CHUNKED : ResponseHead.Framing.CLOSE_DELIMITED);
    }

    /** Completes the response after the handler returned and reports how its body ended. */
    void finish() throws IOException {
        if (!committed) {
            if (contentLength < 0) {
                contentLength = 0;
            }
            commit();
        }
        if (stream != null && !finished) {
            stream.close();
        }
        finished = true;
        sink.finished(body.complete());
    }

    long bytesSent() {
        return bytesSent;
    }

    private final class BodyStream extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (finished) {
                throw new IOException("response already finished");
            }
            if (!committed) {
                commit();
            }
            body.write(b, off, len);
            bytesSent += body.bytesOnWire(len);
        }

        @Override
        public void flush() throws IOException {
            HttpResponse.this.flush();
        }

        @Override
        public void close() throws IOException {
            if (finished) {
                return;
            }
            if (!committed) {
                if (contentLength < 0) {
                    contentLength = 0;
                }
                commit();
            }
            body.close();
            finished = true;
        }
    }

    @Override
    public String toString() {
        return "HttpResponse[" + status + (committed ? ", committed" : "") + "]";
    }

    String statusLine() {
        return status + " " + ResponseHead.reason(status).toLowerCase(Locale.ROOT);
    }
}
