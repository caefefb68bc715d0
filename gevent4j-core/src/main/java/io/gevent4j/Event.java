package io.gevent4j;

import java.time.Duration;
import java.util.List;

/**
 * A flag that strands wait for: gevent's {@code Event}. {@link #set()} wakes every waiter,
 * first-in first-out; {@link #clear()} lowers the flag again.
 *
 * <p>Who may call it: any thread, any greenlet on any hub; the same event may be shared by
 * greenlets of different hubs and plain threads (a waiter on another hub or thread is woken
 * across threads, which costs about a cross-thread wake-up each).
 *
 * <p>{@link #await()} parks the calling greenlet (or blocks a plain thread) until the flag is
 * set; {@link #await(Duration)} returns {@code false} on time-out, without raising. Both return
 * {@code true} if the flag was set at any moment during the wait, even if it was cleared again
 * before the waiter ran. An enclosing {@link Timeout} or a kill interrupts the wait. A caller
 * that finds the flag set while the waiters it woke have not run yet takes its turn after them
 * (gevent #1520), unless its time-out is zero or it is a hub's callback: a zero wait never blocks
 * and works on a hub's loop too.
 *
 * {@snippet :
 * Event started = new Event();
 * Gevent.spawn(() -> { prepare(); started.set(); serve(); });
 * if (!started.await(Duration.ofSeconds(1))) {
 *     throw new IllegalStateException("not started in time");
 * }
 * }
 */
public final class Event implements Waitable {
    /*
     * Implementation overview.
     *
     * `flag` is volatile so isSet()/ready() need no lock. Waiters are nodes of a WaitList guarded
     * by `lock`; set() takes all of them under the lock (and the whenReady actions) and notifies
     * them in order, so a waiter is woken by the set that happened while it was registered, even
     * if a clear() follows at once: "set at any moment during the wait". A waiter that timed out
     * concurrently loses the notify CAS and reports false: its time-out won.
     *
     * Wake-up order (gevent #1520): `notifying` counts the waiters a set() woke that have not
     * resumed yet. A caller that finds the flag set while it is positive must not overtake them:
     * it parks in `behind`, which the last of them to resume grants (in arrival order). Every
     * woken waiter resumes (its wait returns, or raises, and the finally block counts it), so
     * `behind` is always released; a zero wait and a hub's loop never park there.
     */
    private final Object lock = new Object();
    private final WaitList waiters = new WaitList(lock);
    /** Callers that found the flag set while woken waiters had not run yet; guarded by lock. */
    private final WaitList behind = new WaitList(lock);
    private volatile boolean flag;
    /** Waiters woken by set() that have not resumed yet; written under lock. */
    private volatile int notifying;

    /** A new event, not set. */
    public Event() {}

    /** Sets the flag and wakes every waiter (FIFO) and runs every whenReady action. Thread-safe. */
    public void set() {
        List<Runnable> actions;
        synchronized (lock) {
            if (flag) {
                return;
            }
            flag = true;
            notifying += waiters.grantAll(Boolean.TRUE);
            actions = waiters.takeActions();
        }
        WaitList.run(actions);
    }

    /** Lowers the flag; later waits block until the next {@link #set()}. */
    public void clear() {
        synchronized (lock) {
            flag = false;
        }
    }

    /** Whether the flag is set now. */
    public boolean isSet() {
        return flag;
    }

    /** Same as {@link #isSet()}. */
    @Override
    public boolean ready() {
        return flag;
    }

    /** Waits until the flag is set; returns at once if it is. */
    public void await() {
        awaitNanos(Strand.NO_DEADLINE);
    }

    /**
     * Waits at most {@code timeout} for the flag; returns whether it was set at any moment during
     * the wait ({@code false} on time-out: no exception).
     */
    public boolean await(Duration timeout) {
        return awaitNanos(Hub.toNanos(timeout));
    }

    boolean awaitNanos(long nanos) {
        if (flag && (notifying == 0 || nanos <= 0)) {
            return true;
        }
        if (nanos <= 0) { // a zero wait never blocks: fine on a hub's loop too
            WaitList.raisePendingOfCaller();
            return flag;
        }
        if (flag && Greenlet.of(Thread.currentThread()) == null && Hub.LOOP.get() != null) {
            return true; // a hub's loop cannot wait its turn behind the woken waiters
        }
        Strand s = Strand.ofCaller();
        WaitList.Node n;
        boolean late;
        synchronized (lock) {
            late = flag;
            if (late) {
                if (notifying == 0) {
                    return true;
                }
                n = behind.add(s, null);
            } else {
                n = waiters.add(s, null);
            }
        }
        if (late) {
            behind.park(n, s.deadlineAfter(nanos), null);
            return true; // set during the wait, whether or not the turn came before the time-out
        }
        try {
            return waiters.park(n, s.deadlineAfter(nanos), null);
        } finally {
            if (n.granted()) {
                resumed();
            }
        }
    }

    /** A waiter woken by set() has resumed; the last one lets the late callers run. */
    private void resumed() {
        synchronized (lock) {
            if (--notifying == 0) {
                behind.grantAll(Boolean.TRUE);
            }
        }
    }

    @Override
    public Registration whenReady(Runnable action) {
        synchronized (lock) {
            if (!flag) {
                return waiters.addAction(action);
            }
        }
        action.run();
        return WaitList.done();
    }

    @Override
    public String toString() {
        return "Event[" + (flag ? "set" : "clear") + "]";
    }
}
