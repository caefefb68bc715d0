package io.gevent4j;

import io.gevent4j.internal.WaitList;

import io.gevent4j.internal.Strand;
import io.gevent4j.internal.Timer;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * A lightweight job that runs plain blocking code on a {@link Hub}: gevent's {@code Greenlet},
 * implemented as a virtual thread whose scheduler is its hub.
 *
 * <p>Who may call it: any thread, inside a greenlet or not, on any hub. The blocking methods
 * ({@link #join()}, {@link #result()}, {@link #get()}, {@link #kill()}) park the calling greenlet
 * and let its hub run others; called from a plain thread they block that thread. Each has a
 * form that takes a timeout; an enclosing {@link Timeout} interrupts any of them.
 *
 * <p>Two ways to get the outcome, on purpose:
 * <ul>
 *   <li>{@link #result()} is gevent's {@code get()}: the value, or the greenlet's own exception
 *       rethrown as it is (a checked exception arrives wrapped in {@link CompletionException}).
 *   <li>{@link #get()} is {@link Future#get()}: failures wrapped in {@link ExecutionException},
 *       a killed greenlet raises {@link CancellationException}.
 * </ul>
 * A greenlet killed with {@link GreenletExit} counts as <em>successful</em>, with no value.
 *
 * <p>A kill reaches a greenlet parked inside a JDK or third-party call (a {@code java.net}
 * socket, {@code HttpClient.send}, a JDBC driver) by interrupting it; the call throws its own
 * exception. Whatever the body then throws or returns, the greenlet's outcome is the kill's
 * exception, with the body's exception as its cause. A body that catches the call's exception
 * gets the kill at its next wait point of this library, and until then every JDK call it parks
 * in is interrupted again (checked every 16 ms), so a retry loop cannot outlive a kill.
 *
 * <p>gevent's {@code with spawn(f) as g:} has two shapes, because Java's {@code close()} cannot
 * see whether its block threw: try-with-resources ({@link #close()}) joins it on every exit, and
 * {@link #scoped} joins it when the body returns and kills it with the body's exception when the
 * body throws.
 *
 * {@snippet :
 * Greenlet<String> g = Gevent.spawn(() -> {
 *     Gevent.sleep(Duration.ofMillis(10));
 *     return "done";
 * });
 * g.linkValue(done -> System.out.println("finished: " + done.value()));
 * System.out.println(g.result()); // blocks this thread (or greenlet) until it finishes
 * }
 */
public final class Greenlet<T> implements Future<T>, Waitable, AutoCloseable {
    /*
     * Implementation overview.
     *
     * state goes NEW -> SCHEDULED (start/startLater) -> RUNNING (its body began, on the hub)
     * -> DONE, or NEW/SCHEDULED -> DONE when killed before it ran. SCHEDULED -> RUNNING is a
     * CAS by the body; the kill of an unstarted greenlet CASes SCHEDULED -> DONE under the
     * monitor, so exactly one wins and a killed greenlet never runs its task.
     *
     * Links (joiners, whenReady actions, user links) live in GreenletLinks (joiners and actions
     * in a WaitList), guarded by the monitor; the transition to DONE takes them in the same
     * critical section, so a link is either notified by the completion or sees DONE and runs at
     * once (see GreenletLinks for the order and the one-at-a-time rule of user links).
     *
     * The greenlet waits as its strand (GreenletStrand, a LoopStrand of the engine): the pending
     * exception, the waiter and the thread live there. The strand is the thread's body and its
     * uncaught-exception handler, so the greenlet is found from its thread with a field read
     * (no ThreadLocal map per greenlet); the engine finds the strand without naming Greenlet.
     */

    private static final int NEW = 0;
    private static final int SCHEDULED = 1;
    private static final int RUNNING = 2;
    private static final int DONE = 3;

    static final byte VALUE = 1;
    static final byte FAILED = 2;
    static final byte EXITED = 3;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Greenlet.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Hub hub;
    private final WeakReference<Greenlet<?>> parent;
    /** A Callable or a Runnable (stored as given: no wrapper object, no extra stack frame). */
    private Object task;
    private volatile int state;
    /** What this greenlet waits as: the engine's strand, its thread's body. */
    private final GreenletStrand strand;
    /** The value, or the throwable it ended with. Written before `state` becomes DONE. */
    private Object outcome;
    private byte kind;
    private boolean ran;
    /** Joiners, whenReady actions and user links; made on the first one; guarded by this. */
    private GreenletLinks<T> links;
    private volatile String name;
    private int ident = -1;
    private Timer startTimer;
    /**
     * What this greenlet waits for without a time-out, for deadlock detection (Deadlocks.cycle):
     * a greenlet it joins or an RLock it acquires, or null. Its hub's loop thread only.
     */
    Object waitsFor;

    Greenlet(Hub hub, Callable<? extends T> task) {
        this(hub, (Object) Objects.requireNonNull(task, "task"));
    }

    /** A greenlet whose task is a Runnable; its value is null. */
    static Greenlet<Void> ofRunnable(Hub hub, Runnable task) {
        return new Greenlet<>(hub, (Object) Objects.requireNonNull(task, "task"));
    }

    private Greenlet(Hub hub, Object task) {
        this.hub = hub;
        this.task = task;
        this.strand = new GreenletStrand(hub.loop(), this);
        Greenlet<?> spawner = of(Thread.currentThread());
        this.parent = spawner == null ? null : new WeakReference<>(spawner);
        this.spawnTree = spawner == null ? null : spawner.spawnTree();
    }

    /**
     * The values of {@link SpawnTreeLocal}s, shared by every greenlet spawned (transitively) from
     * one root. A root makes its tree on first use, so greenlets that never use one pay nothing.
     * Only this greenlet's own thread reads or writes the field (a child's constructor runs on
     * its spawner's thread).
     */
    private SpawnTreeLocal.Tree spawnTree;

    SpawnTreeLocal.Tree spawnTree() {
        SpawnTreeLocal.Tree t = spawnTree;
        if (t == null) {
            t = new SpawnTreeLocal.Tree();
            spawnTree = t;
        }
        return t;
    }

    // ---------------------------------------------------------------- creation

    /** Creates and starts a greenlet on the caller's hub ({@link Hub#current()}). */
    public static <T> Greenlet<T> spawn(Callable<T> task) {
        return Hub.current().spawn(task);
    }

    /** Creates and starts a greenlet with no result on the caller's hub. */
    public static Greenlet<Void> spawn(Runnable task) {
        return Hub.current().spawn(task);
    }

    /** Creates a greenlet on the caller's hub that starts after {@code delay}. */
    public static <T> Greenlet<T> spawnLater(Duration delay, Callable<T> task) {
        return Hub.current().spawnLater(delay, task);
    }

    /** Creates an unstarted greenlet on the caller's hub: call {@link #start()} to run it. */
    public static <T> Greenlet<T> create(Callable<T> task) {
        return Hub.current().greenlet(task);
    }

    /** The greenlet that is running the calling code, if the caller is a greenlet. */
    public static Optional<Greenlet<?>> current() {
        return Optional.ofNullable(of(Thread.currentThread()));
    }

    static Greenlet<?> of(Thread t) {
        return io.gevent4j.internal.LoopStrand.of(t) instanceof GreenletStrand gs ? gs.greenlet : null;
    }

    /** The greenlet that waits as {@code s}, or null if {@code s} is another kind of strand. */
    static Greenlet<?> ofStrand(Strand s) {
        return s instanceof GreenletStrand gs ? gs.greenlet : null;
    }

    /** What this greenlet waits as. */
    GreenletStrand strand() {
        return strand;
    }

    /** The greenlet's virtual thread while it runs, or null. */
    Thread thread() {
        return strand.thread();
    }

    static Callable<Void> callable(Runnable task) {
        Objects.requireNonNull(task, "task");
        return () -> {
            task.run();
            return null;
        };
    }

    /**
     * Schedules this greenlet to run on a later pass of its hub's loop. Idempotent: a greenlet
     * that was started, has finished or was killed is not started again.
     *
     * @throws IllegalStateException if its hub is closed
     */
    public Greenlet<T> start() {
        checkHubOpen();
        if (STATE.compareAndSet(this, NEW, SCHEDULED)) {
            SpawnCallbacks.onStart(this);
            launch();
        }
        return this;
    }

    private void checkHubOpen() {
        if (hub.isClosed() && state == NEW) {
            throw new IllegalStateException("cannot start " + this + ": " + hub + " is closed");
        }
    }

    /** Schedules this greenlet to start once {@code delay} has passed, on its hub's timers. Idempotent. */
    public Greenlet<T> startLater(Duration delay) {
        long nanos = Hub.toNanos(delay);
        checkHubOpen();
        if (STATE.compareAndSet(this, NEW, SCHEDULED)) {
            SpawnCallbacks.onStart(this);
            Timer t = new Timer() {
                @Override
                protected void fire() {
                    if (state == SCHEDULED) {
                        launch();
                    }
                }
            };
            synchronized (this) {
                startTimer = t;
            }
            hub.loop().addTimerFromAnyThread(t, nanos);
        }
        return this;
    }

    private void launch() {
        strand.startThread();
    }

    /** The task, a Callable or a Runnable (read by the body, in GreenletStrand). */
    Object task() {
        return task;
    }

    /** Called first on the greenlet's thread: false if it was killed before it ran. */
    boolean begin() {
        if (!STATE.compareAndSet(this, SCHEDULED, RUNNING)) {
            return false; // killed before it ran
        }
        if (hub.isClosed()) {
            endBeforeRun(new GreenletExit("hub " + hub.name() + " closed before the greenlet ran"));
            return false;
        }
        ran = true;
        strand.began();
        return true;
    }

    /** Called last on the greenlet's thread with its outcome. */
    void end(byte k, Object o) {
        strand.clearPending();
        strand.ended();
        finish(k, o);
    }

    private void endBeforeRun(Throwable exception) {
        finish(exception instanceof GreenletExit ? EXITED : FAILED, exception);
    }

    private void finish(byte k, Object o) {
        GreenletLinks<T> ls;
        synchronized (this) {
            outcome = o;
            kind = k;
            state = DONE;
            ls = detachOnDone();
        }
        announceDone(k, o, ls);
    }

    /** Under the monitor, once DONE is published: drops the task and ident, takes the links. */
    private GreenletLinks<T> detachOnDone() {
        task = null;
        GreenletLinks<T> ls = links;
        if (ls != null) {
            ls.takeOnDone();
        }
        if (ident >= 0) {
            hub.releaseIdent(ident);
        }
        return ls;
    }

    /** After DONE: reports a failure (before the links, so a joiner sees it reported), then notifies. */
    private void announceDone(byte k, Object o, GreenletLinks<T> ls) {
        strand.forgetThread();
        if (k == FAILED) {
            hub.reportError(this, (Throwable) o);
        }
        if (ls != null) {
            ls.notifyDone();
        }
    }

    // ---------------------------------------------------------------- state

    /** The hub this greenlet runs on. */
    public Hub hub() {
        return hub;
    }

    /** Whether it has finished: ran to completion, failed, or was killed (gevent's {@code ready()}). */
    @Override
    public boolean ready() {
        return state == DONE;
    }

    /** Same as {@link #ready()}: finished, or killed before it ever ran. */
    public boolean dead() {
        return state == DONE;
    }

    /** True between {@link #start()} and the end: scheduled or running (gevent's {@code bool(g)}). */
    public boolean started() {
        int s = state;
        return s == SCHEDULED || s == RUNNING;
    }

    /** Finished without an exception; ended by {@link GreenletExit} counts as success. */
    public boolean successful() {
        return state == DONE && kind != FAILED;
    }

    /** Whether its task ever began to run (false if killed before it ran). */
    public boolean hasRun() {
        return ran;
    }

    /** The value it returned, or null if it has not finished, failed, or was killed. */
    public T value() {
        return state == DONE && kind == VALUE ? uncheckedValue() : null;
    }

    /**
     * The exception it failed with, or null if it has not finished, succeeded, or was ended by
     * {@link GreenletExit} (which is success).
     */
    public Throwable exception() {
        return state == DONE && kind == FAILED ? (Throwable) outcome : null;
    }

    /** The {@link GreenletExit} that ended it, if it was killed with one. */
    public Optional<GreenletExit> exit() {
        return state == DONE && kind == EXITED ? Optional.of((GreenletExit) outcome) : Optional.empty();
    }

    @SuppressWarnings("unchecked")
    private T uncheckedValue() {
        return (T) outcome;
    }

    /** The greenlet that spawned this one, while it is reachable. */
    public Optional<Greenlet<?>> parent() {
        return parent == null ? Optional.empty() : Optional.ofNullable(parent.get());
    }

    /** Its name: the one given, or {@code Greenlet-<minimal ident>}. */
    public String name() {
        String n = name;
        return n != null ? n : "Greenlet-" + minimalIdent();
    }

    /** Names it (also the name of its virtual thread, as thread dumps show). */
    public Greenlet<T> name(String newName) {
        this.name = Objects.requireNonNull(newName, "name");
        Thread t = strand.thread();
        if (t != null) {
            t.setName(newName);
        }
        return this;
    }

    /**
     * A small non-negative number, unique among the live greenlets of its hub that have one; the
     * smallest free number is reused after a greenlet dies. Assigned on first request.
     */
    public int minimalIdent() {
        synchronized (this) {
            if (ident < 0) {
                ident = hub.allocateIdent();
            }
            return ident;
        }
    }

    // ---------------------------------------------------------------- waiting

    /** Waits until it has finished. */
    public void join() {
        joinNanos(Strand.NO_DEADLINE);
    }

    /**
     * Waits until it has finished, at most {@code timeout}; returns whether it has. (gevent's
     * {@code join} returns None either way; a boolean says more.)
     */
    public boolean join(Duration timeout) {
        return joinNanos(Hub.toNanos(timeout));
    }

    boolean joinNanos(long nanos) {
        if (state == DONE) {
            return true;
        }
        if (nanos <= 0 && WaitList.onLoop()) {
            return false; // a zero wait never blocks: fine on a hub's loop too
        }
        Strand s = Strand.current();
        if (s == strand) {
            throw new DeadlockException(this + " cannot join itself: it would wait forever", List.of(this));
        }
        // Deadlock detection (Deadlocks.cycle): an untimed join between greenlets of one hub is
        // recorded while it waits, so that the join that closes a cycle fails instead of parking.
        Greenlet<?> g = ofStrand(s);
        Greenlet<?> caller = nanos >= Strand.NO_DEADLINE / 2 && g != null && g.hub == hub ? g : null;
        if (caller != null) {
            DeadlockException cycle = Deadlocks.cycle(caller, this);
            if (cycle != null) {
                throw cycle;
            }
            caller.waitsFor = this;
        }
        WaitList.Node n;
        GreenletLinks<T> ls;
        synchronized (this) {
            if (state == DONE) {
                if (caller != null) {
                    caller.waitsFor = null;
                }
                return true;
            }
            ls = links();
            n = ls.addJoiner(s);
        }
        try {
            ls.park(n, s.deadlineAfter(nanos));
        } finally {
            if (caller != null) {
                caller.waitsFor = null;
            }
        }
        return state == DONE;
    }

    /**
     * Waits for it to finish and returns its value, or rethrows the exception it failed with
     * (gevent's {@code get()}): a {@link RuntimeException} or {@link Error} as it is, a checked
     * exception wrapped in {@link CompletionException}. A killed greenlet has no value: null.
     */
    public T result() {
        join();
        return outcomeOrThrow();
    }

    /** {@link #result()} with a timeout: raises a {@link Timeout} if it has not finished in time. */
    public T result(Duration timeout) {
        if (!join(timeout)) {
            throw Timeout.expired(timeout);
        }
        return outcomeOrThrow();
    }

    private T outcomeOrThrow() {
        if (kind == FAILED) {
            throw Timeout.rethrowFailure((Throwable) outcome);
        }
        return kind == VALUE ? uncheckedValue() : null;
    }

    // ---------------------------------------------------------------- Future

    /** {@link Future#get()}: failures wrapped in {@link ExecutionException}; killed: {@link CancellationException}. */
    @Override
    public T get() throws InterruptedException, ExecutionException {
        if (state != DONE) {
            awaitInterruptibly(Strand.NO_DEADLINE);
        }
        return futureOutcome();
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        if (state != DONE && !awaitInterruptibly(unit.toNanos(timeout))) {
            throw new TimeoutException(this + " did not finish within " + timeout + " " + unit);
        }
        return futureOutcome();
    }

    private boolean awaitInterruptibly(long nanos) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        boolean done = joinNanos(nanos);
        if (!done && Thread.interrupted()) {
            throw new InterruptedException();
        }
        return done;
    }

    private T futureOutcome() throws ExecutionException {
        return switch (kind) {
            case VALUE -> uncheckedValue();
            case EXITED -> throw (CancellationException) new CancellationException(this + " was killed").initCause((Throwable) outcome);
            default -> throw new ExecutionException((Throwable) outcome);
        };
    }

    /**
     * {@link Future#cancel}: a greenlet that has not run yet is cancelled at once and never runs.
     * A running one is killed (with {@link GreenletExit}) only if {@code mayInterruptIfRunning},
     * and then this waits for it to die, so that {@link #isDone()} holds on return.
     */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        if (state == DONE) {
            return false;
        }
        if (state == RUNNING && !mayInterruptIfRunning) {
            return false;
        }
        kill();
        return isCancelled();
    }

    /** True if it ended by {@link GreenletExit} (killed), whether or not it ever ran. */
    @Override
    public boolean isCancelled() {
        return state == DONE && kind == EXITED;
    }

    @Override
    public boolean isDone() {
        return state == DONE;
    }

    // ---------------------------------------------------------------- scopes (gevent's `with spawn(f) as g:`)

    /**
     * Try-with-resources: waits until it has finished, so the block never leaves it running
     * behind (gevent's {@code with spawn(f) as g:} on a normal exit, and
     * {@link java.util.concurrent.ExecutorService#close()}'s rule). If that wait is cut short (the
     * caller is killed, or an enclosing {@link Timeout} fires), it kills this greenlet, waits until
     * it died, and lets the caller's exception propagate.
     *
     * <p>Java's {@code close()} cannot see whether the block threw, so a block that throws also
     * waits here for the greenlet to finish. To kill it when the block throws, as gevent does, use
     * {@link #scoped}.
     *
     * {@snippet :
     * try (Greenlet<Void> pinger = Gevent.spawn(() -> ping(host))) {
     *     serve();
     * } // here pinger has finished
     * }
     *
     * @throws IllegalStateException if called by this greenlet itself (it would wait forever)
     */
    @Override
    public void close() {
        if (of(Thread.currentThread()) == this) {
            throw new IllegalStateException(this + " cannot close itself: it would wait forever");
        }
        boolean done = false;
        try {
            join();
            done = true;
        } finally {
            if (!done) {
                kill(); // gevent's `finally: self.kill()`: the caller's exception stays the one raised
            }
        }
    }

    /**
     * gevent's {@code with spawn(f) as g:}, whole: runs {@code body} in the calling strand; if it
     * returns, waits until this greenlet has finished (killing it if that wait is cut short, as
     * {@link #close()}) and returns what the body returned; if it throws, kills this greenlet
     * with the body's exception (so it ends unsuccessful with it; a checked exception arrives
     * wrapped in {@link CompletionException}, a {@link GreenletExit} kills it as usual), waits
     * until it died, and rethrows the body's exception. The greenlet's failure is reported to
     * its hub's error handler like any other.
     *
     * {@snippet :
     * Greenlet<Void> pinger = Gevent.spawn(() -> ping(host));
     * String reply = pinger.scoped(() -> fetch(host)); // fetch fails: pinger is killed with its exception
     * }
     */
    public <R, X extends Exception> R scoped(Gevent.Block<R, X> body) throws X {
        Objects.requireNonNull(body, "body");
        R value;
        try {
            value = body.run();
        } catch (RuntimeException | Error e) {
            killAfterScope(e);
            throw e;
        } catch (Exception e) {
            killAfterScope(new CompletionException(e));
            throw e;
        }
        close();
        return value;
    }

    private void killAfterScope(Throwable bodyFailure) {
        if (of(Thread.currentThread()) == this) {
            return; // the body ran in this greenlet: its exception ends it anyway
        }
        kill(bodyFailure);
    }

    // ---------------------------------------------------------------- killing

    /** Kills it with a new {@link GreenletExit} and waits until it has died. Never raises. */
    public void kill() {
        kill(new GreenletExit(), Strand.NO_DEADLINE);
    }

    /** Kills it with {@link GreenletExit}; waits at most {@code timeout}; returns whether it died. */
    public boolean kill(Duration timeout) {
        return kill(new GreenletExit(), Hub.toNanos(timeout));
    }

    /** Kills it with {@code exception} (unchecked) and waits until it has died. */
    public void kill(Throwable exception) {
        kill(exception, Strand.NO_DEADLINE);
    }

    /** Kills it with {@code exception}; waits at most {@code timeout}; returns whether it died. */
    public boolean kill(Throwable exception, Duration timeout) {
        return kill(exception, Hub.toNanos(timeout));
    }

    private boolean kill(Throwable exception, long nanos) {
        killAsync(exception);
        if (of(Thread.currentThread()) == this) {
            strand.raisePending(); // killing oneself: the exception is raised right here
            return false;
        }
        return joinNanos(nanos);
    }

    /** Kills it with {@link GreenletExit} without waiting. */
    public void killAsync() {
        killAsync(new GreenletExit());
    }

    /**
     * Kills it with {@code exception} without waiting. A greenlet that has not run yet never
     * runs, and its links fire now; a running one gets the exception at its next wait point (a
     * greenlet that computes without waiting cannot be interrupted); a finished one is left as
     * it is. The exception must be unchecked: it is thrown from calls that declare none.
     */
    public void killAsync(Throwable exception) {
        Objects.requireNonNull(exception, "exception");
        if (!(exception instanceof RuntimeException || exception instanceof Error)) {
            throw new IllegalArgumentException("a greenlet can only be killed with an unchecked exception"
                    + " (RuntimeException or Error, e.g. GreenletExit), not " + exception.getClass().getName());
        }
        for (;;) {
            int s = state;
            if (s == DONE) {
                return;
            }
            if (s == RUNNING) {
                strand.deliver(exception);
                return;
            }
            Timer pendingStart;
            GreenletLinks<T> ls;
            byte k = exception instanceof GreenletExit ? EXITED : FAILED;
            synchronized (this) {
                // The outcome is written before the CAS publishes DONE; if the body won the race
                // (SCHEDULED -> RUNNING) its own completion overwrites these under this monitor.
                outcome = exception;
                kind = k;
                if (!STATE.compareAndSet(this, s, DONE)) {
                    outcome = null;
                    kind = 0;
                    continue;
                }
                pendingStart = startTimer;
                startTimer = null;
                ls = detachOnDone();
            }
            if (pendingStart != null) {
                hub.loop().removeTimerFromAnyThread(pendingStart);
            }
            // Killed before it ran: it never will. Report a failure, then fire the links.
            announceDone(k, exception, ls);
            return;
        }
    }

    // ---------------------------------------------------------------- links (GreenletLinks)

    /** The links, made on first use; the caller holds the monitor. */
    private GreenletLinks<T> links() {
        GreenletLinks<T> ls = links;
        if (ls == null) {
            ls = new GreenletLinks<>(this);
            links = ls;
        }
        return ls;
    }

    /**
     * Calls {@code callback} with this greenlet when it finishes, in a new greenlet (so the
     * callback may block). Links run once, in registration order; if already finished, soon.
     *
     * <p>Links are taken one at a time from the current list: the next link is taken only once
     * the greenlet of this one has run up to its first wait (or its end), as in gevent. So what a
     * link's callback unlinks before it first blocks never runs, and a link it adds runs after
     * the others. The same rule holds for every callback list of the library (see
     * {@link Waitable#whenReady}).
     */
    public Greenlet<T> link(Consumer<? super Greenlet<T>> callback) {
        return addUserLink(callback, GreenletLinks.LinkMode.SPAWN);
    }

    /** Like {@link #link} but only if it finished successfully (including killed by GreenletExit). */
    public Greenlet<T> linkValue(Consumer<? super Greenlet<T>> callback) {
        return addUserLink(callback, GreenletLinks.LinkMode.VALUE);
    }

    /** Like {@link #link} but only if it failed. */
    public Greenlet<T> linkException(Consumer<? super Greenlet<T>> callback) {
        return addUserLink(callback, GreenletLinks.LinkMode.EXCEPTION);
    }

    /**
     * Calls {@code callback} on the hub's loop when it finishes: it must not block (a blocking
     * call raises {@link IllegalStateException}); what it throws is reported to the hub's error
     * handler and does not stop the other links.
     */
    public Greenlet<T> rawlink(Consumer<? super Greenlet<T>> callback) {
        return addUserLink(callback, GreenletLinks.LinkMode.RAW);
    }

    /**
     * Removes every registration of {@code callback} made by link, linkValue, linkException or
     * rawlink that has not run yet; unknown callbacks are ignored. Unlinking a later link from an
     * earlier link's callback prevents it (for a {@link #link}, if the earlier one unlinks before
     * its first wait: from then on the later link may already be running).
     */
    public void unlink(Consumer<? super Greenlet<T>> callback) {
        synchronized (this) {
            if (links != null) {
                links.unlink(callback);
            }
        }
    }

    /** Whether any link is registered and has not run yet. */
    public boolean hasLinks() {
        synchronized (this) {
            return links != null && links.hasLinks();
        }
    }

    private Greenlet<T> addUserLink(Consumer<? super Greenlet<T>> callback, GreenletLinks.LinkMode mode) {
        Objects.requireNonNull(callback, "callback");
        GreenletLinks<T> ls;
        synchronized (this) {
            ls = links();
            if (state != DONE) {
                ls.addUserLink(callback, mode);
                return this;
            }
        }
        ls.dispatchLate(callback, mode);
        return this;
    }

    @Override
    public Registration whenReady(Runnable action) {
        Objects.requireNonNull(action, "action");
        synchronized (this) {
            if (state != DONE) {
                return links().addAction(action);
            }
        }
        action.run();
        return () -> {};
    }

    @Override
    public String toString() {
        String st = switch (state) {
            case NEW -> "new";
            case SCHEDULED -> "scheduled";
            case RUNNING -> "running";
            default -> kind == VALUE ? "done" : kind == EXITED ? "killed" : "failed";
        };
        return "Greenlet[\"" + name() + "\" " + st + " on " + hub.name() + "]";
    }
}
