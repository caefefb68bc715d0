package io.gevent4j;

import io.gevent4j.internal.Strand;
import io.gevent4j.internal.WaitList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;

/**
 * Waiting for a {@link Greenlet} and reading its outcome: the join (with its deadlock check), the
 * gevent-style outcome ({@link Greenlet#result()}) and the {@link java.util.concurrent.Future}
 * one ({@link Greenlet#get()}). Stateless: the state is the greenlet's.
 */
final class GreenletJoin {
    private GreenletJoin() {
    }

    /** The slow path of {@link Greenlet#joinNanos}: the greenlet was not DONE at the first look. */
    static <T> boolean join(Greenlet<T> g, long nanos) {
        if (nanos <= 0 && WaitList.onLoop()) {
            return false; // a zero wait never blocks: fine on a hub's loop too
        }
        Strand s = Strand.current();
        if (s == g.strand()) {
            throw new DeadlockException(g + " cannot join itself: it would wait forever", List.of(g));
        }
        // Deadlock detection (Deadlocks.cycle): an untimed join between greenlets of one hub is
        // recorded while it waits, so that the join that closes a cycle fails instead of parking.
        Greenlet<?> c = Greenlet.ofStrand(s);
        Greenlet<?> caller = nanos >= Strand.NO_DEADLINE / 2 && c != null && c.hub() == g.hub() ? c : null;
        if (caller != null) {
            DeadlockException cycle = Deadlocks.cycle(caller, g);
            if (cycle != null) {
                throw cycle;
            }
            caller.strand().waitsFor = g;
        }
        WaitList.Node n;
        GreenletLinks<T> ls;
        synchronized (g) {
            if (g.state == Greenlet.DONE) {
                if (caller != null) {
                    caller.strand().waitsFor = null;
                }
                return true;
            }
            ls = GreenletLinks.of(g);
            n = ls.addJoiner(s);
        }
        try {
            ls.park(n, s.deadlineAfter(nanos));
        } finally {
            if (caller != null) {
                caller.strand().waitsFor = null;
            }
        }
        return g.state == Greenlet.DONE;
    }

    /** gevent's outcome of a DONE greenlet: its value, null if killed, or its failure rethrown. */
    static <T> T outcomeOrThrow(Greenlet<T> g) {
        if (g.kind == Greenlet.FAILED) {
            throw Timeout.rethrowFailure((Throwable) g.outcome);
        }
        return g.kind == Greenlet.VALUE ? g.uncheckedValue() : null;
    }

    /** {@link Greenlet#get}'s wait: interruptible as {@link java.util.concurrent.Future} requires. */
    static boolean awaitInterruptibly(Greenlet<?> g, long nanos) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        boolean done = g.joinNanos(nanos);
        if (!done && Thread.interrupted()) {
            throw new InterruptedException();
        }
        return done;
    }

    /** The Future outcome of a DONE greenlet. */
    static <T> T futureOutcome(Greenlet<T> g) throws ExecutionException {
        return switch (g.kind) {
            case Greenlet.VALUE -> g.uncheckedValue();
            case Greenlet.EXITED -> throw (CancellationException) new CancellationException(g + " was killed")
                    .initCause((Throwable) g.outcome);
            default -> throw new ExecutionException((Throwable) g.outcome);
        };
    }
}
