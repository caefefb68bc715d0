package io.gevent4j;

import java.time.Duration;

/**
 * Receives the {@link Watchdog}'s reports: once when a hub is found blocked, and once when that
 * episode ends. Set it with {@link Watchdog#setListener}.
 *
 * <p>Called on the watchdog's own thread, one call at a time. It may block briefly (it delays
 * the watchdog's next sample, not any hub); what it throws is logged and ignored.
 *
 * {@snippet :
 * Watchdog.setListener(report -> metrics.counter("hub.blocked", report.greenletName()).increment());
 * Watchdog.enable(Duration.ofMillis(50));
 * }
 */
@FunctionalInterface
public interface BlockingListener {

    /** A hub has run one slice for longer than the threshold; called once per episode. */
    void hubBlocked(BlockingReport report);

    /**
     * The episode reported by {@link #hubBlocked} has ended: the hub ran on. {@code blockedFor}
     * is the watchdog's estimate of the whole episode (within one sampling period).
     */
    default void hubRecovered(Hub hub, Duration blockedFor) {}
}
