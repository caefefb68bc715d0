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

    boolean isOpen();

    /** Closes the poller; never throws. */
    void close();
}
