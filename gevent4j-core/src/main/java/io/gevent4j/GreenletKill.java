package io.gevent4j;

import io.gevent4j.internal.Timer;
import java.util.Objects;

/**
 * Killing a {@link Greenlet}: an unstarted one is made DONE at once (it never runs: the CAS from
 * NEW or SCHEDULED races its body's SCHEDULED -> RUNNING, and exactly one wins), a running one
 * gets the exception delivered to its strand (raised at its next wait point), a finished one is
 * left as it is. Stateless: the state is the greenlet's.
 */
final class GreenletKill {
    private GreenletKill() {
    }

    /** Kills, then waits at most {@code nanos} for the end; a greenlet killing itself raises here. */
    static boolean kill(Greenlet<?> g, Throwable exception, long nanos) {
        killAsync(g, exception);
        if (Greenlet.of(Thread.currentThread()) == g) {
            g.strand().raisePending(); // killing oneself: the exception is raised right here
            return false;
        }
        return g.joinNanos(nanos);
    }

    /** {@link Greenlet#killAsync(Throwable)}. */
    static <T> void killAsync(Greenlet<T> g, Throwable exception) {
        Objects.requireNonNull(exception, "exception");
        if (!(exception instanceof RuntimeException || exception instanceof Error)) {
            throw new IllegalArgumentException("a greenlet can only be killed with an unchecked exception"
                    + " (RuntimeException or Error, e.g. GreenletExit), not " + exception.getClass().getName());
        }
        for (;;) {
            int s = g.state;
            if (s == Greenlet.DONE) {
                return;
            }
            if (s == Greenlet.RUNNING) {
                g.strand().deliver(exception);
                return;
            }
            Timer pendingStart;
            GreenletLinks<T> ls;
            byte k = exception instanceof GreenletExit ? Greenlet.EXITED : Greenlet.FAILED;
            synchronized (g) {
                // The outcome is written before the CAS publishes DONE; if the body won the race
                // (SCHEDULED -> RUNNING) its own completion overwrites these under this monitor.
                // Until DONE the slot holds the start timer of a startLater (or null): restored
                // if the CAS fails, removed from the timers if it succeeds.
                Object before = g.outcome;
                g.outcome = exception;
                g.kind = k;
                if (!Greenlet.STATE.compareAndSet(g, s, Greenlet.DONE)) {
                    g.outcome = before;
                    g.kind = 0;
                    continue;
                }
                pendingStart = before instanceof Timer t ? t : null;
                ls = GreenletLife.detachOnDone(g);
            }
            if (pendingStart != null) {
                g.hub().loop().timers().removeFromAnyThread(pendingStart);
            }
            // Killed before it ran: it never will. Report a failure, then fire the links.
            GreenletLife.announceDone(g, k, exception, ls);
            return;
        }
    }
}
