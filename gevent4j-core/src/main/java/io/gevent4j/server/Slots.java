package io.gevent4j.server;

import io.gevent4j.internal.Strand;
import io.gevent4j.internal.Waiter;
import java.util.ArrayDeque;

/**
 * A counting limit shared by any threads and hubs: {@link #acquire} parks the caller (the
 * core's one way to wait) while all slots are taken; {@link #release} from anywhere wakes the
 * oldest waiter. Also used with one slot and no release as a one-shot gate ({@link #open}).
 *
 * <p>Implementation overview: a small monitor guards the count and the queue of waiters;
 * waiters are notified outside it. A waiter that was notified but whose wait had already ended
 * (a kill won the race) returns false from notifyWaiter, so the next waiter is tried: no slot
 * wake-up is lost. Cost: one uncontended monitor per acquire/release, a cross-thread wake-up
 * only when somebody actually waits.
 */
final class Slots {
    private final int max;
    private int used;
    private boolean open;
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();

    Slots(int max) {
        if (max <= 0) {
            throw new IllegalArgumentException("at least one slot is needed: " + max);
        }
        this.max = max;
    }

    int max() {
        return max;
    }

    synchronized int used() {
        return used;
    }

    /** Takes a slot if one is free now; never waits. */
    synchronized boolean tryAcquire() {
        if (used < max) {
            used++;
            return true;
        }
        return false;
    }

    /** Takes a slot, waiting while none is free. A kill or Timeout while waiting propagates. */
    void acquire() {
        Strand strand = null;
        for (;;) {
            Waiter w;
            synchronized (this) {
                if (used < max) {
                    used++;
                    return;
                }
                if (strand == null) {
                    strand = Strand.current();
                }
                w = new Waiter(strand);
                waiters.add(w);
            }
            try {
                strand.await(w, Strand.NO_DEADLINE);
            } finally {
                synchronized (this) {
                    waiters.remove(w);
                }
            }
        }
    }

    /** Gives a slot back; any thread. */
    void release() {
        synchronized (this) {
            used--;
        }
        wakeOne();
    }

    private void wakeOne() {
        for (;;) {
            Waiter w;
            synchronized (this) {
                w = waiters.poll();
            }
            if (w == null || w.notifyWaiter()) {
                return;
            }
        }
    }

    // ---------------------------------------------------------------- one-shot gate

    /** Opens the gate for good and wakes everybody waiting in {@link #awaitOpen}. Any thread. */
    void open() {
        Waiter[] all;
        synchronized (this) {
            open = true;
            all = waiters.toArray(new Waiter[0]);
            waiters.clear();
        }
        for (Waiter w : all) {
            w.notifyWaiter();
        }
    }

    synchronized boolean isOpen() {
        return open;
    }

    /** Waits until {@link #open} was called, at most {@code nanos} (negative: no limit). Returns whether open. */
    boolean awaitOpen(long nanos) {
        Strand strand;
        Waiter w;
        synchronized (this) {
            if (open) {
                return true;
            }
            strand = Strand.current();
            w = new Waiter(strand);
            waiters.add(w);
        }
        try {
            strand.await(w, nanos < 0 ? Strand.NO_DEADLINE : strand.deadlineAfter(nanos));
        } finally {
            synchronized (this) {
                waiters.remove(w);
            }
        }
        return isOpen();
    }
}
