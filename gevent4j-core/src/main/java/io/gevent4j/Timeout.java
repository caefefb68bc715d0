package io.gevent4j;

import io.gevent4j.internal.Loop;
import io.gevent4j.internal.LoopStrand;
import io.gevent4j.internal.Strand;
import io.gevent4j.internal.Timer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A deadline for whatever the current greenlet (or thread) does next: when it passes, the
 * timeout is raised at the strand's current or next wait point. gevent's {@code Timeout}.
 *
 * <p>Who may call it: {@link #start()} binds the timeout to the calling strand (a greenlet, or a
 * plain thread, whose timeouts fire from the default hub). {@link #cancel()} and
 * {@link #close()} may be called from anywhere. Nothing here blocks: a cancel or close that
 * meets the hub in the middle of firing waits only for the delivery it withdraws (microseconds).
 *
 * <p>It is both the timer and, by default, what is thrown: code that nests timeouts tells them
 * apart by identity ({@code e == myTimeout}, or {@link #raised(Throwable)} for a custom
 * exception). Like {@link GreenletExit} it is an {@link Error}, so that the
 * {@code catch (Exception e)} of ordinary code does not swallow it; see that class for why.
 *
 * <p>Better than gevent: cancelling a timeout that has fired but whose exception the strand has
 * not yet seen withdraws the exception, so it never surfaces at a later, unrelated wait point.
 *
 * <p>Inside a JDK or third-party blocking call ({@code HttpClient.send}, a {@code java.net}
 * socket, a JDBC driver, {@code Thread.sleep}), the timeout can only interrupt the thread, and the
 * call throws its own exception ({@code InterruptedException}, {@code SocketException: Closed by
 * interrupt}, a driver's {@code SQLException}). What the caller then sees:
 * <ul>
 *   <li>{@link Gevent#withTimeout(Duration, Gevent.Block)} raises this timeout, with the call's
 *       exception as its cause; the form with a fallback returns the fallback; {@link #silently}
 *       returns false. Whether the body let the call's exception out, caught it, or went on.
 *   <li>Try-with-resources: a body that let the call's exception out ends with <em>that</em>
 *       exception (Java cannot replace it), carrying this timeout as a suppressed exception:
 *       ask {@link #raised(Throwable) t.raised(e)} or {@link #raisedBy(Throwable)}. A body that
 *       caught it and went on ends with this timeout, thrown by {@link #close()}.
 *   <li>It fires once: a timeout whose interrupt the call consumed is not raised again at a later
 *       wait point (one that the call left set, as NIO's close-by-interrupt does, is raised at
 *       the next wait point, unless its scope ends first). No interrupt status is left behind
 *       when its scope ends.
 * </ul>
 * What the interrupt does to the resource (a socket is closed, a lock is not cut short) depends
 * on the call: see docs/CONCURRENCY.md. gevent4j's own sockets are not interrupted, and survive.
 *
 * {@snippet :
 * try (Timeout t = Timeout.start(Duration.ofSeconds(2))) {
 *     reply = socketRead();           // any blocking call of the library
 * } catch (Timeout t) {
 *     // it took longer than two seconds (or an enclosing timeout fired: compare identity)
 * }
 * boolean finished = Timeout.silently(Duration.ofMillis(100), () -> work()); // false if it timed out
 * }
 */
public final class Timeout extends Error implements AutoCloseable {
    private static final long serialVersionUID = 1L;

    private static final int IDLE = 0;
    private static final int PENDING = 1;
    private static final int FIRED = 2;
    private static final int CLOSED = 3;
    /**
     * The hub is delivering the exception (a few instructions): cancel, close and start wait it
     * out, so none of them can return before the delivery they must withdraw has happened.
     */
    private static final int FIRING = 4;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Timeout.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        // The engine calls back here (it names no class above it) before it raises one of ours.
        Strand.setRaiseHook(raised -> {
            if (raised instanceof Timeout t) {
                t.capturePointOfRaise();
            }
        });
    }

    /** -1: never fires. */
    private final long nanos;
    private final transient Supplier<? extends RuntimeException> exceptionFactory;
    private transient volatile int state;
    private transient volatile Strand owner;
    private transient volatile Expiry expiry;
    private transient volatile Throwable raisedException;
    private transient boolean capturing;

    private Timeout(long nanos, Supplier<? extends RuntimeException> exceptionFactory, String message) {
        super(message); // cause left unset: a JDK call's exception it cut short becomes its cause
        this.nanos = nanos;
        this.exceptionFactory = exceptionFactory;
    }

    private static long checkedNanos(Duration d) {
        long n = Hub.toNanos(d);
        if (n < 0) {
            throw new IllegalArgumentException("a timeout cannot be negative: " + d);
        }
        return n;
    }

    /** An unstarted timeout that raises itself after {@code duration} (zero: at the next wait point). */
    public static Timeout of(Duration duration) {
        long n = checkedNanos(duration);
        return new Timeout(n, null, "timed out after " + format(duration));
    }

    /**
     * An unstarted timeout that raises a new exception from {@code exceptionFactory} instead of
     * itself (gevent's {@code Timeout(seconds, exception)}). The factory is called when the
     * timeout fires (not before: it may be costly or count its calls). A factory that returns
     * null, or throws, does not silence the timeout: the strand gets a
     * {@link NullPointerException} (or an {@link IllegalStateException}) naming the factory at
     * the same wait point, with this timeout as its cause.
     */
    public static Timeout of(Duration duration, Supplier<? extends RuntimeException> exceptionFactory) {
        long n = checkedNanos(duration);
        return new Timeout(n, Objects.requireNonNull(exceptionFactory, "exceptionFactory"),
                "timed out after " + format(duration));
    }

    /** A timeout that never fires: {@link #start()} does nothing (gevent's {@code Timeout(None)}). */
    public static Timeout never() {
        return new Timeout(-1, null, "");
    }

    /** Creates and starts a timeout on the calling strand. */
    public static Timeout start(Duration duration) {
        return of(duration).start();
    }

    /** Creates and starts a timeout that raises {@code exceptionFactory}'s exception. */
    public static Timeout start(Duration duration, Supplier<? extends RuntimeException> exceptionFactory) {
        return of(duration, exceptionFactory).start();
    }

    /** A timeout that already expired, thrown by waits with their own time limit (e.g. {@code result(Duration)}). */
    static Timeout expired(Duration duration) {
        Timeout t = new Timeout(Hub.toNanos(duration), null, "timed out after " + format(duration));
        t.state = CLOSED;
        t.capturePointOfRaise();
        return t;
    }

    /**
     * Runs {@code body} under a timeout that is swallowed if it fires: gevent's
     * {@code with Timeout(d, False)}. Returns true if the body completed, false if this timeout
     * cut it short. Any other timeout (an enclosing one) propagates.
     */
    public static boolean silently(Duration duration, Runnable body) {
        return Gevent.<Boolean, RuntimeException>withTimeout(duration, () -> {
            body.run();
            return Boolean.TRUE;
        }, Boolean.FALSE);
    }

    /** How long it lasts once started, or empty for {@link #never()}. */
    public Optional<Duration> duration() {
        return nanos < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(nanos));
    }

    /**
     * Starts the countdown, bound to the calling strand. Returns this, for try-with-resources.
     *
     * @throws IllegalStateException if it is already pending, or closed
     */
    public Timeout start() {
        if (nanos < 0) {
            return this;
        }
        int s = settledState();
        if (s == PENDING) {
            throw new IllegalStateException("this timeout is already pending");
        }
        if (s == CLOSED) {
            throw new IllegalStateException("this timeout was closed and cannot be started again");
        }
        Strand strand = Strand.current();
        Loop loop = strand instanceof LoopStrand ls ? ls.loop() : Hub.defaultHub().loop();
        Expiry e = new Expiry(strand, loop);
        owner = strand;
        expiry = e;
        raisedException = null;
        if (!STATE.compareAndSet(this, s, PENDING)) {
            throw new IllegalStateException("this timeout was started or closed concurrently");
        }
        loop.timers().addFromAnyThread(e, nanos);
        return this;
    }

    /** Whether it has been started and has neither fired nor been cancelled. */
    public boolean pending() {
        return state == PENDING;
    }

    /**
     * Stops it; it may be started again. If it fired but the strand has not seen its exception
     * yet, the exception is withdrawn. Thread-safe; idempotent.
     */
    public void cancel() {
        settleOnOwner(); // fired into a JDK call: drop it and our interrupt, silently
        for (;;) {
            int s = settledState();
            if (s == PENDING) {
                if (STATE.compareAndSet(this, PENDING, IDLE)) {
                    Expiry e = expiry;
                    if (e != null) {
                        e.loop.timers().removeFromAnyThread(e);
                    }
                    return;
                }
            } else if (s == FIRED) {
                if (STATE.compareAndSet(this, FIRED, IDLE)) {
                    withdraw();
                    return;
                }
            } else {
                return;
            }
            // Lost a race with the hub's firing (PENDING to FIRING): look again once it delivered.
        }
    }

    /**
     * The state once a firing in progress has delivered its exception. Without this wait a cancel
     * that lost its CAS to the firing could return (and the strand go on to a wait point) before
     * the exception it should withdraw was even pending: the strand would then raise a timeout
     * whose scope had ended.
     */
    private int settledState() {
        int s;
        for (int spins = 0; (s = state) == FIRING; spins++) {
            if (spins < 100) {
                Thread.onSpinWait();
            } else {
                Thread.yield(); // the hub's thread was descheduled mid-delivery
            }
        }
        return s;
    }

    /**
     * Stops it for good (try-with-resources); it cannot be started again. Idempotent.
     *
     * <p>If it fired while the body was parked inside a JDK or third-party call, the call threw
     * its own exception (see the class comment) and, when called by the strand that started it,
     * {@code close()} throws this timeout's exception (itself, or its factory's): a body that
     * caught the call's exception, or that the call let go on, still ends with the timeout; a body
     * that ended with the call's exception carries the timeout as a <em>suppressed</em> exception
     * of it (Java's try-with-resources rule), which {@link #raised(Throwable)} and
     * {@link #raisedBy(Throwable)} find. It never throws when the timeout was raised at a wait
     * point of this library, did not fire, or is closed from another strand.
     */
    @Override
    public void close() {
        Throwable cut = settleOnOwner();
        cancel();
        state = CLOSED;
        if (cut != null) {
            if (cut instanceof Timeout t) {
                t.capturePointOfRaise();
            }
            throw rethrowUnchecked(cut);
        }
    }

    /**
     * Its exception if it fired into a JDK call of the calling strand (its owner) and was never
     * raised at a wait point, now settled (no longer pending, interrupt cleared); else null.
     */
    private Throwable settleOnOwner() {
        int st = settledState();
        Strand s = owner;
        Throwable r = raisedException;
        if (st != FIRED || s == null || r == null || s.thread() != Thread.currentThread()) {
            return null;
        }
        return s.settleInterruptDelivery(r) ? r : null;
    }

    /**
     * Ends the scope of a lambda form on the strand that started it: closes it and returns what the
     * scope ends with. {@code failure} is what the body threw (null if it returned). If this timeout
     * fired into a JDK call, that is this timeout's exception, with the body's exception as its
     * cause (suppressed if it already has one), unless the body ended with another timeout or a kill.
     */
    Throwable closeScope(Throwable failure) {
        Throwable cut = settleOnOwner();
        cancel();
        state = CLOSED;
        if (cut == null || failure == cut) {
            return failure;
        }
        if (cut instanceof Timeout t) {
            t.capturePointOfRaise();
        }
        if (failure instanceof Timeout || failure instanceof GreenletExit) {
            failure.addSuppressed(cut);
            return failure;
        }
        if (failure != null) {
            attachCause(cut, failure);
        }
        return cut;
    }

    /** Records {@code why} on {@code e}: as its cause if it has none yet, else as suppressed. */
    static void attachCause(Throwable e, Throwable why) {
        if (e == why) {
            return;
        }
        if (e.getCause() == null) {
            try {
                e.initCause(why);
                return;
            } catch (IllegalStateException | IllegalArgumentException alreadySet) {
                // a cause was set (null included) by a constructor: fall through
            }
        }
        e.addSuppressed(why);
    }

    /**
     * Whether {@code e} is what this timeout raised (itself, or the exception its factory made), or
     * carries it as a cause or suppressed exception, at any depth: the exception of a JDK call
     * this timeout cut short, thrown out of its try-with-resources block, does.
     */
    public boolean raised(Throwable e) {
        Throwable r = raisedException;
        return e != null && (e == this || (r != null && e == r) || carries(e, this, r));
    }

    /**
     * The {@link Timeout} that {@code e} is, or carries as a cause or suppressed exception (at any
     * depth): "was this a time-out?" for an exception that a JDK call threw because a timeout cut
     * it short. Empty if none (a timeout with an exception factory is found by {@link #raised}).
     */
    public static Optional<Timeout> raisedBy(Throwable e) {
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        java.util.ArrayDeque<Throwable> todo = new java.util.ArrayDeque<>();
        if (e != null) {
            todo.add(e);
        }
        while (!todo.isEmpty()) {
            Throwable x = todo.poll();
            if (!seen.add(x)) {
                continue;
            }
            if (x instanceof Timeout t) {
                return Optional.of(t);
            }
            if (x.getCause() != null) {
                todo.add(x.getCause());
            }
            todo.addAll(java.util.Arrays.asList(x.getSuppressed()));
        }
        return Optional.empty();
    }

    private static boolean carries(Throwable e, Throwable a, Throwable b) {
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        java.util.ArrayDeque<Throwable> todo = new java.util.ArrayDeque<>();
        todo.add(e);
        while (!todo.isEmpty()) {
            Throwable x = todo.poll();
            if (!seen.add(x)) {
                continue;
            }
            if (x == a || (b != null && x == b)) {
                return true;
            }
            if (x.getCause() != null) {
                todo.add(x.getCause());
            }
            todo.addAll(java.util.Arrays.asList(x.getSuppressed()));
        }
        return false;
    }

    private void withdraw() {
        Strand s = owner;
        Throwable r = raisedException;
        if (s != null && r != null) {
            s.withdraw(r);
        }
    }

    private final class Expiry extends Timer {
        final Strand strand;
        final Loop loop;

        Expiry(Strand strand, Loop loop) {
            this.strand = strand;
            this.loop = loop;
        }

        @Override
        protected Strand interrupts() {
            return strand;
        }

        @Override
        protected void fire() {
            if (expiry != this || state != PENDING) {
                return;
            }
            // The factory (user code) runs before FIRING, so nothing that waits out FIRING waits on it.
            Throwable toRaise = exceptionFactory == null ? Timeout.this : fromFactory();
            if (!STATE.compareAndSet(Timeout.this, PENDING, FIRING)) {
                return; // cancelled meanwhile
            }
            try {
                raisedException = toRaise;
                strand.deliver(toRaise, true);
            } finally {
                state = FIRED; // only now may a cancel withdraw it: it is pending (or lost to a kill)
            }
        }
    }

    /**
     * What the factory makes, or, if it makes nothing or fails, an error that says so: a timeout
     * never vanishes (gevent raises its {@code TypeError} at the wait point too). The error carries
     * this timeout as its cause, so {@link #raisedBy} and {@link #raised} still recognise it.
     */
    private Throwable fromFactory() {
        RuntimeException e;
        try {
            e = exceptionFactory.get();
        } catch (Throwable failure) {
            IllegalStateException ise = new IllegalStateException("the exception factory " + exceptionFactory
                    + " of a timeout (" + getMessage() + ") threw " + failure, this);
            ise.addSuppressed(failure);
            return ise;
        }
        if (e == null) {
            return new NullPointerException("the exception factory " + exceptionFactory + " of a timeout ("
                    + getMessage() + ") returned null instead of an exception to raise").initCause(this);
        }
        return e;
    }

    /** Records the stack of the strand that raises it (not of whoever created it). */
    void capturePointOfRaise() {
        synchronized (this) {
            capturing = true;
            try {
                fillInStackTrace();
            } finally {
                capturing = false;
            }
        }
    }

    /** Skipped at construction (most timeouts never fire); filled where the timeout is raised. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return capturing ? super.fillInStackTrace() : this;
    }

    static String format(Duration d) {
        long ms = d.toMillis();
        if (d.isZero()) {
            return "0 ms";
        }
        if (ms < 1) {
            return d.toNanos() / 1000 + " µs";
        }
        if (ms < 10_000) {
            return ms + " ms";
        }
        return String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
    }

    /**
     * How a failure is raised to whoever asks for a result (gevent's {@code get()}): an unchecked
     * exception or error as it is; a checked one wrapped in {@link java.util.concurrent.CompletionException}.
     */
    static RuntimeException rethrowFailure(Throwable e) {
        if (e instanceof RuntimeException re) {
            throw re;
        }
        if (e instanceof Error err) {
            throw err;
        }
        throw new java.util.concurrent.CompletionException(e);
    }

    /** Rethrows an unchecked throwable as it is (the library only makes unchecked ones pending). */
    static RuntimeException rethrowUnchecked(Throwable t) {
        return Strand.rethrowUnchecked(t);
    }
}
