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
 * before the waiter ran. An enclosing {@link Timeout} or a kill interrupts the wait.
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
     */
    private final Object lock = new Object();
    private final WaitList waiters = new WaitList(lock);
    private volatile boolean flag;

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
            waiters.grantAll(Boolean.TRUE);
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
            return true;
        }
        Strand s = Strand.ofCaller();
        WaitList.Node n;
        synchronized (lock) {
            if (flag) {
                return true;
            }
            n = waiters.add(s, null);
        }
        return waiters.park(n, s.deadlineAfter(nanos), null);
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
