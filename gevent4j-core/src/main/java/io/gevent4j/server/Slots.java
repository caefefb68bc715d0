package io.gevent4j.server;

import io.gevent4j.internal.Core;
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
    private final Core.Access core = Core.access();
    private final int max;
    private int used;
    private boolean open;
    private final ArrayDeque<Object> waiters = new ArrayDeque<>();

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
        Object strand = null;
        for (;;) {
            Object w;
            synchronized (this) {
                if (used < max) {
                    used++;
                    return;
                }
                if (strand == null) {
                    strand = core.strandOfCaller();
                }
                w = core.newWaiter(strand);
                waiters.add(w);
            }
            try {
                core.await(strand, w, core.noDeadline());
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
            Object w;
            synchronized (this) {
                w = waiters.poll();
            }
            if (w == null || core.notifyWaiter(w)) {
                return;
            }
        }
    }

    // ---------------------------------------------------------------- one-shot gate

    /** Opens the gate for good and wakes everybody waiting in {@link #awaitOpen}. Any thread. */
    void open() {
        Object[] all;
        synchronized (this) {
            open = true;
            all = waiters.toArray();
            waiters.clear();
        }
        for (Object w : all) {
            core.notifyWaiter(w);
        }
    }

    synchronized boolean isOpen() {
        return open;
    }

    /** Waits until {@link #open} was called, at most {@code nanos} (negative: no limit). Returns whether open. */
    boolean awaitOpen(long nanos) {
        Object strand;
        Object w;
        synchronized (this) {
            if (open) {
                return true;
            }
            strand = core.strandOfCaller();
            w = core.newWaiter(strand);
            waiters.add(w);
        }
        try {
            core.await(strand, w, nanos < 0 ? core.noDeadline() : core.deadlineAfter(strand, nanos));
        } finally {
            synchronized (this) {
                waiters.remove(w);
            }
        }
        return isOpen();
    }
}
