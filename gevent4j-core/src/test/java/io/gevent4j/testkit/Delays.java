package io.gevent4j.testkit;

import java.time.Duration;

/**
 * The named delays of every real-time test, scaled by the system property
 * {@code gevent4j.test.delayFactor} (JSR-166 TCK style; the Maven property of the same name sets
 * it for the forked test JVM). Assert elapsed time from below only: a loaded machine makes
 * everything later, never earlier.
 *
 * <p>Use a delay for what it names: {@link #SHORT} to make a time-out observable, {@link #LONG}
 * only as a bound on something expected to happen well before it. To wait until the other side
 * is parked, use {@link Probe}, not a delay.
 */
public final class Delays {
    /** The scale of every delay below ({@code -Dgevent4j.test.delayFactor=3} on a loaded machine). */
    public static final double FACTOR = Double.parseDouble(System.getProperty("gevent4j.test.delayFactor", "1"));

    /** Short enough to keep tests fast, long enough to be observable. */
    public static final Duration SHORT = scaled(50);
    /** A few SHORTs. */
    public static final Duration MEDIUM = scaled(200);
    /** Bounds a wait that is expected to succeed well before it. */
    public static final Duration LONG = scaled(5_000);
    /** Bounds a wait that includes starting a JVM or a TLS handshake on a loaded machine. */
    public static final Duration VERY_LONG = scaled(10_000);

    private Delays() {}

    /** {@code millis} milliseconds times {@link #FACTOR}, at least one. */
    public static Duration scaled(long millis) {
        return Duration.ofMillis(Math.max(1, Math.round(millis * FACTOR)));
    }

    /** The time elapsed since {@code startNanos}, a reading of {@link System#nanoTime()}. */
    public static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
