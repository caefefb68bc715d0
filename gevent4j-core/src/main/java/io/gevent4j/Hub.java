package io.gevent4j;

import io.gevent4j.internal.HubClock;
import io.gevent4j.internal.EngineLog;
import io.gevent4j.internal.Loop;
import io.gevent4j.internal.LoopStats;
import io.gevent4j.internal.LoopStrand;
import io.gevent4j.internal.Loops;
import io.gevent4j.internal.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An event loop on one platform thread that runs its greenlets, its timers, its callbacks and
 * its selector: gevent's hub.
 *
 * <p>Who may call it: any thread. {@link #spawn}, {@link #callSoon} and {@link #close} are
 * thread-safe; work submitted from another thread crosses through the hub's inbox and wakes the
 * loop only if it is parked in its selector. Nothing here blocks the caller except
 * {@link #close} and {@link #awaitTermination}, which wait for the loop to end, and
 * {@link #awaitIdle}, which waits until it has no referenced work (gevent's {@code hub.join}).
 *
 * <p>Only one greenlet of a hub runs at a time, and it gives the hub up only where it blocks
 * (a library wait, or a JDK blocking call that parks its virtual thread). Code that runs on one
 * hub therefore needs no locks. A greenlet that <em>pins</em> its carrier (a native frame, class
 * initialisation, blocking file I/O) stalls every greenlet of its hub: use a thread pool for
 * such work.
 *
 * {@snippet :
 * try (Hub hub = Hub.start("worker")) {
 *     Greenlet<Integer> g = hub.spawn(() -> 6 * 7);
 *     System.out.println(g.result()); // 42
 * }
 * }
 */
public final class Hub implements AutoCloseable {
    /*
     * Implementation overview.
     *
     * The hub is the public face of its Loop (io.gevent4j.internal.Loop): the loop runs the
     * pass (inbox, timers, tasks within the switch interval, I/O through its IoHandler), keeps
     * the live-strand registry and the idle waiters; see its overview for the wake-up protocol
     * and the slice counter the watchdog reads. The hub adds what is about greenlets and users:
     * spawning, the default hub, the error handler, the thread pool, callLater's handle and the
     * statistics record. The loop talks back through HubHost (errors, kills on close, the
     * thread pool's pending work, long slices), never by naming this class.
     */

    static final System.Logger LOG = System.getLogger("io.gevent4j");

    static final HubErrorHandler LOGGING_HANDLER = (hub, greenlet, error) -> LOG.log(
            System.Logger.Level.WARNING,
            () -> greenlet.map(g -> g + " failed with " + error).orElse("callback on " + hub + " failed with " + error),
            error);

    private static final AtomicReference<Hub> DEFAULT = new AtomicReference<>();

    static {
        preloadTimeZoneData();
        HubEvents.register();
        Watchdog.configureFromProperties();
        Loops.setDefault(() -> defaultHub().loop);
    }

    /**
     * Loads the JDK's time-zone data now, while descriptors are free. The JDK reads it from a
     * file on first use (a log line's time stamp, an access log's date); if that first use comes
     * when every descriptor is taken, its class initialisation fails for good, and every later
     * log line and local date throws NoClassDefFoundError (issue 12, point 1).
     */
    private static void preloadTimeZoneData() {
        try {
            java.util.TimeZone.getDefault();
            java.time.ZoneId.systemDefault().getRules();
            java.time.zone.ZoneRulesProvider.getAvailableZoneIds();
        } catch (Throwable e) {
            // no time-zone data at all: nothing that later fails can be made better now
        }
    }

    private final String name;
    private final Loop loop;
    private volatile HubErrorHandler errorHandler = LOGGING_HANDLER;
    private final Object threadPoolLock = new Object();
    private volatile ThreadPool threadPool;
    /** Greenlets' minimal idents: the smallest free number, reused after a greenlet dies. */
    private final Idents idents = new Idents();

    private Hub(String name, HubClock clock, boolean ownThread, boolean daemon) {
        this.name = Objects.requireNonNull(name, "name");
        this.loop = new Loop(name, ownThread ? "gevent4j-hub-" + name : null, daemon, clock,
                new HubHost(this), io.gevent4j.internal.uring.Pollers::open);
        loop.publish(); // only now: Hub.all() (the watchdog's thread) must never see a hub without its loop
    }

    /** Starts a hub with its own loop thread (a non-daemon thread: close the hub when done). */
    public static Hub start(String name) {
        Hub hub = new Hub(name, HubClock.SYSTEM, true, false);
        hub.loop.start();
        return hub;
    }

    /** Starts a hub whose loop thread is a daemon (it does not keep the JVM alive). */
    public static Hub startDaemon(String name) {
        Hub hub = new Hub(name, HubClock.SYSTEM, true, true);
        hub.loop.start();
        return hub;
    }

    /** A hub driven by hand by the calling thread, on the given clock: for deterministic tests. */
    static Hub driven(String name, HubClock clock) {
        return new Hub(name, clock, false, false);
    }

    /**
     * The hub that threads which are not greenlets use: started on first use, a daemon. If it was
     * closed, the next call starts a new one.
     */
    public static Hub defaultHub() {
        for (;;) {
            Hub h = DEFAULT.get();
            if (h != null && !h.isClosed()) {
                return h;
            }
            Hub created = new Hub("default", HubClock.SYSTEM, true, true);
            if (DEFAULT.compareAndSet(h, created)) {
                created.loop.start();
                return created;
            }
            created.loop.end().close(0);
        }
    }

    /**
     * The hub of the caller: a greenlet's own hub, the hub whose loop runs this thread, or else
     * the default hub.
     */
    public static Hub current() {
        Greenlet<?> g = Greenlet.of(Thread.currentThread());
        if (g != null) {
            return g.hub();
        }
        Loop l = Loops.onThisThread();
        return l != null ? of(l) : defaultHub();
    }

    /** The hub whose loop is {@code l}. */
    static Hub of(Loop l) {
        return ((HubHost) l.host()).hub;
    }

    /** This hub's loop (package-internal: the engine behind the facade). */
    Loop loop() {
        return loop;
    }

    /** The hub's name, also the name of its loop thread. */
    public String name() {
        return name;
    }

    /** A small number, unique per hub in this JVM. */
    public int id() {
        return loop.id();
    }

    /** Replaces the handler of failures on this hub (see {@link HubErrorHandler}). */
    public void setErrorHandler(HubErrorHandler handler) {
        this.errorHandler = Objects.requireNonNull(handler, "handler");
    }

    // ---------------------------------------------------------------- spawning

    /** Creates a greenlet on this hub and starts it (it runs on a later pass of the loop). */
    public <T> Greenlet<T> spawn(Callable<T> task) {
        Greenlet<T> g = new Greenlet<>(this, task);
        g.start();
        return g;
    }

    /** {@link #spawn(Callable)} for a task with no result. */
    public Greenlet<Void> spawn(Runnable task) {
        Greenlet<Void> g = Greenlet.ofRunnable(this, task);
        g.start();
        return g;
    }

    /** Creates a greenlet on this hub that starts after {@code delay}, on this hub's timers. */
    public <T> Greenlet<T> spawnLater(Duration delay, Callable<T> task) {
        Greenlet<T> g = new Greenlet<>(this, task);
        g.startLater(delay);
        return g;
    }

    /** Creates an unstarted greenlet on this hub. */
    public <T> Greenlet<T> greenlet(Callable<T> task) {
        return new Greenlet<>(this, task);
    }

    /**
     * This hub's default {@link ThreadPool} ({@value ThreadPool#DEFAULT_MAX_THREADS} daemon threads at
     * most, started on demand, ending when idle), created on first use. Thread-safe.
     */
    public ThreadPool threadPool() {
        ThreadPool p = threadPool;
        if (p == null) {
            synchronized (threadPoolLock) {
                p = threadPool;
                if (p == null) {
                    p = new ThreadPool("threadpool-" + name, ThreadPool.DEFAULT_MAX_THREADS, 0, ThreadPool.IDLE_TIMEOUT);
                    threadPool = p;
                }
            }
        }
        return p;
    }

    /** The hub's thread pool if it was made (the loop asks whether it has pending work). */
    ThreadPool threadPoolIfMade() {
        return threadPool;
    }

    // ---------------------------------------------------------------- callbacks and timers

    /**
     * Runs {@code callback} on this hub's loop on a later pass, first-in first-out with
     * greenlet wake-ups. Thread-safe. The callback must not block; what it throws is reported
     * to the error handler.
     */
    public void callSoon(Runnable callback) {
        loop.execute(Objects.requireNonNull(callback, "callback"));
    }

    /**
     * Runs {@code callback} on this hub's loop once {@code delay} has passed. Thread-safe.
     * Returns a handle whose {@code cancel()} prevents a callback that has not fired yet.
     */
    public Scheduled callLater(Duration delay, Runnable callback) {
        Objects.requireNonNull(callback, "callback");
        Scheduled s = new Scheduled(this, callback);
        loop.timers().addFromAnyThread(s.timer, toNanos(delay)); // a cancelled one still in flight fires as a no-op
        return s;
    }

    /** A callback scheduled with {@link #callLater}: a handle that can cancel it, not a task. */
    public static final class Scheduled {
        private final Hub hub;
        private final Runnable callback;
        private volatile boolean cancelled;
        /** The hub's timer that runs the callback (a field: the handle is not itself a timer). */
        private final Timer timer = new Timer() {
            @Override
            protected void fire() {
                if (!cancelled) {
                    cancelled = true;
                    callback.run();
                }
            }
        };

        Scheduled(Hub hub, Runnable callback) {
            this.hub = hub;
            this.callback = callback;
        }

        /** Prevents the callback if it has not fired yet. Thread-safe; idempotent. */
        public void cancel() {
            cancelled = true;
            if (hub.loop.inLoop()) {
                hub.loop.timers().remove(timer);
            }
        }

        /** Whether {@link #cancel()} was called. */
        public boolean isCancelled() {
            return cancelled;
        }

        /**
         * Makes it unreferenced (gevent's {@code ref=False}): while pending it no longer keeps
         * {@link Hub#awaitIdle} waiting. It still fires on time. Thread-safe; returns this.
         */
        public Scheduled unref() {
            hub.loop.timers().setReferenced(timer, false);
            return this;
        }

        /** Undoes {@link #unref()}. Thread-safe; returns this. */
        public Scheduled ref() {
            hub.loop.timers().setReferenced(timer, true);
            return this;
        }
    }

    // ---------------------------------------------------------------- idleness (gevent's hub.join)

    /**
     * Waits until this hub has no referenced work left: gevent's {@code hub.join()} (what
     * {@code gevent.wait()} without objects does). Returns true once it is idle (or has ended),
     * false if {@code timeout} passed first.
     *
     * <p>Referenced work is: greenlets and callbacks ready to run, work arriving from other
     * threads, referenced timers (sleeps, time-outs, {@link #callLater} callbacks, greenlets
     * spawned later; not those made {@linkplain Scheduled#unref() unreferenced} nor
     * {@linkplain Gevent#sleep(Duration, boolean) unreferenced sleeps}), channels registered with
     * its selector, greenlets parked in a JDK call (a socket read, {@code Thread.sleep}), and
     * tasks of its {@linkplain #threadPool() thread pool}. A greenlet parked in one of this
     * library's waits without a time-out (an {@link Event}, a {@link Queue}, a join) is not work:
     * as in gevent, only something else can wake it, so the hub is idle while it waits.
     *
     * <p>Who may call it: a plain thread, a greenlet of another hub, or a greenlet of this hub
     * (which then waits for the rest of the hub; its own time-out does not count as work). Not a
     * callback on a loop. Interrupted by a kill or an enclosing {@link Timeout}.
     */
    public boolean awaitIdle(Duration timeout) {
        return loop.awaitIdle(toNanos(timeout));
    }

    /** {@link #awaitIdle(Duration)} without a time-out. */
    public void awaitIdle() {
        awaitIdle(Duration.ofSeconds(Long.MAX_VALUE / 2_000_000_000L));
    }

    // ---------------------------------------------------------------- greenlet bookkeeping

    int allocateIdent() {
        return idents.allocate();
    }

    void releaseIdent(int ident) {
        idents.release(ident);
    }

    void reportError(Greenlet<?> g, Throwable error) {
        if (error instanceof GreenletExit) {
            return;
        }
        // Never throws: it runs inside the loop, and what the handler or the logger throws must
        // not end it (or a greenlet's thread).
        HubErrorHandler handler = errorHandler;
        try {
            handler.handle(this, Optional.ofNullable(g), error);
        } catch (Throwable handlerFailure) {
            try {
                if (handlerFailure != error) {
                    handlerFailure.addSuppressed(error);
                }
            } catch (Throwable ignored) {
                // suppression disabled or out of memory: report the handler's failure alone
            }
            logSafely(System.Logger.Level.ERROR, "the error handler of " + this + " failed on "
                    + (g != null ? g + "'s " : "a callback's ") + error, handlerFailure);
        }
    }

    // ---------------------------------------------------------------- statistics

    /**
     * A snapshot of this hub's counters. Exact when read on the loop (a greenlet or callback of
     * this hub); from another thread, a racy but recent view.
     */
    public Stats stats() {
        LoopStats st = loop.stats();
        return new Stats(loop.liveCount(), loop.strandsStarted(), loop.strandsFinished(), loop.runnable(),
                loop.timers().count(), st.passes(), st.sliceCount() >>> 1, loop.registrations(),
                st.crossThreadTasks(), st.selectorWakeups(), Duration.ofNanos(st.longestSliceNanos()));
    }

    /**
     * Counters of a hub.
     *
     * @param live greenlets that have started running and have not finished
     * @param spawned greenlets that have started running, ever
     * @param finished greenlets that have finished after running, ever
     * @param runnable tasks queued to run (greenlet continuations and callbacks)
     * @param timers timers pending (sleeps, time-outs, delayed callbacks)
     * @param loopIterations passes of the loop, ever
     * @param slices tasks and timers the loop has run (greenlet run slices, callbacks), ever
     * @param selectorKeys channels registered with the hub's selector
     * @param crossThreadTasks tasks that came from other threads through the inbox, ever
     * @param selectorWakeups times another thread woke the loop from its selector, ever
     * @param longestSlice the longest slice seen: exact while {@link Watchdog#measureSlices}
     *     is on; otherwise the longest blocking episode the {@link Watchdog} saw (zero if none)
     */
    public record Stats(int live, long spawned, long finished, int runnable, int timers,
            long loopIterations, long slices, int selectorKeys, long crossThreadTasks,
            long selectorWakeups, Duration longestSlice) {}

    /** Blocked-hub reports the {@link Watchdog} made for this hub; written by the watchdog thread only. */
    private volatile long blockedReports;

    /**
     * How many times the {@link Watchdog} reported this hub blocked (one per episode), ever.
     *
     * @return the number of reports
     */
    public long blockedReports() {
        return blockedReports;
    }

    /** Counts one report (the watchdog thread). */
    void countBlockedReport() {
        blockedReports++; // one writer: the watchdog thread
    }

    /** Every hub whose loop has not ended (started, daemon, default or hand-driven), in no order. */
    public static List<Hub> all() {
        List<Hub> out = new ArrayList<>();
        for (Loop l : Loops.all()) {
            out.add(of(l));
        }
        return List.copyOf(out);
    }

    /** The live greenlets read from any thread (a racy, bounded view unless on the loop or stuck). */
    List<Greenlet<?>> liveGreenletsRacy() {
        return greenletsOf(loop.liveStrands(true));
    }

    /** The greenlets of this hub that are running or parked. Exact only on the loop thread. */
    List<Greenlet<?>> liveGreenlets() {
        return greenletsOf(loop.liveStrands(false));
    }

    private static List<Greenlet<?>> greenletsOf(List<LoopStrand> strands) {
        List<Greenlet<?>> out = new ArrayList<>(strands.size());
        for (LoopStrand s : strands) {
            if (s instanceof GreenletStrand gs) {
                out.add(gs.greenlet);
            }
        }
        return out;
    }

    /** The current slice count: odd while the loop runs user code. Any thread (opaque read). */
    long sliceCount() {
        return loop.stats().sliceCount();
    }

    /** Raises the longest-slice statistic to {@code nanos} if it is longer (the watchdog's view). */
    void recordSlice(long nanos) {
        loop.stats().recordSlice(nanos);
    }

    Thread loopThread() {
        return loop.loopThread();
    }

    /** True if the caller runs on this hub's loop thread (the loop, or one of its greenlets). */
    boolean inLoop() {
        return loop.inLoop();
    }

    // ---------------------------------------------------------------- closing

    /** True once {@link #close} has been called. */
    public boolean isClosed() {
        return loop.isClosing();
    }

    /** True once the loop has ended. */
    public boolean isTerminated() {
        return loop.end().isTerminated();
    }

    /**
     * Kills every greenlet of this hub with {@link GreenletExit} and ends the loop once they have
     * finished; waits for that unless called from this hub itself. Greenlets that ignore the
     * kill keep the loop alive: {@link #close(Duration)} bounds the wait.
     */
    @Override
    public void close() {
        close(Duration.ofSeconds(Long.MAX_VALUE / 2_000_000_000L));
    }

    /**
     * Like {@link #close()} but waits at most {@code timeout}; returns whether the loop ended.
     * Greenlets still alive after that are abandoned (their hub no longer runs them).
     */
    public boolean close(Duration timeout) {
        if (this == DEFAULT.get()) {
            DEFAULT.compareAndSet(this, null);
        }
        return loop.end().close(toNanos(timeout));
    }

    /** Waits until the loop has ended, at most {@code timeout}. */
    public boolean awaitTermination(Duration timeout) {
        return loop.end().await(toNanos(timeout));
    }

    /** Runs passes without blocking until nothing is runnable and no timer is due (driven hubs). */
    void runUntilIdle() {
        loop.runUntilIdle();
    }

    /** Ends a hand-driven hub: kills its greenlets and runs it until they are done. */
    void closeDriven() {
        loop.end().closeDriven();
    }

    /** The selector, for tests that break the loop's own machinery. */
    java.nio.channels.Selector selectorForTest() {
        return loop.ioHandler() instanceof io.gevent4j.internal.uring.UringIo u ? u.selectorForTest()
                : ((io.gevent4j.internal.SelectorIo) loop.ioHandler()).selectorForTest();
    }

    static long toNanos(Duration d) {
        Objects.requireNonNull(d, "duration");
        try {
            return d.toNanos();
        } catch (ArithmeticException overflow) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    static void logSafely(System.Logger.Level level, String message, Throwable error) {
        EngineLog.logSafely(level, message, error);
    }

    @Override
    public String toString() {
        return "Hub[" + name + "#" + id() + "]";
    }
}
