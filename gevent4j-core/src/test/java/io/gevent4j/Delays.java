package io.gevent4j;

import java.time.Duration;

/**
 * Named delays for real-time tests, scaled by the system property
 * {@code gevent4j.test.delayFactor} (JSR-166 TCK style). Assert elapsed time from below only.
 */
final class Delays {
    static final double FACTOR = Double.parseDouble(System.getProperty("gevent4j.test.delayFactor", "1"));

    /** Short enough to keep tests fast, long enough to be observable. */
    static final Duration SHORT = scaled(50);
    /** A few SHORTs. */
    static final Duration MEDIUM = scaled(200);
    /** Bounds a wait that is expected to succeed well before it. */
    static final Duration LONG = scaled(5_000);

    private Delays() {}

    static Duration scaled(long millis) {
        return Duration.ofMillis(Math.max(1, Math.round(millis * FACTOR)));
    }

    static long millis(Duration d) {
        return d.toMillis();
    }
}
