package io.gevent4j.internal;

/**
 * The two idleness waits of one {@link Loop}, both on {@link WaitList}s: gevent's {@code idle()}
 * (a strand of the loop parks until nothing else is runnable) and {@code hub.join()}
 * ({@link Loop#awaitIdle}: any strand parks until the loop has no referenced work).
 *
 * <p>Who calls it: the loop's thread for everything but {@link #awaitIdle}, which any strand may
 * call (not a callback on a loop: it must not block).
 */
final class Idleness {
    /*
     * Implementation overview. Idlers are strands of this loop only, so their list is touched on
     * the loop thread alone (its lock is never contended). Strands in awaitIdle come from any
     * thread: they add themselves under `awaitLock`, then wake the loop so that it looks; the loop
     * looks only when nothing is runnable and wakes them all once it finds no referenced work, or
     * when it ends. The end and an adder race in Dekker style: the loop sets `terminated`, then
     * wakes the list; an adder adds, then reads `terminated`.
     */

    private final Loop loop;
    private final WaitList idlers = new WaitList(this);
    private final Object awaitLock = new Object();
    private final WaitList awaiting = new WaitList(awaitLock);

    Idleness(Loop loop) {
        this.loop = loop;
    }

    // ---------------------------------------------------------------- gevent's idle()

    /** Parks {@code s} (a strand of this loop, the caller) until nothing else is runnable. */
    void idle(LoopStrand s) {
        WaitList.Node n;
        synchronized (this) {
            n = idlers.add(s, null);
        }
        idlers.park(n, Strand.NO_DEADLINE, null);
    }

    /** Whether a strand of the loop waits in {@link #idle}. Loop thread. */
    boolean hasIdlers() {
        return !idlers.isEmpty();
    }

    /** Nothing else is runnable: wakes the idlers, first-in first-out. Loop thread. */
    void wakeIdlers() {
        if (!idlers.isEmpty()) {
            synchronized (this) {
                idlers.grantAll(null);
            }
        }
    }

    // ---------------------------------------------------------------- gevent's hub.join()

    /** True once the loop is idle or has ended, false if {@code nanos} passed first. */
    boolean awaitIdle(long nanos) {
        Strand s = Strand.current();
        if (loop.end().isTerminated()) {
            return true;
        }
        WaitList.Node n;
        synchronized (awaitLock) {
            n = awaiting.add(s, null);
            n.waiter.unref = true; // the waiter's own time-out is not work of this loop
        }
        if (loop.end().isTerminated()) { // Dekker with the end of the loop (see the overview)
            synchronized (awaitLock) {
                awaiting.remove(n);
            }
            return true;
        }
        if (loop.inLoop()) {
            loop.execute(() -> {}); // look again at the end of this pass
        } else {
            loop.post(() -> {}); // wake the loop so that it looks
        }
        boolean idle = awaiting.park(n, s.deadlineAfter(nanos), null);
        return idle || loop.end().isTerminated();
    }

    /** Whether a strand waits in {@link #awaitIdle}. Loop thread (an uncontended lock per look). */
    boolean someoneAwaits() {
        synchronized (awaitLock) {
            return !awaiting.isEmpty();
        }
    }

    /** Wakes every strand in {@link #awaitIdle}: the loop is idle, or has ended. */
    void wakeAwaiting() {
        synchronized (awaitLock) {
            awaiting.grantAll(null);
        }
    }
}
