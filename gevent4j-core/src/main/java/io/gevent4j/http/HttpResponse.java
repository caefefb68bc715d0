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
 * by the server's write time-out.
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
    private final Http1Connection conn;
    private final HttpRequest request;
    private int status = 200;
    private final HttpHeaders headers = new HttpHeaders();
    private long contentLength = -1;
    private boolean lengthSetByHandler;
    private boolean committed;
    private boolean finished;
    private boolean chunked;
    private boolean noBody;
    private long bodyLeft; // fixed-length streaming: bytes still owed
    private long bytesSent;
    private BodyStream stream;

    HttpResponse(Http1Connection conn, HttpRequest request) {
        this.conn = conn;
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
        if (!noBody) {
            conn.out.writeThrough(body, 0, body.length);
            bytesSent += body.length;
        }
        bodyLeft = 0;
        finished = true;
        conn.out.flushIfLarge();
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
        conn.out.flush();
    }

    /**
     * Ends the connection now without completing this response: what is buffered and not yet
     * sent is dropped and the client sees the connection close (no status, or a cut body). For
     * a response that must not be finished, e.g. past a deadline; later writes fail.
     */
    public void abort() throws IOException {
        conn.abort();
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

    /** Writes the status line and headers into the connection's output buffer. */
    private void commit() {
        committed = true;
        Output out = conn.out;
        boolean head = request != null && request.method().equals("HEAD");
        noBody = head || isBodyless();
        boolean keepAlive = conn.keepAliveAfter(request) && !headers.hasToken("Connection", "close");
        out.ascii("HTTP/1.1 ");
        out.decimal(status);
        out.ascii(" ");
        out.ascii(reason(status));
        out.crlf();
        for (int i = 0; i < headers.size(); i++) {
            String n = headers.nameAt(i);
            if (n.equalsIgnoreCase("Connection") || n.equalsIgnoreCase("Transfer-Encoding")
                    || n.equalsIgnoreCase("Content-Length")) {
                continue; // framing belongs to the server
            }
            out.ascii(n);
            out.ascii(": ");
            out.latin1(headers.valueAt(i));
            out.crlf();
        }
        if (!headers.contains("Date")) { // a Date the handler set is kept, as pywsgi does
            out.write(HttpDate.line());
        }
        if (status == 204 || status < 200 || (status == 304 && !lengthSetByHandler)) {
            // no length at all (RFC 9110 §8.6); a 304's length, if any, is the one the handler declares
        } else if (contentLength >= 0) {
            out.ascii("Content-Length: ");
            out.decimal(contentLength);
            out.crlf();
            bodyLeft = noBody ? 0 : contentLength;
        } else if (!noBody) {
            if (request == null || request.version().equals("HTTP/1.1")) {
                out.ascii("Transfer-Encoding: chunked\r\n");
                chunked = true;
            } else {
                keepAlive = false; // HTTP/1.0 without a length: the body ends with the connection
            }
        }
        if (!keepAlive) {
            out.ascii("Connection: close\r\n");
            conn.closeAfterResponse = true;
        } else if (request != null && request.version().equals("HTTP/1.0")) {
            out.ascii("Connection: keep-alive\r\n");
        }
        out.crlf();
        conn.responseStarted(this);
    }

    /** Completes the response after the handler returned; false if the connection must close. */
    boolean finish() throws IOException {
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
        return bodyLeft == 0;
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
            if (len == 0 || noBody) {
                return;
            }
            Output out = conn.out;
            if (chunked) {
                out.ascii(Integer.toHexString(len));
                out.crlf();
                out.writeThrough(b, off, len);
                out.crlf();
            } else {
                if (contentLength >= 0 && len > bodyLeft) {
                    throw new IOException("body longer than the declared Content-Length " + contentLength);
                }
                out.writeThrough(b, off, len);
                if (contentLength >= 0) {
                    bodyLeft -= len;
                }
            }
            bytesSent += len;
            out.flushIfLarge();
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
            if (chunked) {
                conn.out.ascii("0\r\n\r\n");
            }
            finished = true;
        }
    }

    static String reason(int status) {
        return switch (status) {
            case 100 -> "Continue";
            case 200 -> "OK";
            case 201 -> "Created";
            case 202 -> "Accepted";
            case 204 -> "No Content";
            case 206 -> "Partial Content";
            case 301 -> "Moved Permanently";
            case 302 -> "Found";
            case 303 -> "See Other";
            case 304 -> "Not Modified";
            case 307 -> "Temporary Redirect";
            case 308 -> "Permanent Redirect";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 409 -> "Conflict";
            case 411 -> "Length Required";
            case 413 -> "Content Too Large";
            case 414 -> "URI Too Long";
            case 415 -> "Unsupported Media Type";
            case 417 -> "Expectation Failed";
            case 429 -> "Too Many Requests";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            case 505 -> "HTTP Version Not Supported";
            case 203 -> "Non-Authoritative Information";
            case 205 -> "Reset Content";
            case 300 -> "Multiple Choices";
            case 305 -> "Use Proxy";
            case 402 -> "Payment Required";
            case 406 -> "Not Acceptable";
            case 407 -> "Proxy Authentication Required";
            case 410 -> "Gone";
            case 412 -> "Precondition Failed";
            // RFC 9112 §4: the reason phrase may be empty ("HTTP/1.1 599 "), as the JDK's server sends it
            default -> "";
        };
    }

    @Override
    public String toString() {
        return "HttpResponse[" + status + (committed ? ", committed" : "") + "]";
    }

    String statusLine() {
        return status + " " + reason(status).toLowerCase(Locale.ROOT);
    }
}
