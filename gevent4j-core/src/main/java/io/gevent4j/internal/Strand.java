package io.gevent4j.internal;

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
 * a {@code Timeout}), delivered at its next wait point. Delivery and the start of a wait race
 * in Dekker style: the deliverer writes {@link #pending} then reads {@link #waiter}; the waiter
 * writes {@link #waiter} then reads {@link #pending}. Both fields are volatile, so at least one
 * side sees the other and the exception is never lost. A waiter is woken exactly once: by a
 * notification, by its timer, or by a delivered exception, whichever wins the CAS on its state.
 *
 * <p>Delivery into a JDK call. A strand parked inside the JDK (a socket read, {@code HttpClient.send},
 * a JDBC driver) is not in one of our waiters, so a delivery can only interrupt its thread; the JDK
 * call then throws its own exception ({@code InterruptedException}, {@code SocketException: Closed
 * by interrupt}, a driver's {@code SQLException}). The strand remembers the exception whose delivery
 * interrupted it ({@link #deliveredByInterrupt}) until control comes back to this library, which
 * settles it: the end of the {@code Timeout}'s scope ({@link #settleInterruptDelivery}), the next
 * wait point ({@link #throwPending}), or the end of a killed greenlet. A timeout's exception whose
 * interrupt a JDK call consumed (the interrupt status is clear again) has surfaced there: it is
 * spent, never raised again at a later wait point. A kill's exception stays pending until raised.
 * On one hub a delivery runs on the loop thread while the greenlet is unmounted, so the greenlet
 * never sees half of it; a plain thread timed out from the default hub may, in a window of a few
 * instructions between the flag writes and {@code Thread.interrupt()}.
 */
public abstract class Strand {
    /** The deadline of a wait without a time-out. */
    public static final long NO_DEADLINE = Long.MAX_VALUE;

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

    /**
     * What the owner of a delivered exception does once it is raised at a wait point (a
     * Timeout records the point of raise), installed once by that owner's class. The engine
     * names no class above it.
     */
    public interface RaiseHook {
        /** Called on the strand's thread just before {@code raised} is thrown at a wait point. */
        void beforeRaise(Throwable raised);
    }

    private static volatile RaiseHook raiseHook;

    /** Installs the {@link RaiseHook} (once, by the class whose exceptions need it). */
    public static void setRaiseHook(RaiseHook hook) {
        raiseHook = hook;
    }
    /** Set when a delivery had to interrupt the thread (blocked in a JDK call, not in a waiter); cleared once that interrupt is seen. */
    private volatile boolean interruptedByDelivery;
    /**
     * The exception whose delivery interrupted the thread, until raised at a wait point or settled
     * by its scope. Written before {@link #interruptedByDelivery} and the interrupt.
     */
    private volatile Throwable deliveredByInterrupt;
    /** Whether {@link #deliveredByInterrupt} is a timeout's (spent once a JDK call consumed the interrupt) rather than a kill's. */
    private volatile boolean deliveredByTimeout;

    /** The thread that runs this strand, or null if it has none (yet, or any more). */
    public abstract Thread thread();

    /** The waiter this strand is parked on in a library wait, or null. Any thread (volatile read). */
    public final Waiter waiter() {
        return waiter;
    }

    /** Now, on the clock that this strand's deadlines are measured on. */
    abstract long now();

    /** Arms a wake-up of {@code w} at its deadline. Returns false if the strand waits by timed park instead. */
    abstract boolean armTimer(Waiter w);

    /** Cancels a timer armed by {@link #armTimer}. */
    abstract void disarmTimer(Waiter w);

    /** The strand of the calling thread. Fails on a hub's loop thread, which must never block. */
    public static Strand current() {
        Thread t = Thread.currentThread();
        LoopStrand s = LoopStrand.of(t);
        if (s != null) {
            return s;
        }
        Loop loop = Loops.onThisThread();
        if (loop != null) {
            throw new IllegalStateException("Impossible to block in a callback of " + loop
                    + ": callbacks and raw links run on the hub's loop and must not block;"
                    + " spawn a greenlet for blocking work");
        }
        return ThreadStrand.of(t);
    }

    /** Sleeps {@code nanos} (positive) on this strand's clock; the caller is this strand. */
    public void sleep(long nanos) {
        await(new Waiter(this), deadlineAfter(nanos));
    }

    /** Converts a relative timeout to a deadline on this strand's clock (saturating). */
    public final long deadlineAfter(long nanos) {
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
    public final boolean deliver(Throwable exception) {
        return deliver(exception, false);
    }

    /**
     * {@link #deliver(Throwable)} for a {@code Timeout}'s exception ({@code fromTimeout}): if it has
     * to interrupt a JDK call, the call's own exception counts as its one raise.
     */
    public final boolean deliver(Throwable exception, boolean fromTimeout) {
        for (;;) {
            if (PENDING.compareAndSet(this, null, exception)) {
                break;
            }
            Throwable current = pending;
            if (current == null) {
                continue;
            }
            // A timeout's exception that already surfaced as a JDK call's exception (the call was
            // interrupted) must not shield the strand from a kill: a body that caught the call's
            // exception and blocks again (a retry loop) would never die. The kill takes its slot.
            if (!fromTimeout && current == deliveredByInterrupt && deliveredByTimeout
                    && PENDING.compareAndSet(this, current, exception)) {
                deliveredByInterrupt = null;
                break;
            }
            return false;
        }
        Waiter w = waiter;
        if (w != null) {
            w.interrupt();
        } else {
            // Fall-back for JDK-internal blocking (Thread.sleep, java.net.Socket...): the thread is
            // parked but not in one of our waiters, so only an interrupt reaches it. The exception
            // itself is raised at the next wait point of this library.
            int poked = interruptIfParkedInJdk(exception, fromTimeout);
            if (poked == RUNNING || (poked == INTERRUPTED && !fromTimeout)) {
                // Running (or ready to run): it may reach a wait point of ours, or park in a JDK
                // call next; look again shortly, until one of the two happened. A kill keeps
                // looking after its interrupt: a body that caught the call's exception and blocks in
                // another JDK call is interrupted again, until the kill is raised or it ends.
                Repoke r = new Repoke(exception, fromTimeout);
                repoke = r;
                r.schedule();
            }
        }
        return true;
    }

    private static final int SETTLED = 0;
    private static final int INTERRUPTED = 1;
    private static final int RUNNING = 2;

    /**
     * Interrupts this strand's thread if it is parked outside our waiters (in a JDK call) while
     * {@code exception} is pending (not again while an interrupt is still set). Returns RUNNING if
     * the thread is running or ready to run (look again later), INTERRUPTED if it is parked in the
     * JDK with an interrupt, SETTLED if nothing more is needed (no thread, ended, in a waiter).
     */
    private int interruptIfParkedInJdk(Throwable exception, boolean fromTimeout) {
        Thread t = thread();
        if (t == null || t == Thread.currentThread() || pending != exception || waiter != null) {
            return SETTLED; // a waiter, once published, reads pending itself (Dekker)
        }
        Thread.State s = t.getState();
        if (s == Thread.State.TERMINATED) {
            return SETTLED;
        }
        if (s != Thread.State.WAITING && s != Thread.State.TIMED_WAITING) {
            return RUNNING;
        }
        if (t.isInterrupted()) {
            return INTERRUPTED;
        }
        deliveredByTimeout = fromTimeout;
        deliveredByInterrupt = exception;
        interruptedByDelivery = true;
        if (waiter == null) {
            t.interrupt();
        }
        return INTERRUPTED;
    }

    /** The loop whose timers re-check a delivery that found the strand running. */
    abstract Loop timerLoop();

    /** A delivery that found the thread running (or a kill), re-checked with a growing delay (1 to 16 ms). */
    private volatile Repoke repoke;

    private final class Repoke extends Timer {
        private final Throwable exception;
        private final boolean fromTimeout;
        private long delayNanos = 1_000_000;

        Repoke(Throwable exception, boolean fromTimeout) {
            this.exception = exception;
            this.fromTimeout = fromTimeout;
        }

        void schedule() {
            try {
                timerLoop().timers().addFromAnyThread(this, delayNanos);
            } catch (RuntimeException closedHub) {
                repoke = null; // nothing can look again: the next wait point still raises it
            }
        }

        @Override
        protected void fire() {
            if (repoke != this) {
                return;
            }
            int poked = interruptIfParkedInJdk(exception, fromTimeout);
            if (poked == SETTLED || (poked == INTERRUPTED && fromTimeout)) {
                if (repoke == this) {
                    repoke = null;
                }
                return;
            }
            delayNanos = Math.min(delayNanos * 2, 16_000_000);
            schedule();
        }
    }

    /** Stops re-checking a delivery: its exception was raised, settled or discarded. */
    private void cancelRepoke() {
        Repoke r = repoke;
        if (r != null) {
            repoke = null;
            timerLoop().timers().removeFromAnyThread(r);
        }
    }

    /** Withdraws {@code exception} if it is still pending (not yet raised). */
    public final boolean withdraw(Throwable exception) {
        if (!PENDING.compareAndSet(this, exception, null)) {
            return false;
        }
        cancelRepoke();
        return true;
    }

    public final boolean hasPending() {
        return pending != null;
    }

    /** Raises the pending exception, if any. Called by the strand itself at each wait point. */
    public final void raisePending() {
        if (pending != null) {
            throwPending();
        }
    }

    private void throwPending() {
        Throwable p = pending;
        if (p == null) {
            return;
        }
        cancelRepoke();
        if (p == deliveredByInterrupt) {
            // Our interrupt reached a JDK call. Still set: nobody saw it (or the call kept it, as
            // NIO's close-by-interrupt does); clear it and raise here. Already clear: the JDK call
            // consumed it and threw its own exception; a timeout's exception has then surfaced and is
            // spent (it stays in deliveredByInterrupt for its scope's end); a kill's is raised here.
            boolean seen = !interruptedByDelivery || !Thread.interrupted();
            interruptedByDelivery = false;
            if (seen && deliveredByTimeout) {
                PENDING.compareAndSet(this, p, null);
                return;
            }
            deliveredByInterrupt = null;
        } else if (interruptedByDelivery) {
            interruptedByDelivery = false;
            Thread.interrupted(); // the interrupt was ours, not the application's
        }
        p = (Throwable) PENDING.getAndSet(this, null);
        if (p == null) {
            return;
        }
        RaiseHook hook = raiseHook;
        if (hook != null) {
            hook.beforeRaise(p);
        }
        throw rethrowUnchecked(p);
    }

    /** Throws {@code t} as it is if unchecked; a checked one cannot be raised at a wait point. */
    public static RuntimeException rethrowUnchecked(Throwable t) {
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("a checked exception cannot be raised at a wait point", t);
    }

    /** Discards whatever is pending; the strand has finished and has no more wait points. */
    public final void clearPending() {
        pending = null;
        cancelRepoke();
        deliveredByInterrupt = null;
        interruptedByDelivery = false;
    }

    /**
     * Called on this strand where the scope of {@code exception}'s deliverer ends (a timeout's
     * close): true if its delivery interrupted a JDK call and it was never raised at a wait point,
     * i.e. the body saw it only as that call's exception, or not at all. Then it is no longer
     * pending and the interrupt, if still set, is cleared: nothing of it leaks past the scope.
     */
    public final boolean settleInterruptDelivery(Throwable exception) {
        if (exception == null || deliveredByInterrupt != exception) {
            return false;
        }
        deliveredByInterrupt = null;
        cancelRepoke();
        PENDING.compareAndSet(this, exception, null);
        if (interruptedByDelivery) {
            interruptedByDelivery = false;
            Thread.interrupted(); // ours: left set by a call that did not consume it
        }
        return true;
    }

    /**
     * The kill exception whose delivery interrupted a JDK call and that no wait point has raised
     * yet, or null. Read at the end of a greenlet's body: such a kill is its outcome.
     */
    public final Throwable unraisedKill() {
        Throwable d = deliveredByInterrupt;
        return d != null && !deliveredByTimeout ? d : null;
    }

    // ---------------------------------------------------------------- waiting

    /**
     * Parks the calling strand (which must be this one) on {@code w} until it is notified, its
     * deadline passes, or an exception is delivered. Returns true if notified, false on time-out.
     * An application interrupt does not end the wait; the interrupt status is kept.
     */
    public final boolean await(Waiter w, long deadline) {
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
     * park first, the same bytecodes run after the park in the warm-up (WaitPathWarmUp,
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
     * Ends a sleep of {@link LoopStrand#sleep} once {@link #parkWhileWaiting} returned: raises a
     * delivered exception; returns true if it was withdrawn before the strand ran and the
     * deadline has not passed (the caller sleeps on, in the same loop: one sleep path).
     */
    final boolean afterSleep(Waiter w) {
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
            return w.deadline - now() > 0;
        }
        return false;
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
