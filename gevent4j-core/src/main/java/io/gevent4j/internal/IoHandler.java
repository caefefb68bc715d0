package io.gevent4j.internal;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.util.function.Consumer;

/**
 * The poller behind a {@link Loop} (Netty's {@code IoHandler} seam): it waits for I/O readiness
 * with a time-out, can be woken from another thread, registers channels and closes. The loop
 * knows nothing else of it, so another poller (io_uring, issue #15) replaces {@link SelectorIo}
 * without touching the loop.
 *
 * <p>Who calls it: the loop's thread, except {@link #wakeup()} (any thread) and
 * {@link #register}/{@link #keyFor} (any thread, as the JDK's selector allows).
 */
public interface IoHandler {
    /** Whether any channel is registered (the loop then polls without blocking between passes). */
    boolean hasRegistrations();

    /** How many channels are registered; racy from another thread. */
    int registrations();

    /** Hands the handler of every ready registration to {@code ready}; never blocks. */
    void pollNow(Consumer<Runnable> ready) throws IOException;

    /** Blocks until a registration is ready, {@link #wakeup()}, or {@code timeoutMillis} (0: no limit). */
    void poll(Consumer<Runnable> ready, long timeoutMillis) throws IOException;

    /** Ends a {@link #poll} in progress (or the next one). Any thread. */
    void wakeup();

    /** Registers a non-blocking channel; {@code handler} runs on the loop when its key is selected. */
    SelectionKey register(SelectableChannel channel, int ops, Runnable handler) throws ClosedChannelException;

    /** The key of {@code channel} in this poller, or null. */
    SelectionKey keyFor(SelectableChannel channel);

    /**
     * The library is about to close the channel of {@code key} (a key of this poller), whose
     * descriptor is still open. Any thread. A poller whose kernel requests keep a socket alive
     * past its descriptor's close (io_uring) stops a listening socket here, so that the port
     * refuses connections as soon as the close is done.
     */
    default void closing(SelectionKey key) {}

    boolean isOpen();

    /**
     * Completion-mode sends for the channel of {@code key} (a key of this poller), or null when
     * this poller has none (the NIO selector: writes are plain system calls). Loop thread.
     *
     * @param key a key this poller returned for a channel
     * @return the channel's send queue, or null
     */
    default SendQueue sendQueue(SelectionKey key) {
        return null;
    }

    /**
     * A channel's sends queued into the poller (io_uring): {@link #offer} copies bytes and returns
     * without a system call; the poller submits them with its next pass. One writer at a time,
     * as for the socket; the other methods from any thread.
     */
    interface SendQueue {
        /**
         * Queues a copy of what fits of {@code src} (its position advances): the count, 0 when the
         * queue is full (the key then reports {@code OP_WRITE} when room frees), or -1 when the
         * caller should write {@code src} itself (the queue is idle and {@code src} is large).
         * Throws the error of an earlier queued send, or {@code ClosedChannelException}. Loop thread.
         *
         * @param src the bytes to send, from its position to its limit
         * @return the count queued, 0 when full, -1 when the caller writes {@code src} itself
         * @throws IOException the error of an earlier send, or the channel is closed
         */
        int offer(java.nio.ByteBuffer src) throws IOException;

        /**
         * Throws, once, the error an earlier queued send met (as the write would have thrown it).
         *
         * @throws IOException that error, with the C library's text of its errno
         */
        void throwIfFailed() throws IOException;

        /**
         * Whether nothing is queued or in flight. Any thread.
         *
         * @return true when idle
         */
        boolean idle();

        /**
         * Waits until the queue is idle. Any thread.
         *
         * @param strand the calling strand
         * @param deadline when to stop waiting ({@link Strand#NO_DEADLINE}: never)
         * @return true when idle, false if {@code deadline} passed first
         * @throws IOException never in this form (a kill or {@code Timeout} propagates)
         */
        boolean flush(Strand strand, long deadline) throws IOException;

        /**
         * Cancels what is queued and in flight and refuses later offers (an abortive close, or
         * a close whose flush was cut short). Any thread.
         */
        void cancel();
    }

    /** Closes the poller; never throws. */
    void close();
}
