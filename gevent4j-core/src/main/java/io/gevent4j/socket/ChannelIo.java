package io.gevent4j.socket;

import io.gevent4j.Hub;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.channels.SelectableChannel;
import java.time.Duration;
import java.util.Optional;

/**
 * What every cooperative socket shares: its non-blocking channel, its hub watch (made on the
 * first wait, on the hub of the strand that waits first) and its timeout. Thread-safe.
 */
final class ChannelIo {
    static final long NO_TIMEOUT = -1;

    final SelectableChannel channel;
    private volatile IoWatch watch;
    private volatile long timeoutNanos = NO_TIMEOUT;

    ChannelIo(SelectableChannel channel) throws IOException {
        this.channel = channel;
        channel.configureBlocking(false);
    }

    IoWatch watch() throws IOException {
        IoWatch w = watch;
        if (w == null || w.hub.isClosed()) {
            synchronized (this) {
                w = watch;
                if (w == null || w.hub.isClosed() && w.hub != Hub.current()) {
                    // First wait, or the hub that watched it was closed (its loop would never
                    // serve this socket again): the caller's hub takes it over.
                    try {
                        if (!channel.isOpen()) {
                            throw new java.nio.channels.ClosedChannelException();
                        }
                        watch = w = IoWatch.of(Hub.current(), channel);
                    } catch (java.nio.channels.ClosedChannelException e) {
                        throw closed(e);
                    }
                }
            }
        }
        return w;
    }

    void timeout(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("negative timeout: " + d);
        }
        long n;
        try {
            n = d.toNanos();
        } catch (ArithmeticException overflow) {
            n = Long.MAX_VALUE;
        }
        timeoutNanos = n;
    }

    void noTimeout() {
        timeoutNanos = NO_TIMEOUT;
    }

    Optional<Duration> timeout() {
        long n = timeoutNanos;
        return n == NO_TIMEOUT ? Optional.empty() : Optional.of(Duration.ofNanos(n));
    }

    /** The deadline of one whole operation started now by {@code strand}. */
    long deadline(Object strand) {
        long n = timeoutNanos;
        return n == NO_TIMEOUT ? IoWatch.CORE.noDeadline() : IoWatch.CORE.deadlineAfter(strand, n);
    }

    /** Whether operations may wait at all (a zero time-out means "never wait"). */
    boolean mayWait() {
        return timeoutNanos != 0;
    }

    /** Waits for {@code op}: true when it is ready, false when the deadline passed first. */
    boolean awaitReady(Object strand, int op, long deadline) throws IOException {
        return watch().await(strand, op, deadline);
    }

    /** Waits for {@code op}; a passed deadline becomes {@code SocketTimeoutException(what + " timed out")}. */
    void await(Object strand, int op, long deadline, String what) throws IOException {
        if (!awaitReady(strand, op, deadline)) {
            throw new SocketTimeoutException(what + " timed out");
        }
    }

    /**
     * The error of an operation on a closed socket: the same {@code SocketException} whether the
     * close came before the call or while it waited (then {@link IoWatch#closedException()}).
     */
    static java.net.SocketException closed(java.nio.channels.ClosedChannelException cause) {
        java.net.SocketException e = new java.net.SocketException("Socket closed");
        e.initCause(cause);
        return e;
    }

    /**
     * Closes the channel, then wakes every strand waiting on it, through this socket or through
     * {@link Io} on any hub, with a "Socket closed" error (gevent's {@code cancel_wait}). In that
     * order: waking first would let a parked loop select again before the key is cancelled, and
     * nothing would wake it to deregister the key (the JDK closes the socket only then).
     */
    void close() throws IOException {
        IoWatch w;
        synchronized (this) {
            w = watch;
        }
        // Watched by Io.waitRead/select on some hub, perhaps another: find them while the keys exist.
        java.util.List<IoWatch> others = channel.isRegistered() ? IoWatch.allOf(channel) : java.util.List.of();
        try {
            channel.close();
        } finally {
            if (w != null) {
                w.close();
            }
            for (IoWatch o : others) {
                if (o != w) {
                    o.close();
                }
            }
        }
    }
}
