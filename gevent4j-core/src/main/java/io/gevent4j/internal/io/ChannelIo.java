package io.gevent4j.internal.io;

import io.gevent4j.internal.Loops;
import io.gevent4j.internal.Strand;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SelectableChannel;
import java.time.Duration;
import java.util.Optional;

/**
 * What every cooperative socket shares: its non-blocking channel, its hub watch (made on the
 * first wait, on the hub of the strand that waits first) and its timeout. Thread-safe.
 */
public final class ChannelIo {
    static final long NO_TIMEOUT = -1;

    public final SelectableChannel channel;
    private volatile IoWatch watch;
    private volatile long timeoutNanos = NO_TIMEOUT;

    public ChannelIo(SelectableChannel channel) throws IOException {
        this.channel = channel;
        channel.configureBlocking(false);
    }

    IoWatch watch() throws IOException {
        IoWatch w = watch;
        if (w == null || w.loop.isClosing()) {
            synchronized (this) {
                w = watch;
                if (w == null || w.loop.isClosing() && w.loop != Loops.current()) {
                    // First wait, or the hub that watched it was closed (its loop would never
                    // serve this socket again): the caller's hub takes it over.
                    try {
                        if (!channel.isOpen()) {
                            throw new java.nio.channels.ClosedChannelException();
                        }
                        watch = w = IoWatch.of(Loops.current(), channel);
                    } catch (java.nio.channels.ClosedChannelException e) {
                        throw closed(e);
                    }
                }
            }
        }
        return w;
    }

    public void timeout(Duration d) {
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

    public void noTimeout() {
        timeoutNanos = NO_TIMEOUT;
    }

    public Optional<Duration> timeout() {
        long n = timeoutNanos;
        return n == NO_TIMEOUT ? Optional.empty() : Optional.of(Duration.ofNanos(n));
    }

    /** The deadline of one whole operation started now by {@code strand}. */
    public long deadline(Strand strand) {
        long n = timeoutNanos;
        return n == NO_TIMEOUT ? Strand.NO_DEADLINE : strand.deadlineAfter(n);
    }

    /** Whether operations may wait at all (a zero time-out means "never wait"). */
    public boolean mayWait() {
        return timeoutNanos != 0;
    }

    /** Waits for {@code op}: true when it is ready, false when the deadline passed first. */
    public boolean awaitReady(Strand strand, int op, long deadline) throws IOException {
        return watch().await(strand, op, deadline);
    }

    /** Waits for {@code op}; a passed deadline becomes {@code SocketTimeoutException(what + " timed out")}. */
    public void await(Strand strand, int op, long deadline, String what) throws IOException {
        if (!awaitReady(strand, op, deadline)) {
            throw new SocketTimeoutException(what + " timed out");
        }
    }

    /**
     * The error of an operation on a closed socket: the same {@code SocketException} whether the
     * close came before the call or while it waited (then {@link IoWatch#closedException()}).
     */
    public static java.net.SocketException closed(java.nio.channels.ClosedChannelException cause) {
        java.net.SocketException e = new java.net.SocketException("Socket closed");
        e.initCause(cause);
        return e;
    }

    /** One try of a non-blocking operation: its result, or null if it would block now. */
    @FunctionalInterface
    public interface Attempt<R> {
        R attempt() throws IOException;
    }

    /**
     * Runs {@code op} now and, while it would block, waits for {@code interest} (within the
     * socket's timeout; {@code what} names the operation in the timeout's message) and tries again.
     * A closed channel raises the "Socket closed" error of {@link #closed}.
     */
    public <R> R retry(int interest, String what, Attempt<R> op) throws IOException {
        R r = once(op);
        if (r == null) {
            Strand strand = Strand.current();
            long deadline = deadline(strand);
            do {
                await(strand, interest, deadline, what);
                r = once(op);
            } while (r == null);
        }
        return r;
    }

    private static <R> R once(Attempt<R> op) throws IOException {
        try {
            return op.attempt();
        } catch (java.nio.channels.ClosedChannelException e) {
            throw closed(e);
        }
    }

    // ---------------------------------------------------------------- what every socket class shows

    /** The channel's local address (every socket's {@code localAddress()}). */
    public InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) ((NetworkChannel) channel).getLocalAddress();
    }

    /** Sets a socket option of the channel (every socket's {@code setOption}). */
    public <T> void setOption(SocketOption<T> option, T value) throws IOException {
        ((NetworkChannel) channel).setOption(option, value);
    }

    /** A socket option of the channel (every socket's {@code getOption}). */
    public <T> T getOption(SocketOption<T> option) throws IOException {
        return ((NetworkChannel) channel).getOption(option);
    }

    public boolean isOpen() {
        return channel.isOpen();
    }

    /**
     * Closes the channel, then wakes every strand waiting on it, through this socket or through
     * {@code Io} on any loop, with a "Socket closed" error (gevent's {@code cancel_wait}). In that
     * order: waking first would let a parked loop select again before the key is cancelled, and
     * nothing would wake it to deregister the key (the JDK closes the socket only then).
     */
    public void close() throws IOException {
        IoWatch w;
        synchronized (this) {
            w = watch;
        }
        // Watched by Io.waitRead/select on some loop, perhaps another: find them while the keys exist.
        java.util.List<IoWatch> others = channel.isRegistered() ? IoWatch.allOf(channel) : java.util.List.of();
        for (IoWatch o : others) {
            o.closing();
        }
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
