package io.gevent4j;

import java.util.Objects;
import java.util.concurrent.CompletionException;

/**
 * gevent's {@code with spawn(f) as g:} for a {@link Greenlet}: the try-with-resources close (join;
 * kill if that join is cut short) and {@link Greenlet#scoped} (also kill when the body throws).
 */
final class GreenletScope {
    private GreenletScope() {
    }

    /** {@link Greenlet#close()}. */
    static void close(Greenlet<?> g) {
        if (Greenlet.of(Thread.currentThread()) == g) {
            throw new IllegalStateException(g + " cannot close itself: it would wait forever");
        }
        boolean done = false;
        try {
            g.join();
            done = true;
        } finally {
            if (!done) {
                g.kill(); // gevent's `finally: self.kill()`: the caller's exception stays the one raised
            }
        }
    }

    /** {@link Greenlet#scoped}. */
    static <R, X extends Exception> R scoped(Greenlet<?> g, Gevent.Block<R, X> body) throws X {
        Objects.requireNonNull(body, "body");
        R value;
        try {
            value = body.run();
        } catch (RuntimeException | Error e) {
            killAfterScope(g, e);
            throw e;
        } catch (Exception e) {
            killAfterScope(g, new CompletionException(e));
            throw e;
        }
        close(g);
        return value;
    }

    private static void killAfterScope(Greenlet<?> g, Throwable bodyFailure) {
        if (Greenlet.of(Thread.currentThread()) == g) {
            return; // the body ran in this greenlet: its exception ends it anyway
        }
        g.kill(bodyFailure);
    }
}
