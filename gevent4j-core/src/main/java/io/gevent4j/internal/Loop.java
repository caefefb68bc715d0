package io.gevent4j.internal;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The event loop of one hub: one platform thread (or, for a hand-driven hub, the test thread)
 * that runs its strands' continuations, its callbacks, its timers and its {@link IoHandler}.
 * {@code io.gevent4j.Hub} is the public face of it.
 *
 * <p>Who may call it: {@link #execute}, {@link #post}, the any-thread doors of {@link LoopTimers}
 * and {@link LoopEnd#close} from any thread; the rest from the loop's own thread (the loop, or a
 * strand mounted on it), as each method says. Nothing here blocks except {@link #awaitIdle} and
 * {@link LoopEnd#await}.
 */
public final class Loop {
    /*
     * Implementation overview.
     *
     * The loop is the virtual-thread scheduler (the Executor handed to the JDK's builder) of its
     * strands. execute() only enqueues: on the loop's own OS thread (the loop itself, or a
     * strand mounted on it) into the unsynchronised runQueue, from anywhere else into the
     * lock-free inbox. The loop thread alone touches runQueue, timers, the idlers and the live list.
     *
     * One pass (runPass): drain the inbox, fire expired timers (they only enqueue), run the
     * tasks that were queued when the pass began (FIFO: sleep(0) round-robins), poll the I/O
     * handler without blocking if it has registrations, and when nothing is runnable, block in
     * it until the next timer. The strands that timers or I/O handlers wake are run right after
     * the timers or the poll (the wake-ups queue), not through the run queue's next pass.
     * Cross-thread wake-up: the loop sets `parked` and then re-reads the inbox before it polls;
     * a producer offers to the inbox and then reads `parked`. Both are volatile, so one of them sees the other (the StoreLoad pair), and a producer wakes the
     * handler at most once per park (the `wakeupPending` CAS).
     *
     * Around the pass: LoopStats counts (passes, slices: the watchdog's view), LoopEnd holds the
     * end of life (termination, the death actions of a loop that could not go on), Idleness the
     * idlers and who awaits idleness, LiveStrands the live strands, Loops every live loop (from
     * construction until it ends, so the watchdog and RunInfo find it).
     */

    /** What a loop needs from its owner (the hub): told things, never asked to block. */
    public interface Host {
        /** A failure of a callback, timer or task ({@code strand} null) or of a strand's body. */
        void reportError(LoopStrand strand, Throwable error);

        /** Whether work outside the loop (the hub's thread pool) keeps it from being idle. */
        boolean busyElsewhere();

        /** A slice lasted {@code nanos}, at least {@link LoopStats#longSliceNanos} (slice timing on). */
        void longSlice(long nanos);

        /** Closing: deliver a kill to every live strand (on the loop thread). */
        void killAll();
    }

    private static final VarHandle WAKEUP_PENDING;

    /** gevent's default switch interval: how long one pass may run queued tasks before it polls. */
    public static final long SWITCH_INTERVAL_NANOS = 5_000_000L;
    /** How often a loop looks again for idleness while someone waits in {@link #awaitIdle}. */
    private static final long IDLE_RECHECK_MILLIS = 10;
    /**
     * Consecutive passes that may fail in the loop's own machinery (not in user code: runTask
     * and the host's reportError catch everything) before the loop gives up.
     */
    public static final int MAX_FAILED_PASSES = 1000;

    static {
        try {
            WAKEUP_PENDING = MethodHandles.lookup().findVarHandle(Loop.class, "wakeupPending", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        VirtualThreads.initialiseJdkPollers();
    }

    private final int id = Loops.nextId();
    private final String label;
    private final Host host;
    private final HubClock clock;
    private final IoHandler io;
    private final ThreadFactory strandThreads;
    private final Consumer<Runnable> runReady = this::runTask;
    /** The OS thread of the loop; for a hand-driven loop, the thread that drives it now. */
    private Thread loopThread;
    private final boolean driven;

    // Loop-thread-confined state.
    private final ArrayDeque<Runnable> runQueue = new ArrayDeque<>(256);
    /**
     * Continuations woken by timers while they fire, or by I/O handlers during a poll; run right
     * after the timers or the poll, in that order (one step from readiness to the greenlet).
     */
    private final ArrayDeque<Runnable> wakeups = new ArrayDeque<>();
    /**
     * One-shot actions run on the loop thread as soon as the current slice ends (the strand
     * that registered them parked, yielded or ended): a connection's batched writes are flushed
     * there, so no write stays buffered while its greenlet waits.
     */
    private final ArrayDeque<Runnable> sliceEnd = new ArrayDeque<>(4);
    /** Where execute() queues on the loop thread: the run queue, or the wake-ups. */
    private ArrayDeque<Runnable> loopTarget = runQueue;
    private final LoopTimers timerDoors;
    private final TimerHeap timers;
    /** Strands in {@link LoopStrand#idle()} and in {@link #awaitIdle}. */
    private final Idleness idleness = new Idleness(this);
    private final LiveStrands live = new LiveStrands();
    private final LoopStats stats = new LoopStats();

    // Shared state.
    private final ConcurrentLinkedQueue<Runnable> inbox = new ConcurrentLinkedQueue<>();
    private volatile boolean parked;
    @SuppressWarnings("unused") // through WAKEUP_PENDING
    private volatile int wakeupPending;
    private final LoopEnd end = new LoopEnd(this);

    /**
     * The loop of the hub named {@code hubName} (it shows as {@code Hub[name#id]}) on its own
     * unstarted platform thread {@code threadName}, or driven by hand by the calling thread if
     * {@code threadName} is null.
     */
    public Loop(String hubName, String threadName, boolean daemon, HubClock clock, Host host) {
        this(hubName, threadName, daemon, clock, host, SelectorIo::new);
    }

    /** As above, with the poller that {@code poller} makes for the hub's name. */
    public Loop(String hubName, String threadName, boolean daemon, HubClock clock, Host host,
            java.util.function.Function<String, IoHandler> poller) {
        VirtualThreads.probe();
        this.label = "Hub[" + Objects.requireNonNull(hubName, "name") + "#" + id + "]";
        this.host = Objects.requireNonNull(host, "host");
        this.clock = clock;
        this.timerDoors = new LoopTimers(this, clock);
        this.timers = timerDoors.heap;
        this.io = poller.apply(hubName);
        Executor scheduler = this::execute;
        this.strandThreads = VirtualThreads.factory(scheduler);
        this.driven = threadName == null;
        this.loopThread = driven ? Thread.currentThread()
                : Thread.ofPlatform().name(threadName).daemon(daemon).unstarted(this::run);
        WaitPathWarmUp.startOnce();
    }

    /**
     * Makes this loop visible to every thread ({@code Loops.all()}, the watchdog, run info): called
     * by its host once the host itself is complete, so nobody finds a loop whose host is half made.
     */
    public void publish() {
        Loops.register(this);
    }

    /** A small number, unique per loop in this JVM (the hub's id). */
    public int id() {
        return id;
    }

    /** Starts the loop's own thread. */
    public void start() {
        loopThread.start();
    }

    public Host host() {
        return host;
    }

    Thread newThread(LoopStrand body) {
        return strandThreads.newThread(body);
    }

    LiveStrands live() {
        return live;
    }

    /** The live strands, exact on the loop thread; a racy bounded view from elsewhere. */
    public List<LoopStrand> liveStrands(boolean racy) {
        return racy ? live.racySnapshot() : live.snapshot();
    }

    public int liveCount() {
        return live.count();
    }

    /** Strands that have begun to run on this loop, ever. */
    public long strandsStarted() {
        return live.added();
    }

    /** Strands that have ended after running on this loop, ever. */
    public long strandsFinished() {
        return live.removed();
    }

    // ---------------------------------------------------------------- timers

    /** Its timers (see {@link LoopTimers} for who may call what). */
    public LoopTimers timers() {
        return timerDoors;
    }

    public long now() {
        return clock.nanoTime();
    }

    /** Parks {@code s} (of this loop, the caller) until nothing else is runnable (gevent's idle). */
    void idle(LoopStrand s) {
        idleness.idle(s);
    }

    // ---------------------------------------------------------------- idleness (gevent's hub.join)

    /**
     * Waits until this loop has no referenced work left (see {@code Hub.awaitIdle}). True once
     * idle or ended, false if {@code nanos} passed first.
     */
    public boolean awaitIdle(long nanos) {
        return idleness.awaitIdle(nanos);
    }

    /**
     * Whether anything that may still run keeps this loop busy. On the loop thread, with nothing
     * mounted: a strand with a waiter in WAITING is parked in a library wait; one without is
     * parked in a JDK call (or about to run: then it is queued).
     */
    private boolean hasReferencedWork() {
        if (!runQueue.isEmpty() || !inbox.isEmpty() || idleness.hasIdlers() || timers.referenced() > 0
                || io.hasRegistrations() || live.anyOutsideLibraryWait()) {
            return true;
        }
        return host.busyElsewhere();
    }

    // ---------------------------------------------------------------- I/O registration

    /**
     * Registers a non-blocking {@code channel}; any thread. When its key is selected, the loop
     * runs {@code handler}, which must not block. Interest changes take effect at the loop's
     * next poll: make them on the loop thread (or post them), so a parked loop is woken.
     */
    public SelectionKey register(SelectableChannel channel, int ops, Runnable handler) throws ClosedChannelException {
        return io.register(channel, ops, handler);
    }

    /** The key of {@code channel} in this loop's poller, or null. */
    public SelectionKey keyFor(SelectableChannel channel) {
        return io.keyFor(channel);
    }

    /** The poller, for tests that break the loop's own machinery. */
    public IoHandler ioHandler() {
        return io;
    }

    // ---------------------------------------------------------------- the executor

    /** True if the caller runs on this loop's thread (the loop, or one of its strands). */
    public boolean inLoop() {
        Thread t = Thread.currentThread();
        if (t == loopThread) {
            return true;
        }
        LoopStrand s = LoopStrand.of(t);
        return s != null && s.loop() == this;
    }

    /**
     * The scheduler of this loop's virtual threads, and of callbacks. Never blocks, never runs
     * the task inline (the JDK calls it pinned, and re-enters it from Thread.yield).
     */
    public void execute(Runnable task) {
        if (inLoop()) {
            loopTarget.add(task);
        } else {
            post(task);
        }
    }

    /** Queues {@code task} through the inbox (any thread) and wakes a parked loop. */
    public void post(Runnable task) {
        inbox.offer(task);
        // StoreLoad pair with the loop: it sets `parked` and then re-reads the inbox.
        if (parked && WAKEUP_PENDING.compareAndSet(this, 0, 1)) {
            stats.selectorWoken(); // rare (at most once per park): an atomic add is fine
            io.wakeup();
        }
    }

    // ---------------------------------------------------------------- the loop

    private void run() {
        Loops.bindThread(this);
        Throwable fatal = null;
        try {
            int failedInARow = 0;
            while (!end.isClosing() || !quiescentForClose()) {
                try {
                    runPass(true);
                    failedInARow = 0;
                } catch (Throwable t) {
                    // Nothing a task, a timer, a callback, an error handler or a logger throws
                    // reaches here; what does is the loop's own failure, often transient (an
                    // OutOfMemoryError): report it and go on, unless it never stops failing.
                    if (++failedInARow >= MAX_FAILED_PASSES || !io.isOpen()) {
                        throw t;
                    }
                    if (failedInARow == 1) {
                        EngineLog.logSafely(System.Logger.Level.ERROR, "a pass of the loop of " + this + " failed; going on", t);
                    }
                }
            }
        } catch (Throwable t) {
            fatal = t;
        } finally {
            Loops.bindThread(null);
            ended();
            if (fatal != null || !end.isClosing()) {
                end.died(fatal);
            }
        }
    }

    /** One pass: the inbox, due timers, the tasks queued within the switch interval, then I/O. */
    public void runPass(boolean mayBlock) {
        stats.passes++;
        drainInbox();
        // The clock is read only when there are timers or a long queue: a yield ping-pong runs
        // two tasks a pass, and a nanoTime per pass was a measurable share of each switch.
        boolean clockRead = !timers.isEmpty();
        long passStart = clockRead ? clock.nanoTime() : 0L;
        if (clockRead) {
            fireTimers(passStart);
        }
        runQueued(clockRead, passStart);
        boolean hasIo = io.hasRegistrations();
        if (!runQueue.isEmpty() || !inbox.isEmpty() || idleness.hasIdlers()) {
            if (hasIo) {
                pollNow();
            }
            if (runQueue.isEmpty() && inbox.isEmpty()) {
                idleness.wakeIdlers(); // nothing else to run
            }
            return;
        }
        if (idleness.someoneAwaits() && !hasReferencedWork()) {
            idleness.wakeAwaiting();
            if (!runQueue.isEmpty()) {
                return; // strands of this loop were waiting: they run first
            }
        }
        if (!mayBlock) {
            if (hasIo) {
                pollNow();
            }
            return;
        }
        block();
    }

    /**
     * Runs the tasks queued when the pass began, at most for gevent's switch interval: a long run
     * queue (100,000 greenlets just spawned) must not hold back timers and I/O; what is left runs
     * first in the next pass.
     */
    private void runQueued(boolean clockRead, long passStart) {
        for (int i = 0, n = runQueue.size(); i < n; i++) {
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
    }

    /** Nothing is runnable: blocks in the poller until the next timer, I/O, or a post. */
    private void block() {
        long timeoutMillis = 0; // 0: no timer, block until woken
        Timer next = timers.peek();
        if (next != null) {
            long left = next.deadline - clock.nanoTime();
            if (left <= 0) {
                return;
            }
            timeoutMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(left + 999_999));
        }
        if ((timeoutMillis == 0 || timeoutMillis > IDLE_RECHECK_MILLIS) && idleness.someoneAwaits()) {
            // Someone waits for idleness: look again soon, for work that ends without waking the
            // loop (a thread-pool task, a channel closed elsewhere whose key is not yet dropped).
            timeoutMillis = IDLE_RECHECK_MILLIS;
        }
        if (end.isClosing() && live.count() == 0) {
            return;
        }
        // A producer that read `parked` during the previous park may win its CAS after that
        // park's reset and wake the selector only then; if the pass's selectNow consumed that
        // wake-up, `wakeupPending` would stay 1 through this park and every later producer would
        // skip its wake-up: the loop would sleep with work in its inbox. Each park starts at 0.
        wakeupPending = 0;
        parked = true;
        loopTarget = wakeups;
        try {
            if (inbox.isEmpty()) { // Dekker: re-read after publishing `parked`
                io.poll(runReady, timeoutMillis);
            }
        } catch (IOException e) {
            host.reportError(null, e);
        } finally {
            loopTarget = runQueue;
            parked = false;
            wakeupPending = 0;
        }
        runWakeups();
    }

    private void pollNow() {
        loopTarget = wakeups;
        try {
            io.pollNow(runReady);
        } catch (IOException e) {
            host.reportError(null, e);
        } finally {
            loopTarget = runQueue;
        }
        runWakeups();
    }

    /**
     * Runs the strands that the timers or the I/O handlers just woke, in the order they were
     * woken: a ready socket's greenlet runs in the pass whose poll found it ready, without a
     * hop through the run queue into the next pass (as libev's watcher switches into its
     * greenlet). Called after the poll has returned, never inside the selector's own callback.
     */
    private void runWakeups() {
        Runnable woken;
        while ((woken = wakeups.poll()) != null) {
            runTask(woken);
        }
    }

    private void drainInbox() {
        Runnable task;
        while ((task = inbox.poll()) != null) {
            stats.crossThreadTasks++;
            runQueue.add(task);
        }
    }

    /**
     * Fires the timers due at {@code now}, in deadline order, then runs at once the strands they
     * woke, in the same order: ahead of the run queue, as a libev timer switches into its
     * greenlet when it fires. A timer is never late behind a long queue of other work.
     */
    private void fireTimers(long now) {
        loopTarget = wakeups;
        try {
            Timer t;
            while ((t = timers.peek()) != null && t.deadline - now <= 0) {
                timers.poll();
                runTask(t); // a timer firing is a slice like any task (the watchdog sees it)
            }
        } finally {
            loopTarget = runQueue;
        }
        runWakeups();
    }

    private void runTask(Runnable task) {
        LoopStats st = stats;
        long c = st.enterSlice(); // odd: user code runs (read by the watchdog)
        long t0 = LoopStats.sliceTiming ? System.nanoTime() : 0L;
        try {
            task.run();
        } catch (Throwable e) {
            host.reportError(null, e);
        } finally {
            if (t0 != 0L) {
                st.sliceEnded(t0, host);
            }
            st.exitSlice(c);
        }
        if (!sliceEnd.isEmpty()) {
            runSliceEnd();
        }
    }

    /**
     * Runs {@code action} once on this loop's thread, right after the running slice ends (the
     * calling strand parks, yields or ends), before anything else runs. It must not block; a
     * failure goes to the host's error report. Only from the loop's thread (a strand mounted on
     * it).
     *
     * @param action what to run; not null
     * @throws IllegalStateException if the caller is not on this loop's thread
     */
    public void afterSlice(Runnable action) {
        if (!inLoop()) {
            throw new IllegalStateException("afterSlice is for the loop's own thread, not " + Thread.currentThread());
        }
        sliceEnd.add(Objects.requireNonNull(action, "action"));
    }

    private void runSliceEnd() {
        Runnable action;
        while ((action = sliceEnd.poll()) != null) {
            try {
                action.run();
            } catch (Throwable e) {
                host.reportError(null, e);
            }
        }
    }

    /** Runs passes without blocking until nothing is runnable and no timer is due (driven loops). */
    public void runUntilIdle() {
        if (!driven) {
            throw new IllegalStateException(this + " runs its own loop thread; only a driven hub is run by hand");
        }
        loopThread = Thread.currentThread();
        Loop previous = Loops.onThisThread();
        Loops.bindThread(this);
        try {
            do {
                runPass(false);
            } while (!runQueue.isEmpty() || !inbox.isEmpty() || timerDoors.due());
        } finally {
            Loops.bindThread(previous);
        }
    }

    // ---------------------------------------------------------------- statistics

    /** Tasks queued to run; racy from another thread. */
    public int runnable() {
        return runQueue.size() + inbox.size();
    }

    public int registrations() {
        return io.registrations();
    }

    /** What this loop counts (passes, slices, wake-ups). */
    public LoopStats stats() {
        return stats;
    }

    /** Whether the loop runs user code at this instant (a racy, lock-free read). */
    public boolean runsUserCode() {
        return stats.runsUserCode();
    }

    public Thread loopThread() {
        return loopThread;
    }

    // ---------------------------------------------------------------- the end

    /** Its close and its end of life. */
    public LoopEnd end() {
        return end;
    }

    /** Whether a close was asked ({@link LoopEnd#isClosing}). */
    public boolean isClosing() {
        return end.isClosing();
    }

    /** The loop has ended: no longer listed, idleness awaiters woken, the poller closed. */
    void ended() {
        end.terminated();
        idleness.wakeAwaiting(); // after `terminated`: a waiter that adds itself later sees it
        io.close();
        end.released();
    }

    private boolean quiescentForClose() {
        return live.count() == 0 && runQueue.isEmpty() && inbox.isEmpty();
    }

    /**
     * Runs {@code action} on a new platform thread if this loop ends without a {@link LoopEnd#close}
     * (it could not go on); at once if that has already happened. Any thread. Returns what
     * unregisters it (a server that stops calls it, so that none accumulate).
     */
    public Runnable onLoopDeath(Runnable action) {
        return end.onDeath(action);
    }

    @Override
    public String toString() {
        return label;
    }
}
