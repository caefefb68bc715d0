package io.gevent4j;

import io.gevent4j.internal.Strand;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
     *
     * One door per operation: this class holds the state and the public methods; each operation
     * lives in a stateless package-private class that reads and writes that state:
     * GreenletLife (start, the body's first and last steps, the transition to DONE),
     * GreenletJoin (join with its deadlock check, result, Future outcome), GreenletKill (kill,
     * killAsync), GreenletScope (close, scoped) and GreenletLinks (links, whenReady).
     */

    static final int NEW = 0;
    static final int SCHEDULED = 1;
    static final int RUNNING = 2;
    static final int DONE = 3;

    static final byte VALUE = 1;
    static final byte FAILED = 2;
    static final byte EXITED = 3;

    static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Greenlet.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /*
     * Footprint: a parked greenlet is this object, its GreenletStrand, its waiter and the JDK's
     * virtual thread. This object keeps eight words of fields (48 bytes with its header): the
     * hub is reached through the strand's loop, what it waits for (deadlock detection) lives in
     * the strand, the timer of a startLater waits in the outcome slot, and the parent's weak
     * reference also carries the spawn tree.
     */

    /** Its spawner (weakly) and the spawn tree; null for a root that never used its tree. */
    private Lineage lineage;
    /** A Callable or a Runnable (stored as given: no wrapper object, no extra stack frame). */
    Object task;
    volatile int state;
    /** What this greenlet waits as: the engine's strand, its thread's body. */
    private final GreenletStrand strand;
    /**
     * The value, or the throwable it ended with; written before `state` becomes DONE. Before
     * that, the timer of a {@link #startLater} not yet fired, or null (guarded by this).
     */
    Object outcome;
    byte kind;
    boolean ran;
    /** Joiners, whenReady actions and user links; made on the first one; guarded by this. */
    GreenletLinks<T> links;
    private volatile String name;
    int ident = -1;

    /**
     * The parent, weakly (a child must not keep its spawner's memory alive), and the spawn tree
     * shared by every greenlet spawned from one root: one object instead of two per child.
     */
    static final class Lineage extends WeakReference<Greenlet<?>> {
        final SpawnTreeLocal.Tree tree;

        Lineage(Greenlet<?> parent, SpawnTreeLocal.Tree tree) {
            super(parent);
            this.tree = tree;
        }
    }

    Greenlet(Hub hub, Callable<? extends T> task) {
        this(hub, (Object) Objects.requireNonNull(task, "task"));
    }

    /** A greenlet whose task is a Runnable; its value is null. */
    static Greenlet<Void> ofRunnable(Hub hub, Runnable task) {
        return new Greenlet<>(hub, (Object) Objects.requireNonNull(task, "task"));
    }

    private Greenlet(Hub hub, Object task) {
        this.task = task;
        this.strand = new GreenletStrand(hub.loop(), this);
        Greenlet<?> spawner = of(Thread.currentThread());
        this.lineage = spawner == null ? null : new Lineage(spawner, spawner.spawnTree());
    }

    /**
     * The values of {@link SpawnTreeLocal}s, shared by every greenlet spawned (transitively) from
     * one root. A root makes its tree on first use, so greenlets that never use one pay nothing.
     * Only this greenlet's own thread writes {@link #lineage} after construction (a child's
     * constructor runs on its spawner's thread); a root's lineage then has no parent.
     */
    SpawnTreeLocal.Tree spawnTree() {
        Lineage l = lineage;
        if (l == null) {
            l = new Lineage(null, new SpawnTreeLocal.Tree());
            lineage = l;
        }
        return l.tree;
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
        GreenletLife.start(this);
        return this;
    }

    /** Schedules this greenlet to start once {@code delay} has passed, on its hub's timers. Idempotent. */
    public Greenlet<T> startLater(Duration delay) {
        GreenletLife.startLater(this, Hub.toNanos(delay));
        return this;
    }

    /** The task, a Callable or a Runnable (read by the body, in GreenletStrand). */
    Object task() {
        return task;
    }

    // ---------------------------------------------------------------- state

    /** The hub this greenlet runs on. */
    public Hub hub() {
        return Hub.of(strand.loop());
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
    T uncheckedValue() {
        return (T) outcome;
    }

    /** The greenlet that spawned this one, while it is reachable. */
    public Optional<Greenlet<?>> parent() {
        Lineage l = lineage;
        return l == null ? Optional.empty() : Optional.ofNullable(l.get());
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
                ident = hub().allocateIdent();
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
        return state == DONE || GreenletJoin.join(this, nanos);
    }

    /**
     * Waits for it to finish and returns its value, or rethrows the exception it failed with
     * (gevent's {@code get()}): a {@link RuntimeException} or {@link Error} as it is, a checked
     * exception wrapped in {@link CompletionException}. A killed greenlet has no value: null.
     */
    public T result() {
        join();
        return GreenletJoin.outcomeOrThrow(this);
    }

    /** {@link #result()} with a timeout: raises a {@link Timeout} if it has not finished in time. */
    public T result(Duration timeout) {
        if (!join(timeout)) {
            throw Timeout.expired(timeout);
        }
        return GreenletJoin.outcomeOrThrow(this);
    }

    // ---------------------------------------------------------------- Future

    /** {@link Future#get()}: failures wrapped in {@link ExecutionException}; killed: {@link CancellationException}. */
    @Override
    public T get() throws InterruptedException, ExecutionException {
        if (state != DONE) {
            GreenletJoin.awaitInterruptibly(this, Strand.NO_DEADLINE);
        }
        return GreenletJoin.futureOutcome(this);
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        if (state != DONE && !GreenletJoin.awaitInterruptibly(this, unit.toNanos(timeout))) {
            throw new TimeoutException(this + " did not finish within " + timeout + " " + unit);
        }
        return GreenletJoin.futureOutcome(this);
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
        GreenletScope.close(this);
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
        return GreenletScope.scoped(this, body);
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
        return GreenletKill.kill(this, exception, nanos);
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
        GreenletKill.killAsync(this, exception);
    }

    // ---------------------------------------------------------------- links (GreenletLinks)

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
        GreenletLinks.link(this, callback, GreenletLinks.LinkMode.SPAWN);
        return this;
    }

    /** Like {@link #link} but only if it finished successfully (including killed by GreenletExit). */
    public Greenlet<T> linkValue(Consumer<? super Greenlet<T>> callback) {
        GreenletLinks.link(this, callback, GreenletLinks.LinkMode.VALUE);
        return this;
    }

    /** Like {@link #link} but only if it failed. */
    public Greenlet<T> linkException(Consumer<? super Greenlet<T>> callback) {
        GreenletLinks.link(this, callback, GreenletLinks.LinkMode.EXCEPTION);
        return this;
    }

    /**
     * Calls {@code callback} on the hub's loop when it finishes: it must not block (a blocking
     * call raises {@link IllegalStateException}); what it throws is reported to the hub's error
     * handler and does not stop the other links.
     */
    public Greenlet<T> rawlink(Consumer<? super Greenlet<T>> callback) {
        GreenletLinks.link(this, callback, GreenletLinks.LinkMode.RAW);
        return this;
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

    @Override
    public Registration whenReady(Runnable action) {
        return GreenletLinks.whenReady(this, action);
    }

    @Override
    public String toString() {
        String st = switch (state) {
            case NEW -> "new";
            case SCHEDULED -> "scheduled";
            case RUNNING -> "running";
            default -> kind == VALUE ? "done" : kind == EXITED ? "killed" : "failed";
        };
        return "Greenlet[\"" + name() + "\" " + st + " on " + hub().name() + "]";
    }
}
