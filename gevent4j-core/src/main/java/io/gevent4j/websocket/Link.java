package io.gevent4j.websocket;

import io.gevent4j.internal.Strand;
import io.gevent4j.internal.io.Readiness;
import io.gevent4j.server.Connection;
import io.gevent4j.socket.TcpSocket;
import io.gevent4j.ssl.SslSocket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * The byte stream under one WebSocket: a server's {@link Connection} (plain or TLS) or a
 * client's {@link TcpSocket} or {@link SslSocket}. Each is a TCP socket with, for TLS, a TLS
 * socket over it, so one class serves all three. Reads and writes park the calling greenlet;
 * the read time-out is the TCP socket's (the TLS socket reads through it; set by the reading
 * side only), a send's bound is a {@code Timeout} around it.
 */
final class Link {
    /** How the owner of the socket closes it ({@link Connection#close} also leaves its server's idle index). */
    @FunctionalInterface
    private interface Closer {
        void close() throws IOException;
    }

    private final TcpSocket tcp;
    /** The TLS socket over {@link #tcp}, or null on plain TCP. */
    private final SslSocket ssl;
    private final Closer closer;
    /** The time-out last given to {@link #timeout} (the same objects come back from the options: set once). */
    private Duration timeout = Duration.ofNanos(-1);

    private Link(TcpSocket tcp, SslSocket ssl, Closer closer) {
        this.tcp = tcp;
        this.ssl = ssl;
        this.closer = closer;
    }

    static Link of(Connection c) {
        return new Link(c.tcp(), c.ssl().orElse(null), c::close);
    }

    static Link of(TcpSocket s) {
        return new Link(s, null, s::close);
    }

    static Link of(SslSocket s) {
        return new Link(s.tcp(), s, s::close);
    }

    int read(ByteBuffer dst) throws IOException {
        return ssl != null ? ssl.recvInto(dst) : tcp.recvInto(dst);
    }

    /** {@link #write(ByteBuffer, long, long)}'s limit for "the socket's own time-out". */
    static final long NO_LIMIT = -1;

    /**
     * Writes all of {@code src}. With a {@code limit} (plain TCP), the write is bounded by
     * {@code start + limit} ({@link System#nanoTime()}): a write that goes through at once costs
     * no timer; only a wait for writability uses the deadline, and a passed one is a
     * {@link java.net.SocketTimeoutException}. With {@link #NO_LIMIT}, the socket's time-out applies.
     */
    void write(ByteBuffer src, long start, long limit) throws IOException {
        if (ssl != null) {
            ssl.sendAll(src);
            return;
        }
        if (limit == NO_LIMIT) {
            tcp.sendAll(src);
            return;
        }
        long left = limit - (System.nanoTime() - start);
        if (left <= 0) {
            throw new java.net.SocketTimeoutException("send timed out");
        }
        // Through the socket, not its channel: its writes keep their order with the 101 and
        // anything else the socket queued (the io_uring poller queues sends into its ring).
        tcp.sendAll(src, Duration.ofNanos(left));
    }

    /** {@code d} in nanoseconds, saturated. */
    static long nanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException overflow) {
            return Long.MAX_VALUE;
        }
    }

    /** The time-out of later socket calls; null for none. */
    void timeout(Duration d) {
        if (d == timeout) {
            return;
        }
        timeout = d;
        if (d == null) {
            tcp.noTimeout();
        } else {
            tcp.timeout(d);
        }
    }

    /**
     * Whether {@link #awaitReadable} may stand for a read: plain TCP, where nothing is buffered
     * above the socket (a TLS socket may hold decrypted bytes the selector cannot see).
     */
    boolean waitsForReadiness() {
        return ssl == null;
    }

    /**
     * Waits, holding no buffer, until the socket is readable (bytes or end of stream), at most
     * {@code d} (null: no bound); false if the time passed first. Plain TCP only. The wait is the
     * engine's readiness wait itself, so a parked idle WebSocket has a short stack.
     */
    boolean awaitReadable(Duration d) throws IOException {
        long deadline = Strand.NO_DEADLINE;
        if (d != null) {
            deadline = Strand.current().deadlineAfter(nanos(d));
        }
        return Readiness.waitReadable(tcp.channel(), deadline);
    }

    /** One read that does not wait (after {@link #awaitReadable}): the count, 0 if nothing came after all, -1 at end of stream. */
    int readNow(ByteBuffer dst) throws IOException {
        try {
            return tcp.channel().read(dst);
        } catch (java.nio.channels.ClosedChannelException e) {
            java.net.SocketException se = new java.net.SocketException("Socket closed");
            se.initCause(e);
            throw se;
        }
    }

    /** Whether {@link #shutdownOutput()} tells the peer our end of stream (plain TCP, not TLS). */
    boolean halfCloses() {
        return ssl == null;
    }

    /** Sends our FIN after the last frame where the transport allows it (plain TCP; TLS closes with close_notify). */
    void shutdownOutput() {
        if (ssl == null) {
            try {
                tcp.shutdownOutput();
            } catch (IOException | RuntimeException gone) {
                // closed next anyway
            }
        }
    }

    void close() {
        try {
            closer.close();
        } catch (IOException gone) {
            // nothing more to tell the peer
        }
    }
}
