package io.gevent4j;

import io.gevent4j.internal.LoopStats;
import io.gevent4j.internal.VirtualThreads;

import java.time.Duration;
import java.time.Instant;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

/**
 * The blocking watchdog: one daemon thread for all hubs that notices a hub which has run one
 * greenlet (or callback) for longer than a threshold, and reports it once per episode with the
 * greenlet's name and stack to a {@link BlockingListener} (by default, a {@link System.Logger}
 * warning), and as a JFR {@code io.gevent4j.HubBlocked} event.
 *
 * <p>A hub runs one greenlet at a time on one platform thread, so a greenlet that computes
 * without waiting, or pins its carrier (class initialisation that waits, a native call, blocking
 * file I/O, the JDK's own DNS look-up), freezes every greenlet of its hub. This finds them.
 *
 * <p>Who may call it: any thread. {@link #enable}, {@link #disable} and the setters take effect
 * at the watchdog's next sample. Nothing here blocks, except {@link #disable}, which waits
 * (bounded) for the watchdog thread to end. Switched on at start-up by the system properties
 * {@code gevent4j.watchdog=true} and {@code gevent4j.watchdog.threshold=100ms} (also
 * {@code gevent4j.watchdog.slices=true} for {@link #measureSlices} and
 * {@code gevent4j.watchdog.longSlice=10ms} for {@link #setLongSliceThreshold}).
 *
 * <p>Cost: a hub pays two plain (opaque) stores per run slice whether or not the watchdog runs;
 * the watchdog thread wakes every quarter threshold and reads one counter per hub. Stacks are
 * taken only for a hub that is already blocked.
 *
 * {@snippet :
 * Watchdog.setListener(report -> System.err.println(report.format()));
 * Watchdog.enable(Duration.ofMillis(100));
 * Gevent.spawn(() -> { while (true) { } }).name("spinner"); // reported after ~100 ms
 * }
 */
public final class Watchdog {
    /*
     * Implementation overview.
     *
     * Each hub keeps `sliceCount`, odd exactly while its loop runs user code (Hub's overview). The
     * watchdog thread samples every hub's count every threshold/4. A count that is odd and has
     * not changed since the watchdog first saw it, for at least the threshold, is a blocked hub:
     * the same slice is still running. `since` is when the watchdog first saw that count, so the
     * reported duration is a lower bound and detection lags by at most one period.
     *
     * Once per episode: a Watch remembers that its current count was reported; the episode ends
     * when the count changes (the slice ended), and then hubRecovered is called once.
     *
     * Finding the greenlet: the hub's live list is read without its cooperation (it is stuck, so
     * the list is stable), and the greenlet whose virtual thread is mounted on the hub's loop
     * thread (VirtualThread.carrierThread, read in VirtualThreads) is the culprit; its stack comes
     * from Thread.getStackTrace(), which for a mounted virtual thread is a handshake with the
     * carrier and works even when the carrier is blocked in native code. If the count moved while
     * we looked, the slice ended: no report (a race that only loses a report, never duplicates).
     *
     * The Watch map is confined to the watchdog thread. `thread` is guarded by the class lock;
     * the loop ends when `thread` no longer names it.
     */

    /** The default threshold, like gevent's {@code max_blocking_time}. */
    public static final Duration DEFAULT_THRESHOLD = Duration.ofMillis(100);

    private static final BlockingListener LOGGING_LISTENER = new BlockingListener() {
        @Override
        public void hubBlocked(BlockingReport report) {
            Hub.LOG.log(System.Logger.Level.WARNING, report::format);
        }

        @Override
        public void hubRecovered(Hub hub, Duration blockedFor) {
            Hub.LOG.log(System.Logger.Level.INFO, () -> hub + " ran on after being blocked for about "
                    + blockedFor.toMillis() + " ms");
        }
    };

    private static final Object LOCK = new Object();
    private static Thread thread; // guarded by LOCK
    private static volatile long thresholdNanos = DEFAULT_THRESHOLD.toNanos();
    private static volatile BlockingListener listener = LOGGING_LISTENER;
    /** Test hook: runs on the watchdog thread after each sample of all hubs. */
    static volatile Runnable afterSample;

    private Watchdog() {}

    /** Starts the watchdog with its current threshold (default 100 ms). Idempotent. */
    public static void enable() {
        synchronized (LOCK) {
            if (thread == null) {
                Thread t = Thread.ofPlatform().name("gevent4j-watchdog").daemon(true).unstarted(Watchdog::run);
                thread = t;
                t.start();
            }
        }
    }

    /** Sets the threshold and starts the watchdog (or changes the threshold of the running one). */
    public static void enable(Duration threshold) {
        setThreshold(threshold);
        enable();
    }

    /** Stops the watchdog and waits (at most a second) for its thread to end. Idempotent. */
    public static void disable() {
        Thread t;
        synchronized (LOCK) {
            t = thread;
            thread = null;
        }
        if (t != null) {
            LockSupport.unpark(t);
            if (t != Thread.currentThread()) {
                try {
                    t.join(Duration.ofSeconds(1));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** Whether the watchdog runs. */
    public static boolean isEnabled() {
        synchronized (LOCK) {
            return thread != null;
        }
    }

    /** How long a hub may run one slice before it is reported. */
    public static Duration threshold() {
        return Duration.ofNanos(thresholdNanos);
    }

    /** Sets the threshold (positive; at least one millisecond is sensible). */
    public static void setThreshold(Duration threshold) {
        long n = Hub.toNanos(threshold);
        if (n <= 0) {
            throw new IllegalArgumentException("the watchdog threshold must be positive: " + threshold);
        }
        thresholdNanos = n;
        Thread t;
        synchronized (LOCK) {
            t = thread;
        }
        if (t != null) {
            LockSupport.unpark(t); // resample with the new period
        }
    }

    /** Replaces the listener (the default logs a warning through {@link System.Logger}). */
    public static void setListener(BlockingListener newListener) {
        listener = Objects.requireNonNull(newListener, "listener");
    }

    /** The current listener. */
    public static BlockingListener listener() {
        return listener;
    }

    /** The default listener: a WARNING with the report and its stack on logger {@code io.gevent4j}. */
    public static BlockingListener loggingListener() {
        return LOGGING_LISTENER;
    }

    /**
     * Times every run slice of every hub (two {@link System#nanoTime()} calls per slice, some
     * tens of nanoseconds) so that {@link Hub.Stats#longestSlice()} is exact and each slice
     * longer than {@link #longSliceThreshold()} becomes a JFR {@code io.gevent4j.LongRunSlice}
     * event. Off by default; independent of {@link #enable}.
     */
    public static void measureSlices(boolean on) {
        LoopStats.sliceTiming = on;
    }

    /** Whether run slices are timed. */
    public static boolean isMeasuringSlices() {
        return LoopStats.sliceTiming;
    }

    /** The shortest slice that is published as a {@code LongRunSlice} JFR event (default 10 ms). */
    public static Duration longSliceThreshold() {
        return Duration.ofNanos(LoopStats.longSliceNanos);
    }

    /** Sets the shortest slice that is published as a {@code LongRunSlice} JFR event. */
    public static void setLongSliceThreshold(Duration threshold) {
        long n = Hub.toNanos(threshold);
        if (n < 0) {
            throw new IllegalArgumentException("the long-slice threshold must not be negative: " + threshold);
        }
        LoopStats.longSliceNanos = n;
    }

    static long longSliceNanos() {
        return LoopStats.longSliceNanos;
    }

    // ---------------------------------------------------------------- configuration

    /** Applies the {@code gevent4j.watchdog*} system properties (from Hub's static initialiser). */
    static void configureFromProperties() {
        try {
            String th = System.getProperty("gevent4j.watchdog.threshold");
            if (th != null) {
                setThreshold(parseDuration(th));
            }
            String ls = System.getProperty("gevent4j.watchdog.longSlice");
            if (ls != null) {
                setLongSliceThreshold(parseDuration(ls));
            }
            if (parseBoolean(System.getProperty("gevent4j.watchdog.slices"))) {
                measureSlices(true);
            }
            if (parseBoolean(System.getProperty("gevent4j.watchdog"))) {
                enable();
            }
        } catch (IllegalArgumentException e) {
            Hub.LOG.log(System.Logger.Level.ERROR, "ignoring a gevent4j.watchdog property: " + e.getMessage());
        }
    }

    static boolean parseBoolean(String s) {
        if (s == null) {
            return false;
        }
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "1", "true", "on", "yes" -> true;
            case "0", "false", "off", "no", "" -> false;
            default -> throw new IllegalArgumentException("not a boolean: '" + s + "' (use true/false, on/off, yes/no, 1/0)");
        };
    }

    /**
     * Parses gevent4j's one duration syntax, used by its system properties and by every option of
     * the {@code gevent4j} command: a decimal number with a unit ({@code 750us}, {@code 500ms},
     * {@code 2s}, {@code 0.5s}, {@code 1m}, {@code 1h}), {@code 0}, or ISO-8601 ({@code PT2S}).
     * A bare number other than {@code 0} is refused: {@code 5} could mean seconds (wrk) or
     * milliseconds, so the message asks for the unit.
     *
     * @param s the text to parse
     * @return the duration (never negative unless written so in ISO-8601)
     * @throws IllegalArgumentException if {@code s} is not such a duration; the message quotes it
     *         and shows the accepted forms
     */
    public static Duration parseDuration(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        String forms = " (write it with a unit: 500ms, 2s, 1m, or ISO-8601 like PT2S)";
        if (t.startsWith("p") || t.startsWith("-p")) {
            try {
                return Duration.parse(s.trim());
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("not a duration: '" + s + "'" + forms, e);
            }
        }
        boolean negative = t.startsWith("-");
        if (negative) {
            t = t.substring(1).trim(); // "-1s": parsed, so that the caller can say it must not be negative
        }
        double unit;
        int cut;
        if (t.endsWith("ms")) {
            unit = 1e6;
            cut = 2;
        } else if (t.endsWith("us")) {
            unit = 1e3;
            cut = 2;
        } else if (t.endsWith("s")) {
            unit = 1e9;
            cut = 1;
        } else if (t.endsWith("m")) {
            unit = 60e9;
            cut = 1;
        } else if (t.endsWith("h")) {
            unit = 3600e9;
            cut = 1;
        } else if (t.matches("[0-9.]+") && !t.matches("0*\\.?0*")) {
            throw new IllegalArgumentException("a duration needs a unit: '" + s + "' could be "
                    + t + "s or " + t + "ms" + forms);
        } else {
            unit = 1;
            cut = 0;
        }
        String number = t.substring(0, t.length() - cut).trim();
        if (!number.matches("[0-9]+(\\.[0-9]*)?|\\.[0-9]+")) {
            throw new IllegalArgumentException("not a duration: '" + s + "'" + forms);
        }
        double nanos = Double.parseDouble(number) * unit;
        if (nanos > Long.MAX_VALUE) {
            throw new IllegalArgumentException("duration too long: '" + s + "'");
        }
        return Duration.ofNanos(negative ? -Math.round(nanos) : Math.round(nanos));
    }

    // ---------------------------------------------------------------- the watchdog thread

    /** What the watchdog knows of one hub; confined to the watchdog thread. */
    private static final class Watch {
        long count = -1;
        long since;
        boolean reported;
    }

    private static void run() {
        Thread self = Thread.currentThread();
        Map<Hub, Watch> watches = new IdentityHashMap<>();
        while (true) {
            synchronized (LOCK) {
                if (thread != self) {
                    return;
                }
            }
            long threshold = thresholdNanos;
            sample(watches, threshold);
            Runnable hook = afterSample;
            if (hook != null) {
                hook.run();
            }
            // The watchdog's own pacing (a dedicated platform thread, not a library wait).
            LockSupport.parkNanos(Math.max(500_000L, threshold / 4));
        }
    }

    private static void sample(Map<Hub, Watch> watches, long threshold) {
        List<Hub> hubs = Hub.all();
        watches.keySet().retainAll(new java.util.HashSet<>(hubs)); // Hub has identity equality
        for (Hub hub : hubs) {
            Watch w = watches.computeIfAbsent(hub, h -> new Watch());
            long c = hub.sliceCount();
            long now = System.nanoTime();
            if (c != w.count) {
                if (w.reported) {
                    ended(hub, now - w.since);
                }
                w.count = c;
                w.since = now;
                w.reported = false;
            } else if ((c & 1) != 0 && !w.reported && now - w.since >= threshold) {
                w.reported = report(hub, c, now - w.since);
            }
        }
    }

    /** Builds and delivers the report; returns false if the slice ended meanwhile (no episode). */
    private static boolean report(Hub hub, long count, long blockedNanos) {
        Thread loop = hub.loopThread();
        Greenlet<?> culprit = null;
        Thread subject = loop;
        for (Greenlet<?> g : hub.liveGreenletsRacy()) {
            Thread t = g.thread();
            if (t != null && VirtualThreads.carrierOf(t).orElse(null) == loop) {
                culprit = g;
                subject = t;
                break;
            }
        }
        StackTraceElement[] stack = subject.getStackTrace();
        if (hub.sliceCount() != count) {
            return false; // the slice ended while we looked: it was not blocked after all
        }
        String threadName = culprit != null ? culprit.name() : subject.getName();
        BlockingReport r = new BlockingReport(hub, Optional.ofNullable(culprit), threadName,
                Duration.ofNanos(blockedNanos), List.of(stack), Instant.now());
        HubEvents.hubBlocked(r);
        hub.countBlockedReport();
        try {
            listener.hubBlocked(r);
        } catch (RuntimeException e) {
            Hub.LOG.log(System.Logger.Level.ERROR, "the watchdog's listener failed", e);
        }
        return true;
    }

    private static void ended(Hub hub, long blockedNanos) {
        hub.recordSlice(blockedNanos);
        if (!LoopStats.sliceTiming) {
            HubEvents.longRunSlice(hub, blockedNanos, false);
        }
        try {
            listener.hubRecovered(hub, Duration.ofNanos(blockedNanos));
        } catch (RuntimeException e) {
            Hub.LOG.log(System.Logger.Level.ERROR, "the watchdog's listener failed", e);
        }
    }
}
