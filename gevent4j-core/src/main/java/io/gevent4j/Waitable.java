package io.gevent4j;

/**
 * Something a strand can wait for with {@link Gevent#await} and {@link Gevent#iwait}: a
 * greenlet, and the coordination primitives built on the hub's one way to wait.
 *
 * <p>Thread-safe: any thread may register, and the object may become ready on any thread.
 */
public interface Waitable {

    /** Whether it is ready now (a greenlet: finished). */
    boolean ready();

    /**
     * Runs {@code action} once, as soon as this is ready: at once on the calling thread if it is
     * ready already, otherwise on the thread that makes it ready. The action must not block.
     * Closing the returned registration before then prevents the action.
     *
     * <p>The one rule of every callback list of the library (these actions, and a greenlet's
     * links): callbacks run in registration order, taken one at a time from the current list, so
     * one that an earlier callback of the same notification removed (here: closed its
     * registration) does not run, as in gevent.
     */
    Registration whenReady(Runnable action);

    /** A registration made by {@link #whenReady}; closing it is idempotent. */
    interface Registration extends AutoCloseable {
        @Override
        void close();
    }
}
