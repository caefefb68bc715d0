package io.gevent4j;

import io.gevent4j.internal.Strand;
import io.gevent4j.internal.WaitList;
import io.gevent4j.internal.ThreadStrand;

import java.time.Duration;

/**
 * A re-entrant lock owned by a strand (a greenlet, or a plain thread): gevent's {@code RLock}.
 * The owner may acquire it again; it is free once released as many times. Waiters get it in
 * arrival order. {@link #newCondition()} gives condition variables bound to it.
 *
 * <p>Who may call it: any thread, any greenlet on any hub. Only the owner may release it;
 * anyone else gets {@link IllegalMonitorStateException}.
 *
 * <p>{@link #acquire()} parks the calling greenlet (or blocks a plain thread) while another
 * strand owns it; {@link #acquire(Duration)} returns {@code false} on time-out. An enclosing
 * {@link Timeout} or a kill interrupts the wait, and then the strand does not own the lock. As
 * a {@link Waitable} it is ready while it is free.
 *
 * <p>Within one hub a {@code java.util.concurrent.locks.ReentrantLock} would also work (a
 * greenlet is a virtual thread), but its waits are not interrupted by {@link Timeout} or
 * {@link Greenlet#kill()}, and its owner is never the greenlet of a raw link; use this one.
 *
 * {@snippet :
 * RLock lock = new RLock();
 * try (var held = lock.hold()) {
 *     update();
 * }
 * }
 */
public final class RLock implements Waitable {
    /*
     * Implementation overview.
     *
     * Under `lock`: `owner` and `holds`. Invariant: if a strand waits, the lock is owned (a
     * release with waiters hands ownership to the first still-waiting one, setting owner/holds
     * for it before it wakes). So a newcomer takes a free lock only when nobody waits: FIFO.
     * `owner` is volatile for the lock-free reads of isHeldByCurrentStrand()/ready().
     * A Condition's waiters live in their own WaitList under the same monitor: registering on
     * the condition and releasing the lock happen in one critical section, so no signal is lost.
     */
    private final Object lock = new Object();
    private final WaitList waiters = new WaitList(lock);
    private volatile Strand owner;
    private int holds;

    /** A new, free lock. */
    public RLock() {}

    /** Acquires it, waiting as long as needed; returns at once if the caller owns it already. */
    public void acquire() {
        acquireNanos(Strand.current(), Strand.NO_DEADLINE);
    }

    /** Acquires it, waiting at most {@code timeout}; returns whether the caller owns it now. */
    public boolean acquire(Duration timeout) {
        return acquireNanos(Strand.current(), Hub.toNanos(timeout));
    }

    /** Acquires it if it is free (or already the caller's) and nobody waits; never blocks. */
    public boolean tryAcquire() {
        Strand s = Strand.current();
        synchronized (lock) {
            return takeIfFree(s);
        }
    }

    /** Guarded by lock. */
    private boolean takeIfFree(Strand s) {
        if (owner == s) {
            holds++;
            return true;
        }
        if (owner == null) {
            owner = s;
            holds = 1;
            return true;
        }
        return false;
    }

    private boolean acquireNanos(Strand s, long nanos) {
        WaitList.Node n;
        // Deadlock detection (Deadlocks.cycle): an untimed wait of a greenlet is recorded.
        Greenlet<?> caller = nanos >= Strand.NO_DEADLINE / 2 ? Greenlet.ofStrand(s) : null;
        synchronized (lock) {
            if (takeIfFree(s)) {
                return true;
            }
            if (nanos <= 0) {
                s.raisePending();
                return false;
            }
            if (caller != null) {
                DeadlockException cycle = Deadlocks.cycle(caller, this);
                if (cycle != null) {
                    throw cycle;
                }
                caller.strand().waitsFor = this;
            }
            n = waiters.add(s, null);
        }
        try {
            return waiters.park(n, s.deadlineAfter(nanos), granted -> handOff());
        } finally {
            if (caller != null) {
                caller.strand().waitsFor = null;
            }
        }
    }

    /** The owner, or null; read by deadlock detection. */
    Strand currentOwner() {
        return owner;
    }

    /** Releases one hold; the last one frees the lock (for the longest waiter, if any). */
    public void release() {
        Strand s = Strand.current();
        Runnable actions;
        synchronized (lock) {
            checkOwner(s, "release");
            if (--holds > 0) {
                return;
            }
            actions = handOff();
        }
        actions.run();
    }

    private void checkOwner(Strand s, String what) {
        if (owner != s) {
            throw new IllegalMonitorStateException("cannot " + what + " an RLock that " + s + " does not own (owner: "
                    + (owner == null ? "none" : owner) + ")");
        }
    }

    /** Guarded by lock: frees the lock, giving it to the first waiter still waiting. */
    private Runnable handOff() {
        owner = null;
        holds = 0;
        WaitList.Node next = waiters.grantFirst(null);
        if (next != null) {
            owner = next.strand();
            holds = 1;
            return () -> {};
        }
        var actions = waiters.takeActions();
        return actions.isEmpty() ? () -> {} : () -> WaitList.run(actions);
    }

    /** Acquires it and returns a resource that releases it on close. */
    public Held hold() {
        acquire();
        return new Held();
    }

    /** A hold of this lock: {@link #close()} releases it, once. */
    public final class Held implements AutoCloseable {
        private boolean closed;

        private Held() {}

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                release();
            }
        }
    }

    /** Whether some strand owns it (gevent's {@code locked()}). */
    public boolean locked() {
        return owner != null;
    }

    /** Whether the calling greenlet or thread owns it. */
    public boolean isHeldByCurrentStrand() {
        Greenlet<?> g = Greenlet.of(Thread.currentThread());
        Strand s = owner;
        return s != null && (g != null ? s == g.strand() : s == ThreadStrand.of(Thread.currentThread()));
    }

    /** How many times the owner holds it (0 when free). */
    public int holdCount() {
        synchronized (lock) {
            return holds;
        }
    }

    /** Ready while free. */
    @Override
    public boolean ready() {
        return owner == null;
    }

    @Override
    public Registration whenReady(Runnable action) {
        synchronized (lock) {
            if (owner != null) {
                return waiters.addAction(action)::close;
            }
        }
        action.run();
        return () -> {};
    }

    /** A new condition variable bound to this lock. */
    public Condition newCondition() {
        return new Condition();
    }

    /**
     * A condition variable of an {@link RLock}: the owner {@linkplain #await() waits} for a
     * signal, releasing the lock meanwhile and owning it again (with the same hold count) when
     * it returns, whatever the outcome. Signals wake waiters in FIFO order. Only the owner may
     * call its methods ({@link IllegalMonitorStateException} otherwise).
     */
    public final class Condition {
        private final WaitList signalled = new WaitList(lock);

        private Condition() {}

        /** Waits for a signal; a kill or an enclosing Timeout is raised once the lock is owned again. */
        public void await() {
            awaitNanos(Strand.NO_DEADLINE);
        }

        /** Waits at most {@code timeout} for a signal; returns whether it was signalled. */
        public boolean await(Duration timeout) {
            return awaitNanos(Hub.toNanos(timeout));
        }

        private boolean awaitNanos(long nanos) {
            Strand s = Strand.current();
            WaitList.Node n;
            int saved;
            Runnable actions;
            synchronized (lock) {
                checkOwner(s, "await a condition of");
                saved = holds;
                n = signalled.add(s, null);
                actions = handOff();
            }
            actions.run();
            boolean signalledInTime;
            Throwable failure = null;
            try {
                // A signal that raced with a delivered exception is passed on to the next waiter.
                signalledInTime = signalled.park(n, s.deadlineAfter(nanos), lost -> signalled.grantFirst(null));
            } catch (Throwable t) {
                failure = t;
                signalledInTime = false;
            }
            reacquire(s, saved, failure);
            return signalledInTime;
        }

        /** Owns the lock again with {@code saved} holds, whatever is raised meanwhile; then rethrows. */
        private void reacquire(Strand s, int saved, Throwable failure) {
            for (;;) {
                try {
                    acquireNanos(s, Strand.NO_DEADLINE);
                    break;
                } catch (Throwable t) {
                    if (failure == null) {
                        failure = t;
                    } else if (failure != t) {
                        failure.addSuppressed(t);
                    }
                }
            }
            synchronized (lock) {
                holds = saved;
            }
            if (failure != null) {
                throw Timeout.rethrowUnchecked(failure);
            }
        }

        /** Wakes the longest-waiting strand, if any. */
        public void signal() {
            synchronized (lock) {
                checkOwner(Strand.current(), "signal a condition of");
                signalled.grantFirst(null);
            }
        }

        /** Wakes every waiting strand. */
        public void signalAll() {
            synchronized (lock) {
                checkOwner(Strand.current(), "signal a condition of");
                signalled.grantAll(null);
            }
        }
    }

    @Override
    public String toString() {
        Strand o = owner;
        return "RLock[" + (o == null ? "free" : "owned by " + o) + "]";
    }
}
