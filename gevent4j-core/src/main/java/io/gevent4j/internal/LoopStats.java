package io.gevent4j.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What one {@link Loop} counts, for the watchdog, RunInfo and {@code Hub.Stats}: its passes, the
 * tasks that crossed threads, the selector wake-ups, and the slice accounting.
 *
 * <p>Slices. {@code sliceCount} is bumped with an opaque store before and after every task and
 * every timer the loop runs: it is odd exactly while the loop runs user code (a continuation, a
 * callback, a timer). The loop thread is its only writer; the watchdog thread reads it with an
 * opaque load. On x86 and AArch64 an opaque store is a plain store (no fence), so the loop pays
 * two stores per slice and nothing else. Slice timing (two System.nanoTime() per slice) runs
 * only while {@link #sliceTiming} is on.
 *
 * <p>Who may call it: the getters from any thread (racy, as each says); the rest from the loop.
 */
public final class LoopStats {
    private static final VarHandle SLICE_COUNT;
    private static final VarHandle SELECTOR_WAKEUPS;

    /** Time every slice (two nanoTime calls each); set by the watchdog's measureSlices. */
    public static volatile boolean sliceTiming;
    /** The slice length at and above which {@link Loop.Host#longSlice} is told (slice timing on); the watchdog sets it. */
    public static volatile long longSliceNanos = 10_000_000L;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            SLICE_COUNT = l.findVarHandle(LoopStats.class, "sliceCount", long.class);
            SELECTOR_WAKEUPS = l.findVarHandle(LoopStats.class, "selectorWakeups", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // through SLICE_COUNT
    private long sliceCount;
    /** Passes run; the loop thread writes it. */
    long passes;
    /** Tasks moved from the inbox to the run queue; the loop thread writes it. */
    long crossThreadTasks;
    @SuppressWarnings("unused") // through SELECTOR_WAKEUPS
    private volatile long selectorWakeups;
    /** Longest slice seen: timed by the loop (slice timing on) or by the watchdog; nanoseconds. */
    private volatile long longestSliceNanos;

    LoopStats() {
    }

    /** A slice begins (loop thread): the count becomes odd. Returns the count before it. */
    long enterSlice() {
        long c = sliceCount;
        SLICE_COUNT.setOpaque(this, c + 1);
        return c;
    }

    /** The slice that {@link #enterSlice} began ended (loop thread): the count is even again. */
    void exitSlice(long before) {
        SLICE_COUNT.setOpaque(this, before + 2);
    }

    /** A timed slice that began at {@code t0} ended: records it, tells the host if it was long. */
    void sliceEnded(long t0, Loop.Host host) {
        long d = System.nanoTime() - t0;
        if (d > longestSliceNanos) {
            longestSliceNanos = d;
        }
        if (d >= longSliceNanos) {
            host.longSlice(d);
        }
    }

    /** A producer woke the parked loop's poller (any thread; rare: at most once per park). */
    void selectorWoken() {
        SELECTOR_WAKEUPS.getAndAdd(this, 1L);
    }

    public long passes() {
        return passes;
    }

    public long crossThreadTasks() {
        return crossThreadTasks;
    }

    public long selectorWakeups() {
        return (long) SELECTOR_WAKEUPS.getVolatile(this);
    }

    public long longestSliceNanos() {
        return longestSliceNanos;
    }

    /** The current slice count: odd while the loop runs user code. Any thread (opaque read). */
    public long sliceCount() {
        return (long) SLICE_COUNT.getOpaque(this);
    }

    /** Whether the loop runs user code at this instant (a racy, lock-free read). */
    public boolean runsUserCode() {
        return (sliceCount() & 1L) != 0;
    }

    /** Raises the longest-slice statistic to {@code nanos} if it is longer (the watchdog's view). */
    public void recordSlice(long nanos) {
        if (nanos > longestSliceNanos) {
            longestSliceNanos = nanos;
        }
    }
}
