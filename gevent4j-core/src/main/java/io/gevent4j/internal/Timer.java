package io.gevent4j.internal;

/**
 * A node of a hub's timer heap: a deadline on the hub's clock and what to do when it passes.
 *
 * <p>Only the hub's loop thread touches {@link #index}; {@link #deadline} is written before the
 * node is handed to the hub. The insertion order that breaks ties between equal deadlines lives
 * in the heap's own array beside the deadline, not here: a parked greenlet's waiter is one of
 * these, and eight bytes less per node is eight bytes less per parked greenlet.
 */
public abstract class Timer implements Runnable {
    /** Deadline on the owning hub's clock, in nanoseconds. */
    public long deadline;
    /** Position in the heap, or -1 when not in one. */
    int index = -1;
    /**
     * Unreferenced (gevent's {@code ref=False}): it does not keep {@link Loop#awaitIdle} waiting.
     * Changed only through {@link TimerHeap#setReferenced} while in a heap (it keeps the count).
     */
    public boolean unref;

    /**
     * The strand this timer ends a wait of by an exception (a {@code Timeout}'s expiry), or null.
     * Read by the deadlock check: a wait under a pending time-out is not forever.
     */
    protected Strand interrupts() {
        return null;
    }

    /** Runs on the hub's loop thread once the deadline has passed. Must not block. */
    protected abstract void fire();

    /** The hub runs a due timer as a task: {@link #fire()}. */
    @Override
    public final void run() {
        fire();
    }
}
