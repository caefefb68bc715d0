package io.gevent4j.http;

import io.gevent4j.GreenletExit;
import io.gevent4j.server.Connection;
import io.gevent4j.internal.Strand;
import io.gevent4j.internal.io.Readiness;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One HTTP/1.1 connection: the request loop that runs in the connection's greenlet, and the
 * head of a one-way pipeline: wire ({@link Wire}) &rarr; input ({@link HttpInput}) &rarr;
 * parser ({@link RequestParser}) &rarr; body ({@link RequestBody} over {@link FixedLengthInput}
 * or {@link ChunkedInput}) &rarr; handler &rarr; {@link HttpResponse} &rarr; this connection as
 * its {@link ResponseSink} &rarr; framing ({@link BodyOutput}) &rarr; {@link Output} &rarr; wire.
 * The response never touches the connection's state: it reports its head and how its body
 * ended, and {@link #persists} decides from those whether another request follows.
 *
 * <p>Output. Responses are appended to {@link Output} and flushed before the connection waits
 * for the client (for a head, or to drain a body: {@link ConnectionSource}), when the buffer is
 * large, or at the end, so a batch of pipelined requests gets one write. While the handler reads
 * the body no read flushes: what the client may be waiting for is sent by explicit steps at
 * the connection/handler boundary, earlier pipelined responses before a handler whose
 * body has not all arrived runs ({@link #exchange}), a {@code 100 Continue} before the handler's
 * first read ({@link #beforeBody}); the handler flushes its own response when it wants.
 *
 * <p>Deadlines. Each phase has one, computed by the connection and passed into each read and
 * write of the {@link Wire}: first byte (a new connection), idle (waiting for the first byte of
 * a later request), header (the whole head, one deadline: slowloris), body (each read, and a
 * minimum average rate over the whole body: {@link ConnectionSource}), write (each write).
 *
 * <p>While it waits for a request the connection is marked idle ({@code Connection.markIdle}):
 * at the server's connection cap it may be closed then to admit another, and its response is
 * flushed before that. Graceful stop: {@code idle} is written before {@code serverStopping()} is read, and the
 * stop action reads {@code idle} after the server's flag is set (Dekker pair): an idle
 * connection is closed by the stop, a busy one finishes its request and then closes.
 */
final class Http1Connection implements ResponseSink {
    private static final System.Logger LOG = System.getLogger(HttpServer.class.getName());
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final HttpServer.Settings s;
    private final Connection conn;
    private final HttpInput in;
    private final Output out;
    private final RequestParser parser;
    private final javax.net.ssl.SSLSession session;
    private volatile boolean idle;
    private final ConnectionSource source;
    private final Wire wire;

    // The current exchange: the request, and the facts its response reported.
    private RequestHead current;
    private boolean continueSent;
    private boolean responseCommitted;
    private boolean closeRequested;
    private ResponseHead.Framing framing;
    private boolean keepAliveAnnounced;
    private boolean responseComplete;
    private boolean aborted;
    /** The handler took the connection with a 101 (HttpResponse.switchProtocols): no more HTTP on it. */
    private boolean switched;

    Http1Connection(HttpServer.Settings s, Connection conn) {
        this.s = s;
        this.conn = conn;
        this.wire = new Wire(conn, s.writes(), s.bytesRead(), s.bytesWritten());
        this.parser = new RequestParser(s.maxRequestLine(), s.maxHeaderBytes(), s.maxHeaders());
        this.parser.requireHost = s.requireHost();
        this.out = new Output(wire, () -> Wire.after(s.writeTimeout()));
        this.source = new ConnectionSource(s, wire, out);
        this.in = new HttpInput(source, 4096, s.maxRequestLine() + s.maxHeaderBytes() + 4096);
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
                    // A connection that has sent nothing yet gets the short first-byte time-out.
                    source.head(Wire.after(first ? s.firstByteTimeout() : s.idleTimeout()));
                    goIdle();
                    boolean got;
                    try {
                        got = awaitRequestBytes(first);
                    } catch (SocketTimeoutException | SocketException | ClosedChannelException e) {
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
                source.head(Wire.after(s.headerTimeout()));
                current = null;
                RequestHead h;
                try {
                    h = parser.parse(in);
                } catch (HttpError e) {
                    refuse(e.status, e.getMessage(), parser.isHead());
                    return;
                } catch (SocketTimeoutException e) {
                    refuse(408, "the request head did not arrive in time", parser.isHead());
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
        long end = source.headDeadline();
        if (first) {
            long grace = Wire.after(SHED_NEW_AFTER);
            if (grace - end < 0) {
                try {
                    return awaitBytes(grace);
                } catch (SocketTimeoutException stillSilent) {
                    // the socket stays usable after a time-out: wait on, sheddable
                }
            }
        }
        conn.markIdle(); // at the connection cap, the server may close it to admit another
        return awaitBytes(end);
    }

    /**
     * Drops what an idle connection need not hold (issue #18): the request just served, and the
     * read and write buffers once everything is sent and nothing is buffered ({@link Buffers}:
     * the next request takes them again).
     */
    private void goIdle() {
        current = null;
        parser.clear();
        out.release();
        in.release();
    }

    /**
     * Waits until bytes arrive before {@code deadline} (false: the client closed). A plain
     * connection waits for readiness with no buffer and a shallow stack (the parked frames are
     * this connection's loop and the readiness wait, not the read path), then reads what came; a
     * TLS one reads through its engine, which buffers the records it has already received.
     */
    private boolean awaitBytes(long deadline) throws IOException {
        if (conn.isSecure()) {
            source.head(deadline);
            return in.fill();
        }
        for (;;) {
            long wait = Strand.NO_DEADLINE;
            if (deadline != Wire.NONE) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new SocketTimeoutException("idle connection timed out");
                }
                wait = Strand.current().deadlineAfter(left);
            }
            if (!Readiness.waitReadable(conn.tcp().channel(), wait)) { // the engine's wait itself: two frames fewer than Io.waitRead
                throw new SocketTimeoutException("idle connection timed out");
            }
            source.afterReadiness();
            if (!in.fill()) {
                return false;
            }
            if (in.available() > 0) {
                return true;
            }
        }
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
        closeRequested = false;
        framing = null;
        keepAliveAnnounced = false;
        responseComplete = false;
        aborted = false;
        source.body();
        boolean head = h.method.equals("HEAD");
        if (h.contentLength > s.maxBodyBytes()) {
            refuse(413, "request body larger than " + s.maxBodyBytes() + " bytes", head);
            return false;
        }
        if (h.hasBody() && (h.chunked || in.available() < h.contentLength)) {
            // The handler may wait for the body, and a pipelining client may wait for the
            // responses to its earlier requests first: they go now, not held behind the handler.
            // (A body already here keeps them in the buffer, coalesced with later ones.)
            try {
                out.flush();
            } catch (IOException gone) {
                return false;
            }
        }
        RequestBody body = new RequestBody(bodyOf(h, in, s.maxHeaderBytes(), s.maxBodyBytes()),
                h.hasBody() && h.expectContinue ? this::beforeBody : null);
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
        if (switched) { // the connection spoke another protocol: it is never reused for HTTP
            if (failure != null && !isDisconnect(failure)) {
                LOG.log(System.Logger.Level.WARNING, "handler failed after 101 on " + req, failure);
            }
            return false;
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
        res.finish();
        if (s.accessLog()) {
            AccessLog.exchange(conn.remoteAddress(), req, res);
        }
        return persists(true, responseComplete && drain(body, h));
    }

    /**
     * Whether this connection carries another request after the current response: the one
     * place it is decided, from the request, the facts its response reported (it asked to close,
     * its framing, whether its body was complete, an abort) and how the request body ended.
     * Asked when the head is written ({@code ended} false: the head announces the answer) and
     * once more after the exchange, when it can only turn to no.
     */
    private boolean persists(boolean ended, boolean requestBodyEnded) {
        if (ended) {
            return keepAliveAnnounced && !aborted && requestBodyEnded && !conn.serverStopping();
        }
        RequestHead h = current;
        return h != null && h.keepAlive && !conn.serverStopping()
                && !(h.hasBody() && h.expectContinue && !continueSent) // the client may never send the body
                && !closeRequested
                && framing != ResponseHead.Framing.CLOSE_DELIMITED; // its end is the connection's
    }

    /** Reads what the handler left of the body, so the next request starts at the right byte. */
    private boolean drain(RequestBody body, RequestHead h) throws IOException {
        if (!h.hasBody() || body.finished()) {
            return true;
        }
        if (h.expectContinue && !continueSent) {
            return false; // the client may not send the body at all: close instead of waiting
        }
        source.drain();
        long budget = s.maxDrainBytes();
        byte[] skip = new byte[8192];
        InputStream raw = body.raw; // past the handler's close(), which closes only its view
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

    /**
     * The step between a handler and a client that sent {@code Expect: 100-continue}, run before
     * the handler's first read of the body: the client waits for a word before it sends the
     * body, {@code 100 Continue}, or the final response if the handler has already begun one
     * (that one said {@code Connection: close}); either is sent now.
     */
    private void beforeBody() throws IOException {
        if (!responseCommitted) {
            continueSent = true;
            out.write(CONTINUE);
        }
        out.flush();
    }

    /**
     * Writes {@code 101 Switching Protocols} with {@code headers} (and {@code Connection:
     * Upgrade}), flushes it, and hands the socket and the bytes read past the head to the
     * handler (HttpResponse.switchProtocols); the connection serves no more requests.
     */
    HttpResponse.Switched switchProtocols(HttpHeaders headers) throws IOException {
        responseCommitted = true;
        switched = true;
        out.ascii("HTTP/1.1 101 Switching Protocols\r\n");
        for (int i = 0; i < headers.size(); i++) {
            String n = headers.nameAt(i);
            if (!n.equalsIgnoreCase("Connection") && !n.equalsIgnoreCase("Content-Length")
                    && !n.equalsIgnoreCase("Transfer-Encoding")) {
                out.ascii(n);
                out.ascii(": ");
                out.latin1(headers.valueAt(i));
                out.crlf();
            }
        }
        out.ascii("Connection: Upgrade\r\n\r\n");
        out.flush();
        byte[] rest = java.util.Arrays.copyOfRange(in.buf, in.pos, in.lim);
        // The buffers are not used again: a long-lived upgraded connection keeps neither (8 KiB);
        // they go back to the shared pool (Buffers).
        in.pos = in.lim;
        in.release();
        out.release();
        // Nor the request's header fields (issue #16: an idle WebSocket is ~1 KB lighter); the
        // handler read what it needed before the 101 (switchProtocols says so).
        if (current != null) {
            current.headers.release();
        }
        parser.clear();
        return new HttpResponse.Switched(conn, rest);
    }

    /** Whether the client closed its side (HttpResponse.clientClosed): one non-blocking read, kept in the input. */
    boolean clientClosed() {
        if (conn.isSecure() || in.available() > 0 || !conn.isOpen()) {
            return !conn.isOpen();
        }
        in.resetIfEmpty();
        try {
            int n = conn.tcp().channel().read(java.nio.ByteBuffer.wrap(in.buf, in.lim, in.buf.length - in.lim));
            if (n > 0) {
                in.lim += n; // a next request's first bytes: kept for the parser
                wire.countRead(n);
            }
            return n < 0;
        } catch (IOException e) {
            return true; // reset: gone
        }
    }

    // ---------------------------------------------------------------- ResponseSink

    @Override
    public void head(ResponseHead head) {
        responseCommitted = true;
        closeRequested = head.closeRequested();
        framing = head.framing();
        keepAliveAnnounced = persists(false, false);
        ResponseHead.ConnectionHeader c;
        if (!keepAliveAnnounced) {
            c = ResponseHead.ConnectionHeader.CLOSE;
        } else if (current.minor == 0) {
            c = ResponseHead.ConnectionHeader.KEEP_ALIVE;
        } else {
            c = ResponseHead.ConnectionHeader.NONE;
        }
        head.writeTo(out, c);
    }

    @Override
    public void body(byte[] b, int off, int len) throws IOException {
        out.writeThrough(b, off, len);
        out.flushIfLarge();
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void finished(boolean complete) {
        responseComplete = complete;
    }

    @Override
    public void abort() throws IOException {
        aborted = true;
        out.discard();
        conn.close();
    }

    @Override
    public long sendFile(java.nio.channels.FileChannel file, long position, long count) throws IOException {
        if (conn.isSecure()) {
            return -1; // TLS encrypts in user space: the response copies
        }
        out.flush(); // the head and any body bytes before the file go first
        conn.timeout(s.writeTimeout()); // as each Wire write: the write time-out bounds the call
        long sent = conn.tcp().sendFile(file, position, count);
        wire.countWritten(sent);
        return sent;
    }

    /** A request refused before any handler ran: counted (HttpServer.stats), then {@link #sendError}. */
    private void refuse(int status, String message, boolean head) throws IOException {
        s.refused().accept(status);
        sendError(status, message, head);
    }

    /** A refusal with {@code Connection: close}; for a HEAD request, the head only (RFC 9110 §9.3.2). */
    private void sendError(int status, String message, boolean head) throws IOException {
        byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
        HttpHeaders headers = new HttpHeaders();
        headers.set("Content-Type", "text/plain; charset=utf-8");
        headers.set("Connection", "close");
        head(new ResponseHead(status, headers, body.length,
                head ? ResponseHead.Framing.NONE : ResponseHead.Framing.FIXED));
        if (!head) {
            out.write(body);
        }
        if (s.accessLog()) {
            AccessLog.line(conn.remoteAddress(), "-", status, body.length);
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
}
