package io.gevent4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
     * The hub is the virtual-thread scheduler (the Executor handed to the JDK's builder) of its
     * greenlets. execute() only enqueues: on the loop's own OS thread (the loop itself, or a
     * greenlet mounted on it) into the unsynchronised runQueue, from anywhere else into the
     * lock-free inbox. The loop thread alone touches runQueue, timers, idlers and the live list.
     *
     * One pass of the loop: drain the inbox, fire expired timers (they only enqueue), run the
     * tasks that were queued when the pass began (FIFO: sleep(0) round-robins), poll the
     * selector without blocking if it has keys, and when nothing is runnable, block in the
     * selector until the next timer. Cross-thread wake-up: the loop sets `parked` and then
     * re-reads the inbox before it selects; a producer offers to the inbox and then reads
     * `parked`. Both are volatile, so one of them sees the other (the StoreLoad pair), and a
     * producer calls Selector.wakeup() at most once per park (the `wakeupPending` CAS).
     *
     * Observability (the watchdog, RunInfo, Stats). `sliceCount` is bumped with an opaque store
     * before and after every task and every timer the loop runs: it is odd exactly while the
     * loop runs user code (a greenlet's continuation, a callback, a timer). The loop thread is
     * its only writer; the watchdog thread reads it with an opaque load. On x86 and AArch64 an
     * opaque store is a plain store (no fence), so the hub pays two stores per slice and nothing
     * else; everything expensive (stacks, names) is done by the watchdog, and only once a slice
     * has lasted longer than the threshold. Slice timing (two System.nanoTime() per slice) runs
     * only while Watchdog.measureSlices(true). Every hub sits in LIVE from construction until its
     * loop ends, so that the watchdog and RunInfo can find it.
     */

    static final System.Logger LOG = System.getLogger("io.gevent4j");

    static final HubErrorHandler LOGGING_HANDLER = (hub, greenlet, error) -> LOG.log(
            System.Logger.Level.WARNING,
            () -> greenlet.map(g -> g + " failed with " + error).orElse("callback on " + hub + " failed with " + error),
            error);

    /** The hub whose loop runs on the current platform thread, if any. */
    static final ThreadLocal<Hub> LOOP = new ThreadLocal<>();

    private static final AtomicInteger HUB_IDS = new AtomicInteger();
    private static final AtomicReference<Hub> DEFAULT = new AtomicReference<>();
    private static final VarHandle WAKEUP_PENDING;
    private static final VarHandle SLICE_COUNT;
    private static final VarHandle SELECTOR_WAKEUPS;

    /** Every hub whose loop has not ended (the watchdog's and RunInfo's registry). */
    private static final java.util.Set<Hub> LIVE = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Set by {@link Watchdog#measureSlices}: time every slice (two nanoTime calls each). */
    static volatile boolean sliceTiming;

    static {
        try {
            WAKEUP_PENDING = MethodHandles.lookup().findVarHandle(Hub.class, "wakeupPending", int.class);
            SLICE_COUNT = MethodHandles.lookup().findVarHandle(Hub.class, "sliceCount", long.class);
            SELECTOR_WAKEUPS = MethodHandles.lookup().findVarHandle(Hub.class, "selectorWakeups", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        VirtualThreads.initialiseJdkPollers();
        preloadTimeZoneData();
        HubEvents.register();
        Watchdog.configureFromProperties();
        io.gevent4j.internal.Core.install(new CoreAccess());
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
    private final int id;
    private final HubClock clock;
    private final Selector selector;
    private final ThreadFactory greenletThreads;
    final Executor scheduler = this::execute;

    /**
     * The OS thread that runs the loop; for a hand-driven hub, the thread that drives it now
     * (rebound by each {@link #runUntilIdle()}; the test framework orders the hand-over).
     */
    private Thread loopThread;
    private final boolean driven;

    // Loop-thread-confined state.
    private final ArrayDeque<Runnable> runQueue = new ArrayDeque<>(256);
    /** Continuations woken by timers while they fire; run right after, in deadline order. */
    private final ArrayDeque<Runnable> timerWakeups = new ArrayDeque<>();
    /** Where execute() queues on the loop thread: the run queue, or the timer wake-ups. */
    private ArrayDeque<Runnable> loopTarget = runQueue;
    /** gevent's default switch interval: how long one pass may run queued tasks before it polls. */
    static final long SWITCH_INTERVAL_NANOS = 5_000_000L;
    private final TimerHeap timers = new TimerHeap();
    private final ArrayDeque<Waiter> idlers = new ArrayDeque<>();
    private Greenlet<?> liveHead;
    private int liveCount;
    private long spawned;
    private long finished;
    private int nextIdent;
    private final java.util.PriorityQueue<Integer> freeIdents = new java.util.PriorityQueue<>();
    // Observability: written by the loop thread only (see the overview).
    @SuppressWarnings("unused") // through SLICE_COUNT
    private long sliceCount;
    private long passes;
    private long crossThreadTasks;
    @SuppressWarnings("unused") // through SELECTOR_WAKEUPS
    private volatile long selectorWakeups;
    /** Longest slice seen: timed by the loop (slice timing on) or by the watchdog; nanoseconds. */
    private volatile long longestSliceNanos;

    // Shared state.
    private final ConcurrentLinkedQueue<Runnable> inbox = new ConcurrentLinkedQueue<>();
    private volatile boolean parked;
    @SuppressWarnings("unused") // through WAKEUP_PENDING
    private volatile int wakeupPending;
    private volatile HubErrorHandler errorHandler = LOGGING_HANDLER;
    private volatile boolean closing;
    private volatile boolean terminated;
    private final CountDownLatch terminatedLatch = new CountDownLatch(1);
    private final Object threadPoolLock = new Object();
    private volatile ThreadPool threadPool;
    /**
     * Strands in {@link #awaitIdle}: added by any thread, woken by the loop when it finds no
     * referenced work, or when it ends. Empty (one volatile read per park of the loop) unless
     * someone waits.
     */
    private final ConcurrentLinkedQueue<Waiter> idleWaiters = new ConcurrentLinkedQueue<>();

    private Hub(String name, HubClock clock, boolean ownThread, boolean daemon) {
        VirtualThreads.probe();
        this.name = Objects.requireNonNull(name, "name");
        this.id = HUB_IDS.getAndIncrement();
        this.clock = clock;
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector for hub " + name, e);
        }
        this.greenletThreads = VirtualThreads.factory(scheduler);
        this.driven = !ownThread;
        if (ownThread) {
            this.loopThread = Thread.ofPlatform().name("gevent4j-hub-" + name).daemon(daemon).unstarted(this::loop);
        } else {
            this.loopThread = Thread.currentThread();
        }
        LIVE.add(this);
        WaitPathWarmUp.startOnce();
    }

    /** Starts a hub with its own loop thread (a non-daemon thread: close the hub when done). */
    public static Hub start(String name) {
        Hub hub = new Hub(name, HubClock.SYSTEM, true, false);
        hub.loopThread.start();
        return hub;
    }

    /** Starts a hub whose loop thread is a daemon (it does not keep the JVM alive). */
    public static Hub startDaemon(String name) {
        Hub hub = new Hub(name, HubClock.SYSTEM, true, true);
        hub.loopThread.start();
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
            if (h != null && !h.closing) {
                return h;
            }
            Hub created = new Hub("default", HubClock.SYSTEM, true, true);
            if (DEFAULT.compareAndSet(h, created)) {
                created.loopThread.start();
                return created;
            }
            created.selectorCloseQuietly();
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
        Hub loop = LOOP.get();
        return loop != null ? loop : defaultHub();
    }

    public String name() {
        return name;
    }

    /** A small number, unique per hub in this JVM. */
    public int id() {
        return id;
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

    Thread newGreenletThread(Runnable body) {
        return greenletThreads.newThread(body);
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

    // ---------------------------------------------------------------- callbacks and timers

    /**
     * Runs {@code callback} on this hub's loop on a later pass, first-in first-out with
     * greenlet wake-ups. Thread-safe. The callback must not block; what it throws is reported
     * to the error handler.
     */
    public void callSoon(Runnable callback) {
        execute(Objects.requireNonNull(callback, "callback"));
    }

    /**
     * Runs {@code callback} on this hub's loop once {@code delay} has passed. Thread-safe.
     * Returns a handle whose {@code cancel()} prevents a callback that has not fired yet.
     */
    public Scheduled callLater(Duration delay, Runnable callback) {
        Objects.requireNonNull(callback, "callback");
        Scheduled s = new Scheduled(this, callback);
        addTimerFromAnyThread(s, toNanos(delay)); // a cancelled one still in flight fires as a no-op
        return s;
    }

    /** A callback scheduled with {@link #callLater}. */
    public static final class Scheduled extends Timer {
        private final Hub hub;
        private final Runnable callback;
        private volatile boolean cancelled;

        Scheduled(Hub hub, Runnable callback) {
            this.hub = hub;
            this.callback = callback;
        }

        /** Prevents the callback if it has not fired yet. Thread-safe; idempotent. */
        public void cancel() {
            cancelled = true;
            if (hub.inLoop()) {
                hub.timers.remove(this);
            }
        }

        public boolean isCancelled() {
            return cancelled;
        }

        /**
         * Makes it unreferenced (gevent's {@code ref=False}): while pending it no longer keeps
         * {@link Hub#awaitIdle} waiting. It still fires on time. Thread-safe; returns this.
         */
        public Scheduled unref() {
            hub.setReferenced(this, false);
            return this;
        }

        /** Undoes {@link #unref()}. Thread-safe; returns this. */
        public Scheduled ref() {
            hub.setReferenced(this, true);
            return this;
        }

        @Override
        void fire() {
            if (!cancelled) {
                cancelled = true;
                callback.run();
            }
        }
    }

    /** Adds a timer; the caller is on the loop thread (a greenlet of this hub or a callback). */
    void addTimer(Timer t) {
        timers.add(t);
    }

    void removeTimer(Timer t) {
        timers.remove(t);
    }

    /** Marks a timer of this hub referenced or not, from any thread (in order with its adding). */
    void setReferenced(Timer t, boolean referenced) {
        if (inLoop()) {
            timers.setReferenced(t, referenced);
        } else {
            post(() -> timers.setReferenced(t, referenced));
        }
    }

    /** Adds a timer from any thread, {@code nanos} from now. */
    void addTimerFromAnyThread(Timer t, long nanos) {
        if (inLoop()) {
            t.deadline = clock.nanoTime() + nanos;
            timers.add(t);
        } else {
            long requested = System.nanoTime();
            post(() -> {
                // Account for the time the request spent crossing to the loop.
                long elapsed = System.nanoTime() - requested;
                t.deadline = clock.nanoTime() + Math.max(0, nanos - elapsed);
                timers.add(t);
            });
        }
    }

    void removeTimerFromAnyThread(Timer t) {
        if (inLoop()) {
            timers.remove(t);
        } else {
            post(() -> timers.remove(t));
        }
    }

    long now() {
        return clock.nanoTime();
    }

    /** Parks the calling greenlet until this hub has nothing else to run (gevent's idle). */
    void idle(Greenlet<?> g) {
        Waiter w = new Waiter(g);
        idlers.add(w);
        try {
            g.await(w, Strand.NO_DEADLINE);
        } finally {
            idlers.remove(w);
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
        long nanos = toNanos(timeout);
        Strand s = Strand.ofCaller();
        if (terminated) {
            return true;
        }
        Waiter w = new Waiter(s);
        w.unref = true; // the waiter's own time-out is not work of this hub
        idleWaiters.add(w);
        if (terminated) { // Dekker with the end of the loop: it sets `terminated`, then wakes the queue
            idleWaiters.remove(w);
            return true;
        }
        boolean idle = false;
        try {
            if (inLoop()) {
                callSoon(() -> {}); // look again at the end of this pass
            } else {
                post(() -> {}); // wake the loop so that it looks
            }
            idle = s.await(w, s.deadlineAfter(nanos));
        } finally {
            if (!idle) {
                idleWaiters.remove(w);
            }
        }
        return idle || terminated;
    }

    /** {@link #awaitIdle(Duration)} without a time-out. */
    public void awaitIdle() {
        awaitIdle(Duration.ofSeconds(Long.MAX_VALUE / 2_000_000_000L));
    }

    /**
     * Whether anything that may still run keeps this hub busy (see {@link #awaitIdle}). On the
     * loop thread, with nothing mounted: a greenlet of this hub with a waiter in WAITING is parked
     * in a library wait; one without is parked in a JDK call (or about to run: then it is queued).
     */
    boolean hasReferencedWork() {
        if (!runQueue.isEmpty() || !inbox.isEmpty() || !idlers.isEmpty() || timers.referenced() > 0
                || !selector.keys().isEmpty()) {
            return true;
        }
        for (Greenlet<?> g = liveHead; g != null; g = g.liveNext) {
            Waiter w = g.waiter;
            if (w == null || !w.isWaiting()) {
                return true;
            }
        }
        ThreadPool p = threadPool;
        return p != null && p.pending() > 0;
    }

    /** How often a loop looks again for idleness while someone waits in {@link #awaitIdle}. */
    private static final long IDLE_RECHECK_MILLIS = 10;

    private void wakeIdleWaiters() {
        Waiter w;
        while ((w = idleWaiters.poll()) != null) {
            w.notifyWaiter();
        }
    }

    // ---------------------------------------------------------------- deadlock detection

    /**
     * The deadlock that {@code caller} (a greenlet of this hub, running) would enter by waiting
     * without a time-out on {@code on} (a {@link Greenlet} it joins, or an {@link RLock} it
     * acquires), or null if it is not certain. Certain: following who must act next (the joined
     * greenlet; the lock's owner) leads back to {@code caller}, through greenlets of this hub
     * that are all parked in such an untimed wait, and no {@link Timeout} is pending on any of
     * them. A greenlet finishes only by running, and an RLock is released only by its owner, so
     * no wait of the cycle can ever end normally; only an exception (a kill) could end one.
     * Reads the state of other greenlets: on the loop thread, none of them runs meanwhile.
     */
    DeadlockException deadlockCycle(Greenlet<?> caller, Object on) {
        Greenlet<?> first = mustAct(on);
        if (first != caller && (first == null || first.waitsFor == null)) {
            return null; // the common case (the target runs, or waits on something else): no allocation
        }
        List<Greenlet<?>> cycle = new ArrayList<>();
        List<Object> edges = new ArrayList<>();
        cycle.add(caller);
        edges.add(on);
        Greenlet<?> t = mustAct(on);
        while (t != caller) {
            if (t == null || t.hub() != this || cycle.size() > 100_000) {
                return null;
            }
            Waiter w = t.waiter;
            Object next = t.waitsFor;
            if (w == null || !w.isWaiting() || next == null || cycle.contains(t)) {
                return null; // not parked in such a wait, or a cycle that does not pass through the caller
            }
            cycle.add(t);
            edges.add(next);
            t = mustAct(next);
        }
        if (timers.interruptsAny(java.util.Set.copyOf(cycle))) {
            return null; // a time-out will end one of these waits
        }
        StringBuilder m = new StringBuilder("deadlock: ").append(caller).append(" would wait forever to ")
                .append(on instanceof Greenlet<?> ? "join " : "acquire ").append(on).append(": ");
        for (int i = 0; i < cycle.size(); i++) {
            Greenlet<?> next = cycle.get((i + 1) % cycle.size());
            m.append(i == 0 ? "" : ", ").append('"').append(cycle.get(i).name()).append('"');
            if (edges.get(i) instanceof RLock lock) {
                m.append(" waits for RLock@").append(Integer.toHexString(System.identityHashCode(lock)))
                        .append(" held by \"").append(next.name()).append('"');
            } else {
                m.append(" joins \"").append(next.name()).append('"');
            }
        }
        m.append(". None of these waits can ever end: none has a time-out, a greenlet finishes only by"
                + " running and a lock is released only by its owner. Wait with a time-out, take locks in"
                + " one order, or kill one of them.");
        return new DeadlockException(m.toString(), List.copyOf(cycle));
    }

    /** The greenlet that must act to end a wait on {@code on}, or null if none is known. */
    private static Greenlet<?> mustAct(Object on) {
        if (on instanceof Greenlet<?> g) {
            return g;
        }
        if (on instanceof RLock lock && lock.currentOwner() instanceof Greenlet<?> owner) {
            return owner;
        }
        return null;
    }

    // ---------------------------------------------------------------- I/O registration

    /**
     * Registers a non-blocking {@code channel} with this hub's selector; any thread (the JDK's
     * register does not wait for a select in progress). When its key is selected, the loop runs
     * {@code handler}, which must not block. Interest changes ({@code key.interestOps}) take
     * effect at the loop's next select: make them on the loop thread (or post them with
     * {@link #callSoon}), so a parked loop is woken. {@code key.cancel()} / closing the channel
     * deregisters it.
     */
    SelectionKey registerChannel(java.nio.channels.SelectableChannel channel, int ops, Runnable handler)
            throws java.nio.channels.ClosedChannelException {
        return channel.register(selector, ops, handler);
    }

    /** The key of {@code channel} in this hub's selector, or null. */
    SelectionKey keyFor(java.nio.channels.SelectableChannel channel) {
        return channel.keyFor(selector);
    }

    // ---------------------------------------------------------------- the executor

    /** True if the caller runs on this hub's loop thread (the loop, or one of its greenlets). */
    boolean inLoop() {
        Thread t = Thread.currentThread();
        if (t == loopThread) {
            return true;
        }
        Greenlet<?> g = Greenlet.of(t);
        return g != null && g.hub() == this;
    }

    /**
     * The scheduler of this hub's virtual threads, and of callbacks. Never blocks, never runs
     * the task inline (the JDK calls it pinned, and re-enters it from Thread.yield).
     */
    private void execute(Runnable task) {
        if (inLoop()) {
            loopTarget.add(task);
        } else {
            post(task);
        }
    }

    private void post(Runnable task) {
        inbox.offer(task);
        // StoreLoad pair with the loop: it sets `parked` and then re-reads the inbox.
        if (parked && WAKEUP_PENDING.compareAndSet(this, 0, 1)) {
            SELECTOR_WAKEUPS.getAndAdd(this, 1L); // rare (at most once per park): an atomic add is fine
            selector.wakeup();
        }
    }

    // ---------------------------------------------------------------- the loop

    /**
     * Consecutive passes that may fail in the loop's own machinery (not in user code: runTask
     * and reportError catch everything) before the loop gives up: a selector that was closed
     * under it, or memory that never comes back.
     */
    static final int MAX_FAILED_PASSES = 1000;

    private void loop() {
        LOOP.set(this);
        Throwable fatal = null;
        try {
            int failedInARow = 0;
            while (!closing || !quiescentForClose()) {
                try {
                    runPass(true);
                    failedInARow = 0;
                } catch (Throwable t) {
                    // Nothing a task, a timer, a callback, an error handler or a logger throws
                    // reaches here; what does is the loop's own failure, often transient (an
                    // OutOfMemoryError): report it and go on, unless it never stops failing.
                    if (++failedInARow >= MAX_FAILED_PASSES || !selector.isOpen()) {
                        throw t;
                    }
                    if (failedInARow == 1) {
                        logSafely(System.Logger.Level.ERROR, "a pass of the loop of " + this + " failed; going on", t);
                    }
                }
            }
        } catch (Throwable t) {
            fatal = t;
        } finally {
            LOOP.remove();
            LIVE.remove(this);
            terminated = true;
            wakeIdleWaiters(); // after `terminated`: a waiter that adds itself later sees it
            selectorCloseQuietly();
            terminatedLatch.countDown();
            if (fatal != null || !closing) {
                died(fatal);
            }
        }
    }

    /**
     * The loop ended without {@link #close}: says so on the logger and on stderr (the logger
     * may be what fails), then runs the {@linkplain #onLoopDeath death actions} (servers on
     * this hub stop, so that they fail visibly instead of staying up deaf).
     */
    private void died(Throwable cause) {
        String message = "FATAL: the loop of " + this + " cannot go on and has ended; its greenlets will never run again";
        logSafely(System.Logger.Level.ERROR, message, cause);
        try {
            System.err.println("gevent4j: " + message + (cause != null ? ": " + cause : ""));
            System.err.flush();
        } catch (Throwable ignored) {
            // nowhere left to say it
        }
        for (Runnable action : deathActions) {
            if (deathActions.remove(action)) { // onLoopDeath may race for it: one of them runs it
                runDeathAction(action);
            }
        }
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

    /** Actions run (each on a new platform thread) if the loop ends without {@link #close}. */
    private final java.util.concurrent.CopyOnWriteArrayList<Runnable> deathActions =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * Runs {@code action} on a new platform thread if this hub's loop ends without a
     * {@link #close} (it could not go on); at once if that has already happened. Any thread.
     * Returns what unregisters it (a server that stops calls it, so that none accumulate).
     */
    Runnable onLoopDeath(Runnable action) {
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

    /** The selector, for tests that break the loop's own machinery. */
    Selector selectorForTest() {
        return selector;
    }

    /**
     * Logs and never throws: out of file descriptors, a logging back end can fail with a plain
     * Error (JUL's first time stamp loads time-zone data from a file). Falls back to stderr.
     */
    static void logSafely(System.Logger.Level level, String message, Throwable error) {
        try {
            LOG.log(level, message, error);
        } catch (Throwable loggingFailed) {
            try {
                System.err.println("gevent4j: " + level + ": " + message + ": " + error
                        + " (and the logger failed: " + loggingFailed + ")");
            } catch (Throwable ignored) {
                // nowhere left to say it
            }
        }
    }

    private boolean quiescentForClose() {
        return liveCount == 0 && runQueue.isEmpty() && inbox.isEmpty();
    }

    /** One pass of the loop; blocks in the selector only if allowed and nothing is runnable. */
    void runPass(boolean mayBlock) {
        passes++;
        drainInbox();
        // The clock is read only when there are timers or a long queue: a yield ping-pong runs
        // two tasks a pass, and a nanoTime per pass was a measurable share of each switch.
        boolean clockRead = !timers.isEmpty();
        long passStart = clockRead ? clock.nanoTime() : 0L;
        if (clockRead) {
            fireTimers(passStart);
        }
        for (int i = 0, n = runQueue.size(); i < n; i++) {
            // gevent's switch interval: a long run queue (100,000 greenlets just spawned) must not
            // hold back timers and I/O; what is left runs first in the next pass.
            if ((i & 63) == 63) {
                long now = clock.nanoTime();
                if (!clockRead) {
                    clockRead = true;
                    passStart = now;
                } else if (now - passStart > SWITCH_INTERVAL_NANOS) {
                    break;
                }
            }
            Runnable task = runQueue.poll();
            if (task == null) {
                break;
            }
            runTask(task);
        }
        boolean hasKeys = !selector.keys().isEmpty();
        if (!runQueue.isEmpty() || !inbox.isEmpty()) {
            if (hasKeys) {
                selectNow();
            }
            return;
        }
        if (!idlers.isEmpty()) {
            if (hasKeys) {
                selectNow();
            }
            if (runQueue.isEmpty() && inbox.isEmpty()) {
                // Nothing else to run: wake the idlers (first-in first-out).
                Waiter w;
                while ((w = idlers.poll()) != null) {
                    w.notifyWaiter();
                }
            }
            return;
        }
        if (!idleWaiters.isEmpty() && !hasReferencedWork()) {
            wakeIdleWaiters();
            if (!runQueue.isEmpty()) {
                return; // greenlets of this hub were waiting: they run first
            }
        }
        if (!mayBlock) {
            if (hasKeys) {
                selectNow();
            }
            return;
        }
        long timeoutMillis = 0; // 0: no timer, block until woken
        Timer next = timers.peek();
        if (next != null) {
            long left = next.deadline - clock.nanoTime();
            if (left <= 0) {
                return;
            }
            timeoutMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(left + 999_999));
        }
        if (!idleWaiters.isEmpty() && (timeoutMillis == 0 || timeoutMillis > IDLE_RECHECK_MILLIS)) {
            // Someone waits for idleness: look again soon, for work that ends without waking the
            // loop (a thread-pool task, a channel closed elsewhere whose key is not yet dropped).
            timeoutMillis = IDLE_RECHECK_MILLIS;
        }
        if (closing && liveCount == 0) {
            return;
        }
        parked = true;
        try {
            if (inbox.isEmpty()) { // Dekker: re-read after publishing `parked`
                selector.select(this::onSelected, timeoutMillis);
            }
        } catch (IOException e) {
            reportError(null, e);
        } finally {
            parked = false;
            wakeupPending = 0;
        }
    }

    private void selectNow() {
        try {
            selector.selectNow(this::onSelected);
        } catch (IOException e) {
            reportError(null, e);
        }
    }

    private void onSelected(SelectionKey key) {
        if (key.attachment() instanceof Runnable handler) {
            runTask(handler);
        }
    }

    private void drainInbox() {
        Runnable task;
        while ((task = inbox.poll()) != null) {
            crossThreadTasks++;
            runQueue.add(task);
        }
    }

    /**
     * Fires the timers due at {@code now}, in deadline order, then runs at once the greenlets they
     * woke, in the same order: ahead of the run queue, as a libev timer switches into its
     * greenlet when it fires. A timer is never late behind a long queue of other work.
     */
    private void fireTimers(long now) {
        loopTarget = timerWakeups;
        try {
            Timer t;
            while ((t = timers.peek()) != null && t.deadline - now <= 0) {
                timers.poll();
                runTask(t); // a timer firing is a slice like any task (the watchdog sees it)
            }
        } finally {
            loopTarget = runQueue;
        }
        Runnable woken;
        while ((woken = timerWakeups.poll()) != null) {
            runTask(woken);
        }
    }

    private void runTask(Runnable task) {
        long c = sliceCount;
        SLICE_COUNT.setOpaque(this, c + 1); // odd: user code runs (read by the watchdog)
        long t0 = sliceTiming ? System.nanoTime() : 0L;
        try {
            task.run();
        } catch (Throwable e) {
            reportError(null, e);
        } finally {
            if (t0 != 0L) {
                sliceEnded(t0);
            }
            SLICE_COUNT.setOpaque(this, c + 2);
        }
    }

    private void sliceEnded(long t0) {
        long d = System.nanoTime() - t0;
        if (d > longestSliceNanos) {
            longestSliceNanos = d;
        }
        if (d >= Watchdog.longSliceNanos()) {
            HubEvents.longRunSlice(this, d, true);
        }
    }

    /** Runs passes without blocking until nothing is runnable and no timer is due (driven hubs). */
    void runUntilIdle() {
        checkDriver();
        Hub previous = LOOP.get();
        LOOP.set(this);
        try {
            do {
                runPass(false);
            } while (!runQueue.isEmpty() || !inbox.isEmpty() || dueTimer());
        } finally {
            if (previous == null) {
                LOOP.remove();
            } else {
                LOOP.set(previous);
            }
        }
    }

    private boolean dueTimer() {
        Timer t = timers.peek();
        return t != null && t.deadline - clock.nanoTime() <= 0;
    }

    private void checkDriver() {
        if (!driven) {
            throw new IllegalStateException(this + " runs its own loop thread; only a driven hub is run by hand");
        }
        loopThread = Thread.currentThread();
    }

    // ---------------------------------------------------------------- greenlet bookkeeping

    void greenletStarted(Greenlet<?> g) {
        spawned++;
        liveCount++;
        g.liveNext = liveHead;
        if (liveHead != null) {
            liveHead.livePrev = g;
        }
        liveHead = g;
    }

    void greenletFinished(Greenlet<?> g) {
        finished++;
        liveCount--;
        Greenlet<?> prev = g.livePrev;
        Greenlet<?> next = g.liveNext;
        if (prev != null) {
            prev.liveNext = next;
        } else if (liveHead == g) {
            liveHead = next;
        }
        if (next != null) {
            next.livePrev = prev;
        }
        g.livePrev = null;
        g.liveNext = null;
    }

    int allocateIdent() {
        synchronized (freeIdents) {
            Integer free = freeIdents.poll();
            return free != null ? free : nextIdent++;
        }
    }

    void releaseIdent(int ident) {
        synchronized (freeIdents) {
            freeIdents.add(ident);
        }
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
        int keys;
        try {
            keys = selector.keys().size();
        } catch (java.nio.channels.ClosedSelectorException closed) {
            keys = 0;
        }
        return new Stats(liveCount, spawned, finished, runQueue.size() + inbox.size(), timers.size(),
                passes, ((long) SLICE_COUNT.getOpaque(this)) >>> 1, keys, crossThreadTasks,
                (long) SELECTOR_WAKEUPS.getVolatile(this), Duration.ofNanos(longestSliceNanos));
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

    /** Every hub whose loop has not ended (started, daemon, default or hand-driven), in no order. */
    public static List<Hub> all() {
        return List.copyOf(LIVE);
    }

    /** The current slice count: odd while the loop runs user code. Any thread (opaque read). */
    long sliceCount() {
        return (long) SLICE_COUNT.getOpaque(this);
    }

    /** Raises the longest-slice statistic to {@code nanos} if it is longer (the watchdog's view). */
    void recordSlice(long nanos) {
        if (nanos > longestSliceNanos) {
            longestSliceNanos = nanos;
        }
    }

    Thread loopThread() {
        return loopThread;
    }

    /**
     * The live greenlets read from any thread, without the loop's cooperation: exact when the
     * loop is stuck or on the loop thread, otherwise a racy view (a greenlet that starts or ends
     * meanwhile may be missed). Bounded, so a torn list cannot loop forever.
     */
    List<Greenlet<?>> liveGreenletsRacy() {
        List<Greenlet<?>> out = new ArrayList<>();
        int bound = Math.max(16, liveCount * 2 + 16);
        for (Greenlet<?> g = liveHead; g != null && out.size() < bound; g = g.liveNext) {
            out.add(g);
        }
        return out;
    }

    /** The greenlets of this hub that are running or parked. Exact only on the loop thread. */
    List<Greenlet<?>> liveGreenlets() {
        List<Greenlet<?>> out = new ArrayList<>(liveCount);
        for (Greenlet<?> g = liveHead; g != null; g = g.liveNext) {
            out.add(g);
        }
        return out;
    }

    // ---------------------------------------------------------------- closing

    /** True once {@link #close} has been called. */
    public boolean isClosed() {
        return closing;
    }

    /** True once the loop has ended. */
    public boolean isTerminated() {
        return terminated;
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
        if (!closing) {
            closing = true;
            if (loopThread.isAlive() || loopThread == Thread.currentThread()) {
                post(this::killAllLive);
            }
            if (this == DEFAULT.get()) {
                DEFAULT.compareAndSet(this, null);
            }
        }
        if (inLoop() || loopThread.getState() == Thread.State.NEW) {
            if (loopThread.getState() == Thread.State.NEW && loopThread != Thread.currentThread()) {
                LIVE.remove(this);
                terminated = true;
                wakeIdleWaiters();
                selectorCloseQuietly();
                terminatedLatch.countDown();
            }
            return terminated;
        }
        if (loopThread == Thread.currentThread()) {
            return terminated;
        }
        return awaitTermination(timeout);
    }

    private void killAllLive() {
        for (Greenlet<?> g : liveGreenlets()) {
            g.killAsync();
        }
    }

    /** Waits until the loop has ended, at most {@code timeout}. */
    public boolean awaitTermination(Duration timeout) {
        try {
            if (!terminatedLatch.await(toNanos(timeout), TimeUnit.NANOSECONDS)) {
                // Wake the loop so a close that raced with a park is observed.
                post(() -> {});
                return terminatedLatch.await(1, TimeUnit.MILLISECONDS);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return terminated;
        }
    }

    /** Ends a hand-driven hub: kills its greenlets and runs it until they are done. */
    void closeDriven() {
        closing = true;
        killAllLive();
        runUntilIdle();
        LIVE.remove(this);
        terminated = true;
        wakeIdleWaiters();
        selectorCloseQuietly();
        terminatedLatch.countDown();
    }

    private void selectorCloseQuietly() {
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing: nothing to report to
        }
    }

    static long toNanos(Duration d) {
        Objects.requireNonNull(d, "duration");
        try {
            return d.toNanos();
        } catch (ArithmeticException overflow) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    @Override
    public String toString() {
        return "Hub[" + name + "#" + id + "]";
    }
}
