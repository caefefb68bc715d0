package io.gevent4j.socket;

import io.gevent4j.Hub;
import io.gevent4j.internal.Strand;
import io.gevent4j.internal.io.IoWatch;
import io.gevent4j.internal.io.Readiness;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Readiness waits on any non-blocking {@link SelectableChannel}: gevent's {@code wait_read},
 * {@code wait_write} and {@code select}, on the caller's hub selector.
 *
 * <p>Who may call it: any greenlet (its hub watches the channel) or thread (the default hub
 * does). The caller parks until a channel is ready, at most {@code timeout}; a {@code Timeout}
 * or a kill propagates. Two strands waiting in the same direction on one channel (of one hub)
 * is an {@link IllegalStateException}. A socket closed while waited on wakes its waiters at once
 * (gevent's {@code cancel_wait}): {@code select} reports it ready (its next operation then
 * fails), {@code waitRead}/{@code waitWrite} raise a "Socket closed" error. That holds for a close
 * through the library ({@link TcpSocket#close()}, {@link UdpSocket#close()},
 * {@link TcpListener#close()}, {@link #close(SelectableChannel)} for a channel of your own); a
 * bare {@code SelectableChannel.close()} is invisible to the hub (the JDK only cancels the key),
 * so its waiters sleep on until their time-out. Readiness is level-triggered and may be
 * spurious: a reader must still handle a read that returns nothing.
 *
 * {@snippet :
 * Io.Selection ready = Io.select(List.of(a.channel(), b.channel()), List.of(), Duration.ofSeconds(1));
 * for (SelectableChannel ch : ready.readable()) { ... }
 * }
 */
public final class Io {
    static {
        // A strand that is not a greenlet waits on the default hub: initialise the core now, which
        // installs it (the engine below names nothing above it).
        Hub.all();
    }

    private Io() {}

    /** Waits until {@code channel} is readable (acceptable, for a server channel). */
    public static void waitRead(SelectableChannel channel) throws IOException {
        waitOne(channel, readOp(channel), Optional.empty(), "waitRead");
    }

    /** Waits until {@code channel} is readable, at most {@code timeout} ({@link SocketTimeoutException}). */
    public static void waitRead(SelectableChannel channel, Duration timeout) throws IOException {
        waitOne(channel, readOp(channel), Optional.of(timeout), "waitRead");
    }

    /** Waits until {@code channel} is writable (connected, for a connection in progress). */
    public static void waitWrite(SelectableChannel channel) throws IOException {
        waitOne(channel, writeOp(channel), Optional.empty(), "waitWrite");
    }

    /** Waits until {@code channel} is writable, at most {@code timeout} ({@link SocketTimeoutException}). */
    public static void waitWrite(SelectableChannel channel, Duration timeout) throws IOException {
        waitOne(channel, writeOp(channel), Optional.of(timeout), "waitWrite");
    }

    /**
     * Closes {@code channel} and wakes every strand waiting on it (on any hub) with a "Socket
     * closed" error, or as ready in {@link #select}: gevent's {@code cancel_wait} and close.
     * Use it for channels you wait on with this class; the library's sockets do it in their own
     * {@code close()}. Idempotent; any thread.
     */
    public static void close(SelectableChannel channel) throws IOException {
        Readiness.closeAndWake(channel);
    }

    /** The channels found ready by {@link #select}, each list in the order given. */
    public record Selection(List<SelectableChannel> readable, List<SelectableChannel> writable) {
        /** Whether no channel was found ready. */
        public boolean isEmpty() {
            return readable.isEmpty() && writable.isEmpty();
        }
    }

    /**
     * Waits until at least one of {@code readers} is readable or one of {@code writers} is
     * writable, at most {@code timeout}; returns those found ready (empty on time-out).
     */
    public static Selection select(Collection<? extends SelectableChannel> readers,
            Collection<? extends SelectableChannel> writers, Duration timeout) throws IOException {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("negative timeout: " + timeout);
        }
        if (timeout.isZero()) {
            return poll(readers, writers);
        }
        Strand strand = Strand.current();
        Readiness.Ready r = Readiness.select(readers, writers, strand, strand.deadlineAfter(TcpSocket.nanos(timeout)));
        return new Selection(r.readable(), r.writable());
    }

    /**
     * A zero time-out is a real poll, like gevent's first zero-timeout {@code select}: the hub's
     * selector only reports readiness on its next pass, so a private selector answers now. It
     * costs an epoll instance per call: do not use it in a loop, use a time-out instead.
     */
    private static Selection poll(Collection<? extends SelectableChannel> readers,
            Collection<? extends SelectableChannel> writers) throws IOException {
        try (java.nio.channels.Selector sel = java.nio.channels.Selector.open()) {
            java.util.Map<SelectableChannel, Integer> ops = new java.util.LinkedHashMap<>();
            for (SelectableChannel ch : readers) {
                ops.merge(ch, readOp(ch), (x, y) -> x | y);
            }
            for (SelectableChannel ch : writers) {
                ops.merge(ch, writeOp(ch), (x, y) -> x | y);
            }
            for (var e : ops.entrySet()) {
                if (e.getKey().isBlocking()) {
                    throw new java.nio.channels.IllegalBlockingModeException();
                }
                e.getKey().register(sel, e.getValue());
            }
            sel.selectNow();
            List<SelectableChannel> readable = new ArrayList<>();
            List<SelectableChannel> writable = new ArrayList<>();
            for (SelectableChannel ch : readers) {
                var k = ch.keyFor(sel);
                if (k != null && k.isValid() && (k.readyOps() & IoWatch.READS) != 0) {
                    readable.add(ch);
                }
            }
            for (SelectableChannel ch : writers) {
                var k = ch.keyFor(sel);
                if (k != null && k.isValid() && (k.readyOps() & IoWatch.WRITES) != 0) {
                    writable.add(ch);
                }
            }
            return new Selection(List.copyOf(readable), List.copyOf(writable));
        }
    }

    private static void waitOne(SelectableChannel channel, int op, Optional<Duration> timeout, String what)
            throws IOException {
        Strand strand = Strand.current();
        long deadline = timeout.isPresent() ? strand.deadlineAfter(TcpSocket.nanos(timeout.get())) : Strand.NO_DEADLINE;
        boolean ready = (op & IoWatch.READS) != 0 ? Readiness.waitReadable(channel, deadline)
                : Readiness.waitWritable(channel, deadline);
        if (!ready) {
            throw new SocketTimeoutException(what + " timed out");
        }
    }

    static int readOp(SelectableChannel ch) {
        return Readiness.readOp(ch);
    }

    static int writeOp(SelectableChannel ch) {
        return Readiness.writeOp(ch);
    }
}
