package io.gevent4j.http;

import java.io.IOException;
import java.net.SocketTimeoutException;

/**
 * The read side of one connection, the {@link HttpInput}'s source: one read of the {@link Wire}
 * per call, with the deadline of the phase the connection has set. Confined to the connection's
 * greenlet.
 */
final class ConnectionSource implements HttpInput.Source {
    /** What the connection is reading: it sets each read's deadline, and whether output goes first. */
    private enum Phase {
        /** Waiting for or reading a request head: what the client is owed is flushed first. */
        HEAD,
        /** The handler reads the body: no output behind its back; per-read and rate deadlines. */
        BODY,
        /** The server reads what the handler left of the body: the response is flushed first. */
        DRAIN
    }

    private final HttpServer.Settings s;
    private final Wire wire;
    private final Output out;
    private Phase phase = Phase.HEAD;
    /** The deadline of each read in the HEAD phase ({@link Wire#NONE}: none). */
    private long headDeadline = Wire.NONE;
    /** The next read is the first after a readiness wait: it reads what is there, without waiting. */
    private boolean readyOnce;
    /** Bytes received from the socket while reading the current request's body (minimum-rate check). */
    private long bodyBytesIn;
    /** Time spent waiting for the socket while reading the current request's body. */
    private long bodyWaitNanos;

    ConnectionSource(HttpServer.Settings s, Wire wire, Output out) {
        this.s = s;
        this.wire = wire;
        this.out = out;
    }

    /** Reads of a request head (or of its first byte) from now on, each before {@code deadline}. */
    void head(long deadline) {
        phase = Phase.HEAD;
        headDeadline = deadline;
    }

    long headDeadline() {
        return headDeadline;
    }

    /**
     * The socket has been found readable (a readiness wait): the next read takes what has
     * arrived without waiting again, and may return 0 if nothing has (a spurious readiness).
     */
    void afterReadiness() {
        readyOnce = true;
    }

    /** Reads of a new request's body from now on, by the handler. */
    void body() {
        phase = Phase.BODY;
        bodyBytesIn = 0;
        bodyWaitNanos = 0;
    }

    /** Reads of the rest of the body from now on, by the server, after the response. */
    void drain() {
        phase = Phase.DRAIN;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        return switch (phase) {
            case HEAD -> {
                if (readyOnce) {
                    readyOnce = false;
                    yield wire.readNow(b, off, len);
                }
                out.flush(); // about to wait for the client: send what it is owed first
                yield wire.read(b, off, len, headDeadline);
            }
            case BODY -> readBody(b, off, len);
            case DRAIN -> {
                out.flush(); // the response is complete: the client may wait for it
                yield readBody(b, off, len);
            }
        };
    }

    /**
     * A read of the request body: each read waits at most {@code bodyTimeout}, and the whole
     * body must arrive at {@code minBodyRate} on average after its grace period, counting only
     * the time spent waiting for the client (a handler that works between reads is not held
     * against it). A body that falls behind gets a {@link SocketTimeoutException} (408).
     */
    private int readBody(byte[] b, int off, int len) throws IOException {
        long t = Wire.nanos(s.bodyTimeout());
        long rate = s.minBodyRate();
        if (rate > 0) {
            long allowed = s.minBodyRateGrace().toNanos() + (long) (bodyBytesIn * 1e9 / rate) - bodyWaitNanos;
            if (allowed <= 0) {
                throw new SocketTimeoutException("request body slower than " + rate + " bytes/s");
            }
            t = Math.min(t, allowed);
        }
        long t0 = System.nanoTime();
        int n;
        try {
            n = wire.read(b, off, len, Wire.after(t0, t));
        } finally {
            bodyWaitNanos += System.nanoTime() - t0;
        }
        if (n > 0) {
            bodyBytesIn += n;
        }
        return n;
    }
}
