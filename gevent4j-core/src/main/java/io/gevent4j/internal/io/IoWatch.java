package io.gevent4j.internal.io;

import io.gevent4j.internal.Loop;
import io.gevent4j.internal.Loops;
import io.gevent4j.internal.Strand;
import io.gevent4j.internal.Waiter;
import java.io.IOException;
import java.net.SocketException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The registration of one channel with one loop's poller, and the (at most one) reader and
 * (at most one) writer waiting on it. Thread-safe: any strand may wait; the selection handler
 * runs on the hub's loop.
 */
public final class IoWatch implements Runnable {
    /*
     * Implementation overview.
     *
     * The key is registered once (interest 0) when the watch is made, from any thread (the JDK's
     * register does not wait for a select in progress). `ops` (the interest set) is confined to
     * the hub's loop: a waiter on another thread posts its interest change to the loop, which
     * also wakes a parked loop (an interest change made off-loop would only apply at the next
     * select, possibly never).
     *
     * A waiter publishes its Wait in `reader`/`writer` (CAS: a second waiter in the same
     * direction is an error, not a hang), then asks for interest, then parks. The handler reads
     * the slot and notifies. Interest is dropped lazily: it stays after a notification (the
     * woken greenlet usually waits again at once: no epoll_ctl per wait) and is removed only
     * when the key fires with no waiter in that direction (level-triggered: it would fire
     * again and spin the loop).
     *
     * close() and a waiter race in Dekker style over the volatile `closed` and the slots:
     * close writes `closed` then reads the slots; a waiter writes its slot then reads `closed`.
     * So either close sees the waiter and wakes it, or the waiter sees `closed` and throws.
     */
    public static final int READS = SelectionKey.OP_READ | SelectionKey.OP_ACCEPT;
    public static final int WRITES = SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT;

    /** One waiting strand's registration; several share a waiter in a multi-channel select. */
    public static final class Wait {
        final Waiter waiter;
        public final IoWatch watch;
        public final int op;
        /** The ops found ready for this wait (set on the loop before the notification). */
        public volatile int readyOps;

        Wait(Waiter waiter, IoWatch watch, int op) {
            this.waiter = waiter;
            this.watch = watch;
            this.op = op;
        }
    }

    final Loop loop;
    public final SelectableChannel channel;
    private final SelectionKey key;
    private final AtomicReference<Wait> reader = new AtomicReference<>();
    private final AtomicReference<Wait> writer = new AtomicReference<>();
    private volatile boolean closed;
    /** Interest set; loop-confined. */
    private int ops;
    /** Run on the loop once the channel is writable (no strand waits for it); loop-confined. */
    private Runnable onWritable;

    private IoWatch(Loop loop, SelectableChannel channel) throws IOException {
        this.loop = loop;
        this.channel = channel;
        this.key = loop.register(channel, 0, this);
    }

    /** The watch of {@code channel} on {@code loop}, registering it on first use. */
    public static IoWatch of(Loop loop, SelectableChannel channel) throws IOException {
        if (channel.isBlocking()) {
            throw new java.nio.channels.IllegalBlockingModeException();
        }
        synchronized (channel.blockingLock()) {
            SelectionKey existing = loop.keyFor(channel);
            if (existing != null) {
                if (existing.attachment() instanceof IoWatch w) {
                    return w;
                }
                throw new IllegalStateException(channel + " is registered with " + loop + " by other code");
            }
            return new IoWatch(loop, channel);
        }
    }

    public static SocketException closedException() {
        return new SocketException("Socket closed by another greenlet or thread while this one waited on it");
    }

    /** Publishes a wait; fails if another strand already waits in that direction. */
    public Wait publish(Waiter waiter, int op) throws SocketException {
        Wait w = new Wait(waiter, this, op);
        AtomicReference<Wait> slot = (op & READS) != 0 ? reader : writer;
        if (!slot.compareAndSet(null, w)) {
            throw new IllegalStateException("another greenlet or thread is already waiting to "
                    + ((op & READS) != 0 ? "read from " : "write to ") + channel
                    + " (two waiters in one direction of one socket is an error)");
        }
        if (closed) {
            slot.compareAndSet(w, null);
            throw closedException();
        }
        if (loop.inLoop()) {
            addInterest(op);
        } else {
            loop.post(() -> addInterest(op));
        }
        return w;
    }

    public void withdraw(Wait w) {
        AtomicReference<Wait> slot = (w.op & READS) != 0 ? reader : writer;
        slot.compareAndSet(w, null);
    }

    /**
     * Waits until the channel is ready for {@code op} (true) or the deadline passes (false).
     * Throws if the watch is closed while waiting; a kill or {@code Timeout} propagates.
     */
    public boolean await(Strand strand, int op, long deadline) throws IOException {
        Waiter waiter = new Waiter(strand);
        Wait w = publish(waiter, op);
        try {
            boolean notified = strand.await(waiter, deadline);
            if (closed) {
                throw closedException();
            }
            return notified;
        } finally {
            withdraw(w);
        }
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * The watches of {@code channel} on every live loop. A socket is watched by the loop that
     * waited on it first, but {@code Io.waitRead}/{@code Io.select} may have watched it on
     * others. Taken before the channel is closed: a closed channel's keys go away once their
     * selectors deregister them. Any thread.
     */
    public static java.util.List<IoWatch> allOf(SelectableChannel channel) {
        java.util.List<IoWatch> all = new java.util.ArrayList<>(1);
        for (Loop l : Loops.all()) {
            SelectionKey k;
            try {
                k = l.keyFor(channel);
            } catch (RuntimeException closedSelector) {
                continue; // that loop is closing: it serves nobody any more
            }
            if (k != null && k.attachment() instanceof IoWatch w) {
                all.add(w);
            }
        }
        return all;
    }

    /**
     * The channel is about to be closed by the library (its descriptor is still open). Any
     * thread. A waiter that wakes from now on (the poller may stop a listening socket here,
     * which reports it ready) sees "Socket closed", as it will once the close is done.
     */
    public void closing() {
        closed = true;
        loop.ioHandler().closing(key);
    }

    /** Wakes every waiter with a "closed" error; the owner closes the channel. Any thread. */
    public void close() {
        closed = true; // Dekker: written before the slots are read
        // The channel's close cancelled the key already; cancelling it through the poller too
        // tells a poller that releases closed channels lazily (io_uring) to release this one in
        // its next pass, so the socket is really closed (a port refuses connections) by then.
        key.cancel();
        wake(reader.get(), SelectionKey.OP_READ);
        wake(writer.get(), SelectionKey.OP_WRITE);
        if (!loop.inLoop()) {
            // Let a parked loop deregister the cancelled key (the JDK closes the socket then).
            loop.post(() -> {});
        }
    }

    private static void wake(Wait w, int ready) {
        if (w != null) {
            w.readyOps |= ready;
            w.waiter.notifyWaiter();
        }
    }

    // ------------------------------------------------------------ on the hub's loop

    /**
     * Runs {@code action} once, on the loop, when the channel is next writable (a write that the
     * loop itself finishes, with no strand waiting); null cancels it. Replaces an earlier one.
     * On this watch's loop thread only. A close drops it without running it.
     *
     * @param action what to run on the loop, or null to cancel
     * @throws IllegalStateException if the caller is not on this watch's loop thread
     */
    public void onWritable(Runnable action) {
        if (!loop.inLoop()) {
            throw new IllegalStateException("onWritable is for the loop's own thread, not " + Thread.currentThread());
        }
        onWritable = action;
        if (action != null) {
            addInterest(SelectionKey.OP_WRITE);
        }
    }

    private void addInterest(int op) {
        if (!key.isValid()) {
            // The channel was closed under us: wake the waiters so they retry and see it.
            wake(reader.get(), op);
            wake(writer.get(), op);
            return;
        }
        if ((ops & op) != op) {
            ops |= op;
            key.interestOps(ops);
        }
    }

    /** The key was selected. */
    @Override
    public void run() {
        if (!key.isValid()) {
            onWritable = null;
            wake(reader.get(), SelectionKey.OP_READ);
            wake(writer.get(), SelectionKey.OP_WRITE);
            return;
        }
        int ready = key.readyOps();
        int drop = 0;
        if ((ready & READS) != 0 && !fire(reader.get(), ready & READS)) {
            drop |= READS;
        }
        if ((ready & WRITES) != 0) {
            boolean fired = fire(writer.get(), ready & WRITES);
            Runnable action = onWritable;
            if (action != null) {
                onWritable = null;
                action.run(); // may register itself again (and keep the interest)
                fired = true;
            }
            if (!fired) {
                drop |= WRITES;
            }
        }
        if ((ops & drop) != 0) {
            ops &= ~drop;
            try {
                key.interestOps(ops);
            } catch (java.nio.channels.CancelledKeyException closedMeanwhile) {
                // Closed by another thread since the check above: its close wakes the waiters.
            }
        }
    }

    private static boolean fire(Wait w, int ready) {
        if (w == null) {
            return false;
        }
        w.readyOps |= ready;
        return w.waiter.notifyWaiter();
    }

    @Override
    public String toString() {
        return "IoWatch[" + channel + " on " + loop + "]";
    }
}
