package io.gevent4j;

import io.gevent4j.internal.Timer;

/**
 * A {@link Greenlet}'s life cycle: start (now or after a delay), the first and last steps of its
 * body on its own thread, and the one transition to DONE (by its end, or by a kill before it
 * ran), which takes its links and announces the outcome. Stateless: the state is the greenlet's.
 */
final class GreenletLife {
    private GreenletLife() {
    }

    /** {@link Greenlet#start()}. */
    static void start(Greenlet<?> g) {
        checkHubOpen(g);
        if (Greenlet.STATE.compareAndSet(g, Greenlet.NEW, Greenlet.SCHEDULED)) {
            SpawnCallbacks.onStart(g);
            g.strand().startThread();
        }
    }

    /** {@link Greenlet#startLater}: the thread starts from a timer of its hub. */
    static void startLater(Greenlet<?> g, long nanos) {
        checkHubOpen(g);
        if (Greenlet.STATE.compareAndSet(g, Greenlet.NEW, Greenlet.SCHEDULED)) {
            SpawnCallbacks.onStart(g);
            Timer t = new Timer() {
                @Override
                protected void fire() {
                    if (g.state == Greenlet.SCHEDULED) {
                        g.strand().startThread();
                    }
                }
            };
            synchronized (g) {
                g.outcome = t; // the outcome slot holds the start timer until DONE
            }
            g.hub().loop().timers().addFromAnyThread(t, nanos);
        }
    }

    private static void checkHubOpen(Greenlet<?> g) {
        if (g.hub().isClosed() && g.state == Greenlet.NEW) {
            throw new IllegalStateException("cannot start " + g + ": " + g.hub() + " is closed");
        }
    }

    /** Called first on the greenlet's thread: false if it was killed before it ran. */
    static boolean begin(Greenlet<?> g) {
        if (!Greenlet.STATE.compareAndSet(g, Greenlet.SCHEDULED, Greenlet.RUNNING)) {
            return false; // killed before it ran
        }
        Hub hub = g.hub();
        if (hub.isClosed()) {
            finish(g, Greenlet.EXITED, new GreenletExit("hub " + hub.name() + " closed before the greenlet ran"));
            return false;
        }
        g.ran = true;
        g.strand().began();
        return true;
    }

    /** Called last on the greenlet's thread with its outcome. */
    static void end(Greenlet<?> g, byte k, Object o) {
        GreenletStrand s = g.strand();
        s.clearPending();
        s.ended();
        finish(g, k, o);
    }

    private static <T> void finish(Greenlet<T> g, byte k, Object o) {
        GreenletLinks<T> ls;
        synchronized (g) {
            g.outcome = o;
            g.kind = k;
            g.state = Greenlet.DONE;
            ls = detachOnDone(g);
        }
        announceDone(g, k, o, ls);
    }

    /** Under the monitor, once DONE is published: drops the task and ident, takes the links. */
    static <T> GreenletLinks<T> detachOnDone(Greenlet<T> g) {
        g.task = null;
        GreenletLinks<T> ls = g.links;
        if (ls != null) {
            ls.takeOnDone();
        }
        if (g.ident >= 0) {
            g.hub().releaseIdent(g.ident);
        }
        return ls;
    }

    /** After DONE: reports a failure (before the links, so a joiner sees it reported), then notifies. */
    static void announceDone(Greenlet<?> g, byte k, Object o, GreenletLinks<?> ls) {
        g.strand().forgetThread();
        if (k == Greenlet.FAILED) {
            g.hub().reportError(g, (Throwable) o);
        }
        if (ls != null) {
            ls.notifyDone();
        }
    }
}
