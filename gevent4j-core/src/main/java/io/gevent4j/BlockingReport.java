package io.gevent4j;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the {@link Watchdog} saw when a hub ran one greenlet (or one callback) for longer than
 * its threshold: the hub, the greenlet, how long so far, and the greenlet's stack at detection.
 *
 * <p>An immutable value; any thread may read it.
 *
 * @param hub the hub that is stuck
 * @param greenlet the greenlet mounted on the hub's loop, if it is one (empty: a callback, a
 *     timer, or a plain virtual thread that inherited the hub)
 * @param threadName the name of the thread whose stack this is (the greenlet's or the loop's)
 * @param blockedFor how long the hub had run that slice when it was detected: a lower bound
 *     (the slice may have begun up to one sampling period earlier)
 * @param stack that thread's stack at detection, innermost frame first
 * @param detectedAt when the watchdog detected it
 */
public record BlockingReport(Hub hub, Optional<Greenlet<?>> greenlet, String threadName, Duration blockedFor,
        List<StackTraceElement> stack, Instant detectedAt) {

    /** Checks that no component is null. */
    public BlockingReport {
        Objects.requireNonNull(hub, "hub");
        Objects.requireNonNull(greenlet, "greenlet");
        Objects.requireNonNull(threadName, "threadName");
        Objects.requireNonNull(blockedFor, "blockedFor");
        stack = List.copyOf(stack);
        Objects.requireNonNull(detectedAt, "detectedAt");
    }

    /** The greenlet's name, or the thread's name when the loop ran no greenlet. */
    public String greenletName() {
        return greenlet.map(Greenlet::name).orElse(threadName);
    }

    /** A multi-line report, gevent's monitor style, with the stack. */
    public String format() {
        return hub + " appears to be blocked: " + greenlet.map(Object::toString).orElse("thread " + threadName)
                + " has run for at least " + blockedFor.toMillis() + " ms without yielding"
                + System.lineSeparator() + formatStack(stack);
    }

    @Override
    public String toString() {
        return "BlockingReport[" + hub + ", " + greenletName() + ", " + blockedFor.toMillis() + " ms]";
    }

    static String formatStack(List<StackTraceElement> stack) {
        StringBuilder sb = new StringBuilder();
        for (StackTraceElement e : stack) {
            sb.append("\tat ").append(e).append(System.lineSeparator());
        }
        return sb.toString();
    }
}
