package io.gevent4j;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * Whatever can wait in this library: a greenlet, or any other thread (e.g. {@code main}, a
 * worker thread, a plain virtual thread). It is the one way to wait (DESIGN.md §2): a caller
 * registers a {@link Waiter} with whatever will wake it, then {@link #await}s it.
 *
 * <h2>Implementation overview</h2>
 * A strand has a single slot for a <em>pending</em> exception ({@code GreenletExit} from a kill,
 * a {@link Timeout}), delivered at its next wait point. Delivery and the start of a wait race
 * in Dekker style: the deliverer writes {@link #pending} then reads {@link #waiter}; the waiter
 * writes {@link #waiter} then reads {@link #pending}. Both fields are volatile, so at least one
 * side sees the other and the exception is never lost. A waiter is woken exactly once: by a
 * notification, by its timer, or by a delivered exception, whichever wins the CAS on its state.
 */
abstract class Strand {
    static final long NO_DEADLINE = Long.MAX_VALUE;

    private static final VarHandle PENDING;

    static {
        try {
            PENDING = MethodHandles.lookup().findVarHandle(Strand.class, "pending", Throwable.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** An exception to raise at this strand's next wait point, or null. */
    private volatile Throwable pending;
    /** The waiter this strand is parked on, or null while it runs. */
    volatile Waiter waiter;
    /** Set when a delivery had to interrupt the thread (blocked in a JDK call, not in a waiter). */
    private volatile boolean interruptedByDelivery;

    /** The thread that runs this strand, or null if it has none (yet, or any more). */
    abstract Thread thread();

    /** Now, on the clock that this strand's deadlines are measured on. */
    abstract long now();

    /** Arms a wake-up of {@code w} at its deadline. Returns false if the strand waits by timed park instead. */
    abstract boolean armTimer(Waiter w);

    /** Cancels a timer armed by {@link #armTimer}. */
    abstract void disarmTimer(Waiter w);

    /** The strand of the calling thread. Fails on a hub's loop thread, which must never block. */
    static Strand ofCaller() {
        Thread t = Thread.currentThread();
        Greenlet<?> g = Greenlet.of(t);
        if (g != null) {
            return g;
        }
        Hub loopHub = Hub.LOOP.get();
        if (loopHub != null) {
            throw new IllegalStateException("Impossible to block in a callback of " + loopHub
                    + ": callbacks and raw links run on the hub's loop and must not block;"
                    + " spawn a greenlet for blocking work");
        }
        return ThreadStrand.of(t);
    }

    /** Converts a relative timeout to a deadline on this strand's clock (saturating). */
    final long deadlineAfter(long nanos) {
        if (nanos >= NO_DEADLINE / 2) {
            return NO_DEADLINE;
        }
        long now = now();
        long d = now + Math.max(0, nanos);
        return d == NO_DEADLINE ? NO_DEADLINE - 1 : d;
    }

    // ---------------------------------------------------------------- pending exceptions

    /**
     * Makes {@code exception} pending on this strand and wakes it if it waits. Returns false if
     * another exception is already pending (the first one wins; the strand sees one at a time).
     */
    final boolean deliver(Throwable exception) {
        if (!PENDING.compareAndSet(this, null, exception)) {
            return false;
        }
        Waiter w = waiter;
        if (w != null) {
            w.interrupt();
        } else {
            // Fall-back for JDK-internal blocking (Thread.sleep, java.net.Socket...): the thread is
            // parked but not in one of our waiters, so only an interrupt reaches it. The exception
            // itself is raised at the next wait point of this library.
            Thread t = thread();
            if (t != null && t != Thread.currentThread()) {
                Thread.State s = t.getState();
                if (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING) {
                    interruptedByDelivery = true;
                    if (waiter == null) {
                        t.interrupt();
                    }
                }
            }
        }
        return true;
    }

    /** Withdraws {@code exception} if it is still pending (not yet raised). */
    final boolean withdraw(Throwable exception) {
        return PENDING.compareAndSet(this, exception, null);
    }

    final boolean hasPending() {
        return pending != null;
    }

    /** Raises the pending exception, if any. Called by the strand itself at each wait point. */
    final void raisePending() {
        if (pending != null) {
            throwPending();
        }
    }

    private void throwPending() {
        Throwable p = (Throwable) PENDING.getAndSet(this, null);
        if (p == null) {
            return;
        }
        if (interruptedByDelivery) {
            interruptedByDelivery = false;
            Thread.interrupted(); // the interrupt was ours, not the application's
        }
        if (p instanceof Timeout t) {
            t.capturePointOfRaise();
        }
        throw Timeout.rethrowUnchecked(p);
    }

    /** Discards whatever is pending; the strand has finished and has no more wait points. */
    final void clearPending() {
        pending = null;
    }

    // ---------------------------------------------------------------- waiting

    /**
     * Parks the calling strand (which must be this one) on {@code w} until it is notified, its
     * deadline passes, or an exception is delivered. Returns true if notified, false on time-out.
     * An application interrupt does not end the wait; the interrupt status is kept.
     */
    final boolean await(Waiter w, long deadline) {
        waiter = w;
        boolean armed = false;
        try {
            raisePending(); // Dekker: waiter is published before pending is read
            if (deadline != NO_DEADLINE) {
                w.deadline = deadline;
                armed = armTimer(w);
            }
            for (;;) {
                if (armed || deadline == NO_DEADLINE) {
                    parkWhileWaiting(w);
                } else {
                    timedParkWhileWaiting(w, deadline);
                }
                if (w.state == Waiter.INTERRUPTED) {
                    if (pending != null) {
                        throwPending();
                    }
                    // The exception was withdrawn (its Timeout was cancelled) before we ran: wait on.
                    w.rearm();
                    continue;
                }
                return w.state == Waiter.NOTIFIED;
            }
        } finally {
            waiter = null;
            if (armed && w.state != Waiter.TIMED_OUT) {
                disarmTimer(w);
            }
            if (w.keepInterrupt) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /*
     * Why the park loops are do-while loops that park first. A notification sets the waiter's
     * state and then unparks, so a park after it returns at once on the permit: parking first is
     * correct. It also matters to the JIT. When many strands park before any of them wakes (a
     * timer storm, 100,000 greenlets blocked in one join), C2 compiles the waiting frames while
     * the code after the park has never run; it prunes that path, and every frozen frame then
     * hits an uncommon trap on wake-up: one deoptimisation per waiter, seconds in all. With the
     * park first, the same bytecodes run after the park in the warm-up (Hub.warmUpWaitPaths,
     * where a pre-notified waiter's park returns on its permit), so the profile is complete
     * before any storm.
     */

    /** Parks until {@code w} is no longer WAITING; an application interrupt is kept for later. */
    final void parkWhileWaiting(Waiter w) {
        do {
            LockSupport.park(w);
            if (Thread.interrupted()) {
                absorbInterrupt(w);
            }
        } while (w.state == Waiter.WAITING);
    }

    private void timedParkWhileWaiting(Waiter w, long deadline) {
        while (w.state == Waiter.WAITING) {
            long left = deadline - now();
            if (left <= 0) {
                w.fire();
                return;
            }
            LockSupport.parkNanos(w, left);
            if (Thread.interrupted()) {
                absorbInterrupt(w);
            }
        }
    }

    /** An interrupt during a wait: ours (a kill's fall-back) is dropped; the application's is kept. */
    final void absorbInterrupt(Waiter w) {
        if (!consumeDeliveryInterrupt()) {
            w.keepInterrupt = true;
        }
    }

    /**
     * Ends a sleep begun by {@code Greenlet.beginSleep} once {@link #parkWhileWaiting} returned:
     * raises a delivered exception, or sleeps on if it was withdrawn.
     */
    final void afterSleep(Waiter w) {
        waiter = null;
        if (w.keepInterrupt) {
            Thread.currentThread().interrupt();
        }
        if (w.state == Waiter.INTERRUPTED) {
            disarmTimer(w);
            if (pending != null) {
                throwPending();
            }
            // Withdrawn before we ran (a cancelled Timeout): sleep on until the deadline.
            long left = w.deadline - now();
            if (left > 0) {
                Gevent.sleep(java.time.Duration.ofNanos(left));
            }
        }
    }

    /** True (and forgotten) if the interrupt just seen was a delivery's fall-back, not the application's. */
    final boolean consumeDeliveryInterrupt() {
        if (interruptedByDelivery) {
            interruptedByDelivery = false;
            return true;
        }
        return false;
    }

    /** Wakes the thread of this strand; called once a waiter of it changed state. */
    final void unpark() {
        Thread t = thread();
        if (t != null) {
            LockSupport.unpark(t);
        }
    }
}
