package io.gevent4j.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One wait of one strand: registered with whatever will wake it, and (with a deadline) in its
 * hub's timer heap. Exactly one of notify / fire (time-out) / interrupt (delivered exception)
 * wins the state CAS and unparks the strand. Thread-safe; any thread may notify.
 */
public final class Waiter extends Timer {
    public static final int WAITING = 0;
    public static final int NOTIFIED = 1;
    public static final int TIMED_OUT = 2;
    public static final int INTERRUPTED = 3;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Waiter.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    public final Strand strand;
    volatile int state;

    /** The state: WAITING, NOTIFIED, TIMED_OUT or INTERRUPTED. */
    public int state() {
        return state;
    }
    /** Set by the waiting strand alone: an application interrupt arrived during the wait. */
    boolean keepInterrupt;

    public Waiter(Strand strand) {
        this.strand = strand;
    }

    /** Wakes the strand as notified. Returns false if the wait had already ended. */
    public boolean notifyWaiter() {
        if (STATE.compareAndSet(this, WAITING, NOTIFIED)) {
            strand.unpark();
            return true;
        }
        return false;
    }

    public boolean isWaiting() {
        return state == WAITING;
    }

    /** The deadline passed (called by the hub's timer heap, or by a strand that waits by timed park). */
    @Override
    protected void fire() {
        if (STATE.compareAndSet(this, WAITING, TIMED_OUT)) {
            strand.unpark();
        }
    }

    void interrupt() {
        if (STATE.compareAndSet(this, WAITING, INTERRUPTED)) {
            strand.unpark();
        }
    }

    /** Back to waiting after a withdrawn exception; only the waiting strand calls this. */
    void rearm() {
        STATE.compareAndSet(this, INTERRUPTED, WAITING);
    }
}
