package io.gevent4j;

import java.util.Optional;

/**
 * Receives what failed on a hub: a greenlet that ended with an uncaught exception (reported once,
 * when it dies), or a callback, raw link or timer that threw. Runs on the hub's loop thread or
 * on the failing greenlet's thread; it must not block. An exception thrown by a handler is
 * caught and logged; it never stops the hub.
 *
 * <p>{@link GreenletExit} is never reported: it means "killed", which counts as success.
 */
@FunctionalInterface
public interface HubErrorHandler {

    /**
     * Handles an error that nothing else handled.
     *
     * @param hub the hub on which it failed
     * @param greenlet the greenlet that failed, or empty for a callback, link or timer
     * @param error what was thrown
     */
    void handle(Hub hub, Optional<Greenlet<?>> greenlet, Throwable error);

    /** The default: one WARNING record on the {@code io.gevent4j} System.Logger with the stack trace. */
    static HubErrorHandler logging() {
        return Hub.LOGGING_HANDLER;
    }
}
