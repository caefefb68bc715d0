package io.gevent4j.internal;

import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The end of one {@link Loop}'s life: whether it has ended, the wait for that, and what happens
 * when it ends without a close (it could not go on): the fatal report and the death actions.
 * Any thread, except {@link #terminated()} and {@link #died}, which the ending thread calls.
 */
final class LoopEnd {
    private final Loop loop;
    private volatile boolean terminated;
    private final CountDownLatch terminatedLatch = new CountDownLatch(1);
    /** Actions run (each on a new platform thread) if the loop ends without a close. */
    private final CopyOnWriteArrayList<Runnable> deathActions = new CopyOnWriteArrayList<>();

    LoopEnd(Loop loop) {
        this.loop = loop;
    }

    boolean isTerminated() {
        return terminated;
    }

    /** The loop has ended: publishes it (the caller then wakes who waits for idleness). */
    void terminated() {
        terminated = true;
    }

    /** Releases {@link #await} (after the loop let go of its poller). */
    void released() {
        terminatedLatch.countDown();
    }

    /** Waits until the loop has ended, at most {@code nanos}. */
    boolean await(long nanos) {
        try {
            if (!terminatedLatch.await(nanos, TimeUnit.NANOSECONDS)) {
                // Wake the loop so a close that raced with a park is observed.
                loop.post(() -> {});
                return terminatedLatch.await(1, TimeUnit.MILLISECONDS);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return terminated;
        }
    }

    /**
     * The loop ended without a close: says so on the logger and on stderr (the logger may be
     * what fails), then runs the {@linkplain #onDeath death actions}.
     */
    void died(Throwable cause) {
        String message = "FATAL: the loop of " + loop + " cannot go on and has ended; its greenlets will never run again";
        EngineLog.logSafely(System.Logger.Level.ERROR, message, cause);
        try {
            System.err.println("gevent4j: " + message + (cause != null ? ": " + cause : ""));
            System.err.flush();
        } catch (Throwable ignored) {
            // nowhere left to say it
        }
        for (Runnable action : deathActions) {
            if (deathActions.remove(action)) { // onDeath may race for it: one of them runs it
                runDeathAction(action);
            }
        }
    }

    /** {@link Loop#onLoopDeath}. */
    Runnable onDeath(Runnable action) {
        Objects.requireNonNull(action, "action");
        Runnable registered = action::run; // a fresh identity: the same action may be added twice
        deathActions.add(registered);
        if (terminated && !loop.isClosing()) {
            if (deathActions.remove(registered)) {
                runDeathAction(registered);
            }
        }
        return () -> deathActions.remove(registered);
    }

    private static void runDeathAction(Runnable action) {
        try {
            Thread.ofPlatform().name("gevent4j-hub-died").daemon().start(action);
        } catch (Throwable cannotStart) {
            try {
                action.run();
            } catch (Throwable ignored) {
                // the death of a hub is already reported
            }
        }
    }
}
