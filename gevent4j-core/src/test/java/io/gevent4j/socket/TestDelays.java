package io.gevent4j.socket;

import java.time.Duration;

/** Named real-time delays for this package's tests, scaled like {@code io.gevent4j.Delays}. */
final class TestDelays {
    static final double FACTOR = Double.parseDouble(System.getProperty("gevent4j.test.delayFactor", "1"));
    static final Duration SHORT = scaled(50);
    static final Duration MEDIUM = scaled(200);
    static final Duration LONG = scaled(5_000);

    private TestDelays() {}

    static Duration scaled(long millis) {
        return Duration.ofMillis(Math.max(1, Math.round(millis * FACTOR)));
    }

    static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
