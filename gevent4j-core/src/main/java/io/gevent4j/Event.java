package io.gevent4j;

import io.gevent4j.internal.Strand;
import io.gevent4j.internal.WaitList;

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
 * before the waiter ran. An enclosing {@link Timeout} or a kill interrupts the wait. A greenlet
 * that finds the flag set while waiters just woken have not run yet yields once, so those of its
 * own hub run first (gevent #1520), unless its time-out is zero. A zero wait never blocks and
 * also works in a hub's callback.
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
     * resumed yet. A greenlet that finds the flag set while it is positive must not overtake
     * them: it yields once, which queues it behind the woken greenlets of its own hub (they were
     * queued when set() unparked them). It does not wait for those of other hubs or threads,
     * whose order against it is not defined anyway, so a waiter that never resumes (its hub was
     * closed) cannot hang anyone. A zero wait and a hub's loop never yield.
     */
    private final Object lock = new Object();
    private final WaitList waiters = new WaitList(lock);
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
        if (flag) {
            if (notifying != 0 && nanos > 0 && Greenlet.of(Thread.currentThread()) != null) {
                // gevent #1520: the waiters that set() woke are queued on their hub; a greenlet
                // that yields once is queued behind those of its own hub, so they run first.
                Thread.yield();
            }
            return true;
        }
        if (nanos <= 0 && WaitList.onLoop()) {
            return false; // a zero wait never blocks: fine on a hub's loop too
        }
        Strand s = Strand.current();
        WaitList.Node n;
        synchronized (lock) {
            if (flag) {
                return true;
            }
            n = waiters.add(s, null);
        }
        try {
            return waiters.park(n, s.deadlineAfter(nanos), null);
        } finally {
            if (n.granted()) {
                resumed();
            }
        }
    }

    /** A waiter woken by set() has resumed. */
    private void resumed() {
        synchronized (lock) {
            notifying--;
        }
    }

    @Override
    public Registration whenReady(Runnable action) {
        synchronized (lock) {
            if (!flag) {
                return waiters.addAction(action)::close;
            }
        }
        action.run();
        return () -> {};
    }

    @Override
    public String toString() {
        return "Event[" + (flag ? "set" : "clear") + "]";
    }
}
