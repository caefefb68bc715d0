package io.gevent4j;

import io.gevent4j.internal.Strand;
import io.gevent4j.internal.WaitList;

import java.time.Duration;
import java.util.List;

/**
 * A counting semaphore for strands: gevent's {@code Semaphore}, FIFO-fair. A released permit
 * goes to the strand that has waited longest, so two greenlets that release and re-acquire in a
 * loop cannot starve a third. Releasing more than was acquired is allowed (it raises the count);
 * {@link BoundedSemaphore} forbids it.
 *
 * <p>Who may call it: any thread, any greenlet on any hub; permits are not owned, so one strand
 * may release what another acquired. A permit handed to a waiter on another hub or thread costs
 * a cross-thread wake-up.
 *
 * <p>{@link #acquire()} parks the calling greenlet (or blocks a plain thread) while no permit is
 * free; {@link #acquire(Duration)} returns {@code false} on time-out; {@link #tryAcquire()}
 * never blocks. An enclosing {@link Timeout} or a kill interrupts a wait, and a strand whose
 * wait ended that way holds no permit. As a {@link Waitable} it is ready while a permit is free.
 *
 * {@snippet :
 * Semaphore connections = new Semaphore(10);
 * try (var permit = connections.hold()) {
 *     talkToServer();
 * }
 * }
 */
public sealed class Semaphore implements Waitable permits BoundedSemaphore {
    /*
     * Implementation overview.
     *
     * Invariant (under `lock`): if any strand waits, `permits` is 0 (a release with waiters hands
     * its permit to the first waiter instead of counting it). acquire() therefore takes a permit
     * only when `permits > 0`, which implies nobody waits: newcomers never overtake. A waiter that
     * timed out or was killed loses the notify CAS in grantFirst, and the permit goes on to the
     * next one. If the permit was granted but the strand raises a delivered exception at the
     * start of its park (the one race WaitList documents), the permit is released again.
     *
     * Lock-free fast path: `permits` only grows under `lock`, and a waiter enqueues (under
     * `lock`) only after it saw 0 there. So a CAS that takes a permit while `permits > 0` cannot
     * overtake a waiter (there is none while it is positive) and an uncontended acquire needs no
     * monitor. Decrements are CASes everywhere; increments happen under the lock by CAS too, so
     * both kinds compose.
     */
    private static final java.lang.invoke.VarHandle PERMITS;

    static {
        try {
            PERMITS = java.lang.invoke.MethodHandles.lookup().findVarHandle(Semaphore.class, "permits", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Object lock = new Object();
    private final WaitList waiters = new WaitList(lock);
    volatile int permits;

    /** A semaphore with {@code permits} free permits (zero or more). */
    public Semaphore(int permits) {
        if (permits < 0) {
            throw new IllegalArgumentException("permits must not be negative: " + permits);
        }
        this.permits = permits;
    }

    /** Takes a permit, waiting as long as needed. */
    public void acquire() {
        acquireNanos(Strand.NO_DEADLINE);
    }

    /** Takes a permit, waiting at most {@code timeout}; returns whether it got one. */
    public boolean acquire(Duration timeout) {
        return acquireNanos(Hub.toNanos(timeout));
    }

    /** Takes a permit if one is free and no strand waits for one; never blocks. */
    public boolean tryAcquire() {
        return takeFast();
    }

    /** Takes a permit with a CAS while one is free; see the overview for why this is FIFO-safe. */
    private boolean takeFast() {
        for (int p = permits; p > 0; p = permits) {
            if (PERMITS.compareAndSet(this, p, p - 1)) {
                return true;
            }
        }
        return false;
    }

    boolean acquireNanos(long nanos) {
        if (takeFast()) { // no monitor, no strand look-up
            return true;
        }
        Strand s;
        WaitList.Node n;
        synchronized (lock) {
            if (takeFast()) {
                return true;
            }
            if (nanos <= 0) { // a zero wait never blocks: fine on a hub's loop too
                WaitList.raisePendingOfCaller();
                return false;
            }
            s = Strand.current(); // cheap, never blocks; raises on a hub's loop

            n = waiters.add(s, null);
        }
        return waiters.park(n, s.deadlineAfter(nanos), granted -> releaseLocked());
    }

    /**
     * Returns a permit: to the longest-waiting strand if any, else to the count. Returns the
     * number of free permits after the release.
     */
    public int release() {
        List<Runnable> actions;
        int after;
        synchronized (lock) {
            checkRelease();
            releaseLocked();
            after = permits;
            actions = after > 0 && waiters.hasActions() ? waiters.takeActions() : List.of();
        }
        WaitList.run(actions);
        return after;
    }

    /** Hook of {@link BoundedSemaphore}; called under the lock before a release. */
    void checkRelease() {}

    private void releaseLocked() {
        if (waiters.isEmpty() || waiters.grantFirst(null) == null) {
            PERMITS.getAndAdd(this, 1);
        }
    }

    /** Takes a permit and returns it as a resource that releases it on close. */
    public Permit hold() {
        acquire();
        return new Permit(this);
    }

    /** A held permit: {@link #close()} releases it, once. */
    public static final class Permit implements AutoCloseable {
        private Semaphore owner;

        Permit(Semaphore owner) {
            this.owner = owner;
        }

        @Override
        public void close() {
            Semaphore s = owner;
            if (s != null) {
                owner = null;
                s.release();
            }
        }
    }

    /**
     * Waits at most {@code timeout} until a permit is free, without taking it (gevent's
     * {@code wait}); returns the number of free permits then (0 on time-out).
     */
    public int awaitAvailable(Duration timeout) {
        return awaitAvailableNanos(Hub.toNanos(timeout));
    }

    int awaitAvailableNanos(long nanos) {
        if (permits > 0) {
            return permits;
        }
        Event free = new Event();
        Registration r = whenReady(free::set);
        try {
            free.awaitNanos(nanos);
        } finally {
            r.close();
        }
        return Math.max(0, permits);
    }

    /** The number of free permits now. */
    public int availablePermits() {
        return permits;
    }

    /** Whether no permit is free (gevent's {@code locked()}). */
    public boolean locked() {
        return permits <= 0;
    }

    /** The number of strands waiting for a permit (an estimate while they come and go). */
    public int queueLength() {
        synchronized (lock) {
            return waiters.size();
        }
    }

    /** Ready while a permit is free. */
    @Override
    public boolean ready() {
        return permits > 0;
    }

    /** Runs {@code action} once a permit is free (it does not take it). */
    @Override
    public Registration whenReady(Runnable action) {
        synchronized (lock) {
            if (permits <= 0) {
                return waiters.addAction(action)::close;
            }
        }
        action.run();
        return () -> {};
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[permits=" + permits + ", waiting=" + queueLength() + "]";
    }
}
