package io.gevent4j.internal;

import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The end of one {@link Loop}'s life: the close (asked from any thread, or by hand for a driven
 * loop), whether it has ended and the wait for that, and what happens when it ends without a
 * close (it could not go on): the fatal report and the death actions. Any thread, except
 * {@link #terminated}, {@link #released} and {@link #died}, which the ending thread calls.
 */
public final class LoopEnd {
    private final Loop loop;
    private volatile boolean closing;
    private volatile boolean terminated;
    private final CountDownLatch terminatedLatch = new CountDownLatch(1);
    /** Actions run (each on a new platform thread) if the loop ends without a close. */
    private final CopyOnWriteArrayList<Runnable> deathActions = new CopyOnWriteArrayList<>();

    LoopEnd(Loop loop) {
        this.loop = loop;
    }

    /** Whether a close was asked: the loop ends once its strands have finished. */
    public boolean isClosing() {
        return closing;
    }

    public boolean isTerminated() {
        return terminated;
    }

    /**
     * Asks the loop to end once its strands (killed through the host) have finished; waits for
     * that at most {@code timeoutNanos} unless called from the loop itself. Returns whether it ended.
     */
    public boolean close(long timeoutNanos) {
        Thread loopThread = loop.loopThread();
        if (!closing) {
            closing = true;
            if (loopThread.isAlive() || loopThread == Thread.currentThread()) {
                loop.post(loop.host()::killAll);
            }
        }
        if (loop.inLoop() || loopThread.getState() == Thread.State.NEW) {
            if (loopThread.getState() == Thread.State.NEW && loopThread != Thread.currentThread()) {
                loop.ended();
            }
            return terminated;
        }
        if (loopThread == Thread.currentThread()) {
            return terminated;
        }
        return await(timeoutNanos);
    }

    /** Ends a hand-driven loop: kills its strands and runs it until they are done. */
    public void closeDriven() {
        closing = true;
        loop.host().killAll();
        loop.runUntilIdle();
        loop.ended();
    }

    /** The loop has ended (its thread, or the closer of a loop that never started): no longer listed. */
    void terminated() {
        Loops.unregister(loop);
        terminated = true;
    }

    /** Releases {@link #await}, once the loop let go of its poller. */
    void released() {
        terminatedLatch.countDown();
    }

    /** Waits until the loop has ended, at most {@code nanos}. */
    public boolean await(long nanos) {
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
        if (terminated && !closing) {
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
