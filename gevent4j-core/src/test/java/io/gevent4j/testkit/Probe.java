package io.gevent4j.testkit;

import io.gevent4j.Greenlet;
import io.gevent4j.TestKitAccess;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waits until the other side of a test is where the test needs it, instead of sleeping and
 * hoping: a greenlet or thread parked in a wait of the library, a thread blocked in the JDK, or
 * any condition. Polls with a short back-off; fails the test (an {@link AssertionError}) when the
 * bound passes first, so a wrong premise is reported, never silently waited out.
 *
 * <p>Who may call it: any thread except a greenlet of the hub it watches on a hand-driven hub
 * (there, {@link ManualHub#runUntilIdle()} is the synchronisation). It blocks the caller by
 * {@link Thread#sleep}, which is fine on a test thread.
 *
 * {@snippet :
 * Greenlet<?> reader = hub.spawn(() -> socket.recv(buf));
 * Probe.awaitParked(reader, Delays.LONG);   // now it is in its wait: close the socket under it
 * socket.close();
 * }
 */
public final class Probe {
    private Probe() {}

    /** Whether {@code g} is parked in a wait of the library now (a wait that has not ended). */
    public static boolean isParked(Greenlet<?> g) {
        return TestKitAccess.inLibraryWait(g);
    }

    /** Whether the plain thread {@code t} is parked in a wait of the library now. */
    public static boolean isParked(Thread t) {
        return TestKitAccess.inLibraryWait(t);
    }

    /** Waits until {@code g} is parked in a wait of the library; fails after {@code bound}. */
    public static void awaitParked(Greenlet<?> g, Duration bound) {
        await(() -> isParked(g), bound, () -> g + " to park in a wait of the library");
    }

    /** Waits until the plain thread {@code t} is parked in a wait of the library; fails after {@code bound}. */
    public static void awaitParked(Thread t, Duration bound) {
        await(() -> isParked(t), bound, () -> t + " to park in a wait of the library");
    }

    /**
     * Waits until {@code t} is blocked: parked in a wait of the library or in a JDK call (its
     * state {@code WAITING}, {@code TIMED_WAITING} or {@code BLOCKED}); fails after {@code bound}.
     * For code that blocks outside the library, e.g. a third-party client on {@code java.net.Socket}.
     */
    public static void awaitBlocked(Thread t, Duration bound) {
        await(() -> isBlocked(t), bound, () -> t + " to block (state " + t.getState() + ")");
    }

    /** {@link #awaitBlocked(Thread, Duration)} for the thread of the greenlet {@code g}. */
    public static void awaitBlocked(Greenlet<?> g, Duration bound) {
        await(() -> {
            Thread t = TestKitAccess.threadOf(g);
            return t != null && isBlocked(t);
        }, bound, () -> g + " to block");
    }

    /**
     * The state and stack of every platform thread whose name contains {@code fragment} (a hub's
     * loop thread is named after the hub): for the message of an assertion about a hub that
     * stopped answering, so a failure shows where its loop was.
     */
    public static String stacksOf(String fragment) {
        StringBuilder b = new StringBuilder();
        for (var e : Thread.getAllStackTraces().entrySet()) {
            Thread t = e.getKey();
            if (t.getName().contains(fragment)) {
                b.append('\n').append(t).append(' ').append(t.getState());
                for (StackTraceElement f : e.getValue()) {
                    b.append("\n    at ").append(f);
                }
            }
        }
        return b.isEmpty() ? "\n(no thread named *" + fragment + "*)" : b.toString();
    }

    /** Waits until {@code condition} holds; fails after {@code bound} with what was awaited. */
    public static void await(BooleanSupplier condition, Duration bound, java.util.function.Supplier<String> what) {
        long deadline = System.nanoTime() + bound.toNanos();
        long pauseMicros = 50;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError("gave up after " + bound + " waiting for " + what.get());
            }
            try {
                Thread.sleep(Duration.ofNanos(pauseMicros * 1_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what.get(), e);
            }
            pauseMicros = Math.min(pauseMicros * 2, 5_000);
        }
    }

    private static boolean isBlocked(Thread t) {
        Thread.State s = t.getState();
        return s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING || s == Thread.State.BLOCKED;
    }
}
