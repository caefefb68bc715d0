package io.gevent4j.http;

import io.gevent4j.GreenletExit;
import io.gevent4j.server.Connection;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Objects;

/**
 * One HTTP/1.1 connection: the request loop that runs in the connection's greenlet.
 *
 * <p>Implementation overview. Reads go through {@link HttpInput} (one buffer per connection;
 * pipelined requests already received are parsed from it without a system call); responses
 * are appended to {@link Output} and flushed only before the connection waits for input
 * ({@link #readSocket}), when the buffer is large, or at the end, so a batch of pipelined
 * requests gets one write. Time-outs: first byte (a new connection), idle (waiting for the
 * first byte of a later request), header (the whole head, one deadline: slowloris), body (each
 * read, and a minimum average rate over the whole body: {@link #readBody}), write (each flush);
 * all use the socket's per-call time-out, set before each call. While it waits for a request
 * the connection is marked idle ({@code Connection.markIdle}): at the server's connection cap
 * it may be closed then to admit another, and its response is flushed before that.
 * Graceful stop: {@code idle} is written before {@code serverStopping()} is read, and the stop
 * action reads {@code idle} after the server's flag is set (Dekker pair): an idle connection is
 * closed by the stop, a busy one finishes its request and then closes.
 */
final class Http1Connection {
    private static final System.Logger LOG = System.getLogger(HttpServer.class.getName());
    private static final System.Logger ACCESS = System.getLogger("io.gevent4j.http.access");
    private static final DateTimeFormatter CLF = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT);
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final long NONE = Long.MAX_VALUE;

    final Output out;
    boolean closeAfterResponse;
    private final HttpServer.Settings s;
    private final Connection conn;
    private final HttpInput in;
    private final RequestParser parser;
    private volatile boolean idle;
    private long readDeadline = NONE;
    private Duration perRead;
    private RequestHead current;
    private boolean continueSent;
    private boolean responseCommitted;
    /** Bytes received from the socket while reading the current request's body (minimum-rate check). */
    private long bodyBytesIn;
    /** Time spent waiting for the socket while reading the current request's body. */
    private long bodyWaitNanos;
    private final javax.net.ssl.SSLSession session;

    Http1Connection(HttpServer.Settings s, Connection conn) {
        this.s = s;
        this.conn = conn;
        this.parser = new RequestParser(s.maxRequestLine(), s.maxHeaderBytes(), s.maxHeaders());
        this.parser.requireHost = s.requireHost();
        this.in = new HttpInput(this::readSocket, 4096, s.maxRequestLine() + s.maxHeaderBytes() + 4096);
        this.out = new Output(conn, () -> {
            conn.timeout(s.writeTimeout());
            s.writes().increment();
        });
        this.session = conn.ssl().map(io.gevent4j.ssl.SslSocket::session).orElse(null);
    }

    static InputStream bodyOf(RequestHead h, HttpInput in, int maxTrailerBytes, long maxBodyBytes) {
        if (h.chunked) {
            return new ChunkedInput(in, maxTrailerBytes, maxBodyBytes);
        }
        if (h.contentLength > 0) {
            return new FixedLengthInput(in, h.contentLength);
        }
        return InputStream.nullInputStream();
    }

    private int readSocket(byte[] b, int off, int len) throws IOException {
        out.flush(); // about to wait for the client: send what it is owed first
        if (perRead != null) {
            return readBody(b, off, len);
        } else if (readDeadline != NONE) {
            long left = readDeadline - System.nanoTime();
            if (left <= 0) {
                throw new SocketTimeoutException("read timed out");
            }
            conn.timeout(Duration.ofNanos(left));
        } else {
            conn.noTimeout();
        }
        return conn.recvInto(ByteBuffer.wrap(b, off, len));
    }

    /**
     * A read of the request body: each read waits at most {@code bodyTimeout}, and the whole
     * body must arrive at {@code minBodyRate} on average after its grace period, counting only
     * the time spent waiting for the client (a handler that works between reads is not held
     * against it). A body that falls behind gets a {@link SocketTimeoutException} (408).
     */
    private int readBody(byte[] b, int off, int len) throws IOException {
        Duration t = perRead;
        long rate = s.minBodyRate();
        if (rate > 0) {
            long allowed = s.minBodyRateGrace().toNanos() + (long) (bodyBytesIn * 1e9 / rate) - bodyWaitNanos;
            if (allowed <= 0) {
                throw new SocketTimeoutException("request body slower than " + rate + " bytes/s");
            }
            if (allowed < t.toNanos()) {
                t = Duration.ofNanos(allowed);
            }
        }
        conn.timeout(t);
        long t0 = System.nanoTime();
        int n;
        try {
            n = conn.recvInto(ByteBuffer.wrap(b, off, len));
        } finally {
            bodyWaitNanos += System.nanoTime() - t0;
        }
        if (n > 0) {
            bodyBytesIn += n;
        }
        return n;
    }

    void serve() throws IOException {
        conn.onServerStop(this::closeIfIdle);
        boolean first = true;
        try {
            for (;;) {
                if (in.available() == 0) {
                    try {
                        out.flush(); // before the connection counts as idle: a stop or a shed may close it
                    } catch (IOException gone) {
                        return;
                    }
                    // maxIdleConnections (the JDK provider's): only keep-alive waits count, not a new
                    // connection's first
                    boolean counted = !first && s.maxIdleConnections() != Integer.MAX_VALUE;
                    if (counted && s.idle().incrementAndGet() > s.maxIdleConnections()) {
                        s.idle().decrementAndGet();
                        return; // too many idle connections: close this one instead of keeping it
                    }
                    idle = true;
                    if (conn.serverStopping()) {
                        if (counted) {
                            s.idle().decrementAndGet();
                        }
                        return;
                    }
                    perRead = null;
                    // A connection that has sent nothing yet gets the short first-byte time-out.
                    readDeadline = System.nanoTime() + (first ? s.firstByteTimeout() : s.idleTimeout()).toNanos();
                    in.resetIfEmpty();
                    boolean got;
                    try {
                        got = awaitRequestBytes(first);
                    } catch (SocketTimeoutException | SocketException e) {
                        return; // idle too long, shed at the cap, or closed by a graceful stop: quietly
                    } finally {
                        idle = false;
                        if (counted) {
                            s.idle().decrementAndGet();
                        }
                    }
                    if (!got || !conn.markBusy()) {
                        return;
                    }
                }
                first = false;
                perRead = null;
                readDeadline = System.nanoTime() + s.headerTimeout().toNanos();
                RequestHead h;
                try {
                    h = parser.parse(in);
                } catch (HttpError e) {
                    sendError(e.status, e.getMessage(), parser.isHead());
                    return;
                } catch (SocketTimeoutException e) {
                    sendError(408, "the request head did not arrive in time", parser.isHead());
                    return;
                } catch (EOFException e) {
                    return;
                }
                if (h == null || !exchange(h)) {
                    return;
                }
            }
        } finally {
            try {
                out.flush();
            } catch (IOException gone) {
                // the client left; nothing more to tell it
            }
        }
    }

    /**
     * How long a new connection may be silent before the server may shed it at the connection cap.
     * Not at once: clients connect, then send, and in a storm of connections at the cap, closing a
     * connection whose request is on its way would lose that request (measured: 40 of 300).
     */
    static final Duration SHED_NEW_AFTER = Duration.ofSeconds(1);

    /**
     * Waits for the first bytes of the next request (false: the client closed), marked idle so
     * that the server may close the connection at its cap to admit another: a keep-alive
     * connection at once, a new one once it has been silent for {@link #SHED_NEW_AFTER}.
     */
    private boolean awaitRequestBytes(boolean first) throws IOException {
        if (first) {
            long end = readDeadline;
            long grace = System.nanoTime() + SHED_NEW_AFTER.toNanos();
            if (grace - end < 0) {
                readDeadline = grace;
                try {
                    return in.fill();
                } catch (SocketTimeoutException stillSilent) {
                    readDeadline = end; // the socket stays usable after a time-out: wait on, sheddable
                }
            }
        }
        conn.markIdle(); // at the connection cap, the server may close it to admit another
        return in.fill();
    }

    private void closeIfIdle() {
        if (idle) {
            try {
                conn.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing an idle connection", e);
            }
        }
    }

    /** Serves one request; returns whether the connection can carry another. */
    private boolean exchange(RequestHead h) throws IOException {
        current = h;
        continueSent = false;
        responseCommitted = false;
        closeAfterResponse = false;
        readDeadline = NONE;
        perRead = s.bodyTimeout();
        bodyBytesIn = 0;
        bodyWaitNanos = 0;
        boolean head = h.method.equals("HEAD");
        if (h.contentLength > s.maxBodyBytes()) {
            sendError(413, "request body larger than " + s.maxBodyBytes() + " bytes", head);
            return false;
        }
        InputStream body = new RequestBody(bodyOf(h, in, s.maxHeaderBytes(), s.maxBodyBytes()), h.hasBody() && h.expectContinue);
        HttpRequest req = new HttpRequest(h, body, conn.remoteAddress(), conn.localAddress(), session);
        HttpResponse res = new HttpResponse(this, req);
        Throwable failure = null;
        try {
            s.handler().handle(req, res);
        } catch (GreenletExit e) {
            throw e;
        } catch (Exception | Error e) {
            failure = e; // an Error too (assertion, stack overflow, a stray Timeout): the client gets a 500
        }
        if (failure != null) {
            if (isDisconnect(failure)) {
                return false;
            }
            if (failure instanceof HttpError he) { // a malformed body, read by the handler
                if (!res.isCommitted()) {
                    sendError(he.status, he.getMessage(), head);
                }
                return false;
            }
            if (failure instanceof SocketTimeoutException) {
                if (!res.isCommitted()) {
                    sendError(408, "the request body did not arrive in time", head);
                }
                return false;
            }
            LOG.log(System.Logger.Level.WARNING, "handler failed on " + req + " from " + conn.remoteAddress(), failure);
            if (res.isCommitted()) {
                return false; // half a response is out: only closing tells the client
            }
            res = new HttpResponse(this, req);
            if (failure instanceof Error) {
                res.header("Connection", "close"); // the handler's state is suspect after an Error
            }
            res.send(500, "Internal Server Error\n");
        }
        boolean complete = res.finish();
        if (s.accessLog()) {
            accessLog(req, res);
        }
        if (!complete) {
            return false;
        }
        if (!drain(body, h)) {
            return false;
        }
        return !closeAfterResponse && h.keepAlive && !conn.serverStopping();
    }

    /** Reads what the handler left of the body, so the next request starts at the right byte. */
    private boolean drain(InputStream body, RequestHead h) throws IOException {
        if (!h.hasBody() || ((RequestBody) body).finished()) {
            return true;
        }
        if (h.expectContinue && !continueSent) {
            return false; // the client may not send the body at all: close instead of waiting
        }
        long budget = s.maxDrainBytes();
        byte[] skip = new byte[8192];
        InputStream raw = ((RequestBody) body).raw; // past the handler's close(), which closes only its view
        try {
            while (budget > 0) {
                int n = raw.read(skip, 0, (int) Math.min(skip.length, budget));
                if (n < 0) {
                    return true;
                }
                budget -= n;
            }
            return raw.read() < 0;
        } catch (HttpError | SocketTimeoutException | EOFException e) {
            return false;
        }
    }

    boolean keepAliveAfter(HttpRequest req) {
        RequestHead h = current;
        if (h == null || req == null || !h.keepAlive || conn.serverStopping()) {
            return false;
        }
        return !(h.hasBody() && h.expectContinue && !continueSent);
    }

    /** {@link HttpResponse#abort()}: drop the buffered output and close the socket. */
    void abort() throws IOException {
        out.discard();
        closeAfterResponse = true;
        conn.close();
    }

    void responseStarted(HttpResponse r) {
        responseCommitted = true;
    }

    /** A refusal with {@code Connection: close}; for a HEAD request, the head only (RFC 9110 §9.3.2). */
    private void sendError(int status, String message, boolean head) throws IOException {
        byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
        out.ascii("HTTP/1.1 ");
        out.decimal(status);
        out.ascii(" ");
        out.ascii(HttpResponse.reason(status));
        out.ascii("\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n");
        out.write(HttpDate.line());
        out.ascii("Content-Length: ");
        out.decimal(body.length);
        out.crlf();
        out.crlf();
        if (!head) {
            out.write(body);
        }
        if (s.accessLog()) {
            logLine("-", status, body.length);
        }
        try {
            out.flush();
        } catch (IOException gone) {
            // the client left before reading the error
        }
        // The connection closes next: StreamServer's lingering close half-closes it and drops
        // what the client still sends (an upload in flight after a 413), so that the refusal is
        // not destroyed by a reset before the client reads it.
    }

    private void accessLog(HttpRequest req, HttpResponse res) {
        logLine(req.method() + " " + req.target() + " " + req.version(), res.status(), res.bytesSent());
    }

    private void logLine(String requestLine, int status, long bytes) {
        if (ACCESS.isLoggable(System.Logger.Level.INFO)) {
            ACCESS.log(System.Logger.Level.INFO, conn.remoteAddress().getAddress().getHostAddress() + " - - ["
                    + CLF.format(ZonedDateTime.now()) + "] \"" + requestLine + "\" " + status + " "
                    + (bytes == 0 ? "-" : Long.toString(bytes)));
        }
    }

    static boolean isDisconnect(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketException || t instanceof EOFException
                    || t instanceof java.nio.channels.ClosedChannelException) {
                return true;
            }
            if (t instanceof IOException && !(t instanceof HttpError)) {
                String m = String.valueOf(t.getMessage());
                if (m.contains("Broken pipe") || m.contains("Connection reset")) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The body stream a handler reads: sends 100 Continue on the first read if the client waits
     * for it. It keeps {@code InputStream}'s contract over every framing: a zero-length read
     * returns 0 at once, end of body is -1 each time, and after {@link #close()} (idempotent;
     * the server still drains what is left, so keep-alive goes on) reads throw.
     */
    private final class RequestBody extends InputStream {
        private final InputStream raw;
        private boolean mustContinue;
        private boolean closed;

        RequestBody(InputStream raw, boolean mustContinue) {
            this.raw = raw;
            this.mustContinue = mustContinue;
        }

        private void beforeRead() throws IOException {
            if (closed) {
                throw new IOException("request body closed");
            }
            if (mustContinue) {
                mustContinue = false;
                if (responseCommitted) {
                    return; // a final response is out already (it said Connection: close)
                }
                continueSent = true;
                out.write(CONTINUE); // flushed by readSocket before it waits for the body
            }
        }

        @Override
        public int read() throws IOException {
            beforeRead();
            return raw.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            beforeRead();
            return raw.read(b, off, len);
        }

        @Override
        public int available() throws IOException {
            return closed ? 0 : raw.available();
        }

        @Override
        public void close() {
            closed = true;
        }

        boolean finished() {
            if (raw instanceof FixedLengthInput f) {
                return f.finished();
            }
            if (raw instanceof ChunkedInput c) {
                return c.finished();
            }
            return true;
        }
    }
}
