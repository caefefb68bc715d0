package io.gevent4j.cli;

import java.time.Duration;

/**
 * Named delays for the command's real-time tests, scaled by {@code gevent4j.test.delayFactor}
 * (JSR-166 TCK style). Elapsed time is asserted from below only.
 */
final class CliDelays {
    static final double FACTOR = Double.parseDouble(System.getProperty("gevent4j.test.delayFactor", "1"));
    /** Observable but short. */
    static final Duration SHORT = scaled(50);
    /** A few SHORTs. */
    static final Duration MEDIUM = scaled(400);
    /** Bounds a wait that is expected to succeed well before it. */
    static final Duration LONG = scaled(10_000);

    private CliDelays() {}

    static Duration scaled(long millis) {
        return Duration.ofMillis(Math.max(1, Math.round(millis * FACTOR)));
    }

    /** As the command's options spell it. */
    static String arg(Duration d) {
        return d.toMillis() + "ms";
    }
}
