package io.gevent4j;

import io.gevent4j.internal.Strand;
import io.gevent4j.internal.WaitList;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A one-shot holder of a value or an exception that strands wait for: gevent's
 * {@code AsyncResult}, in the shape of a {@link Future}. It is also a link target: passing it to
 * {@link Greenlet#rawlink} (or {@link Greenlet#link}) copies the greenlet's outcome into it.
 *
 * <p>Who may call it: any thread, any greenlet on any hub. A later {@link #set}/{@link
 * #setException} overwrites the outcome, as in gevent; strands that already woke keep what they
 * saw.
 *
 * <p>Blocking: {@link #result()} and {@link #get()} park the calling greenlet (or block a plain
 * thread) until it is ready. {@link #result(Duration)} raises a {@link Timeout} when the time
 * passes, {@link #get(long, TimeUnit)} a {@link TimeoutException}, {@link #await(Duration)}
 * returns {@code false}. An enclosing {@link Timeout} or a kill interrupts any of them.
 *
 * {@snippet :
 * AsyncResult<String> reply = new AsyncResult<>();
 * Gevent.spawn(() -> reply.set(fetch()));
 * String r = reply.result(Duration.ofSeconds(2)); // the value, or its exception, or a Timeout
 * Greenlet<String> g = Gevent.spawn(() -> fetch());
 * AsyncResult<String> copy = new AsyncResult<>();
 * g.rawlink(copy);                                // gets g's value or exception when it ends
 * }
 */
public final class AsyncResult<T> implements Future<T>, Waitable, Consumer<Greenlet<? extends T>> {
    /*
     * Implementation overview.
     *
     * `state` (volatile) publishes `outcome`: written under `lock`, outcome first. Waiters are
     * nodes of a WaitList; set() notifies all of them and takes the whenReady actions under the
     * lock, then runs the actions outside it. Waiting is Event-like: a waiter that raced with a
     * time-out reports the time-out.
     */
    private static final int PENDING = 0;
    private static final int VALUE = 1;
    private static final int FAILED = 2;

    private final Object lock = new Object();
    private final WaitList waiters = new WaitList(lock);
    private volatile int state;
    private Object outcome;

    /** A new, empty result. */
    public AsyncResult() {}

    /** A result that is already set to {@code value}. */
    public static <T> AsyncResult<T> completed(T value) {
        AsyncResult<T> r = new AsyncResult<>();
        r.set(value);
        return r;
    }

    /** Stores {@code value} (may be null) and wakes every waiter. Thread-safe. */
    public void set(T value) {
        complete(VALUE, value);
    }

    /** Stores {@code exception} and wakes every waiter; they get it from {@link #result()}. */
    public void setException(Throwable exception) {
        complete(FAILED, Objects.requireNonNull(exception, "exception"));
    }

    /**
     * Link target: copies {@code greenlet}'s outcome (its value, or the exception it failed
     * with; a greenlet killed with {@link GreenletExit} counts as success with no value).
     */
    @Override
    public void accept(Greenlet<? extends T> greenlet) {
        if (!greenlet.ready()) {
            throw new IllegalStateException(greenlet + " has not finished");
        }
        Throwable e = greenlet.exception();
        if (e != null) {
            setException(e);
        } else {
            set(greenlet.value());
        }
    }

    private void complete(int kind, Object o) {
        List<Runnable> actions;
        synchronized (lock) {
            outcome = o;
            state = kind;
            waiters.grantAll(null);
            actions = waiters.takeActions();
        }
        WaitList.run(actions);
    }

    // ---------------------------------------------------------------- state

    @Override
    public boolean ready() {
        return state != PENDING;
    }

    /** Whether it holds a value (not an exception). */
    public boolean successful() {
        return state == VALUE;
    }

    /** The value, or null if not ready or it holds an exception. */
    public T value() {
        return state == VALUE ? uncheckedValue() : null;
    }

    /** The exception, or null if not ready or it holds a value. */
    public Throwable exception() {
        return state == FAILED ? (Throwable) outcome : null;
    }

    @SuppressWarnings("unchecked")
    private T uncheckedValue() {
        return (T) outcome;
    }

    // ---------------------------------------------------------------- waiting

    /** Waits until it is ready. */
    public void await() {
        awaitNanos(Strand.NO_DEADLINE);
    }

    /** Waits at most {@code timeout}; returns whether it is ready (no exception on time-out). */
    public boolean await(Duration timeout) {
        return awaitNanos(Hub.toNanos(timeout));
    }

    boolean awaitNanos(long nanos) {
        if (state != PENDING) {
            return true;
        }
        if (nanos <= 0 && WaitList.onLoop()) {
            return false; // a zero wait never blocks: fine on a hub's loop too
        }
        Strand s = Strand.current();
        WaitList.Node n;
        synchronized (lock) {
            if (state != PENDING) {
                return true;
            }
            n = waiters.add(s, null);
        }
        waiters.park(n, s.deadlineAfter(nanos), null);
        return state != PENDING;
    }

    /**
     * Waits and returns the value, or rethrows the stored exception (gevent's {@code get()}):
     * unchecked ones as they are, checked ones wrapped in {@link CompletionException}.
     */
    public T result() {
        await();
        return outcomeOrThrow();
    }

    /** {@link #result()} that raises a {@link Timeout} if it is not ready within {@code timeout}. */
    public T result(Duration timeout) {
        if (!await(timeout)) {
            throw Timeout.expired(timeout);
        }
        return outcomeOrThrow();
    }

    private T outcomeOrThrow() {
        if (state == FAILED) {
            throw Timeout.rethrowFailure((Throwable) outcome);
        }
        return uncheckedValue();
    }

    // ---------------------------------------------------------------- Future

    /** {@link Future#get()}: a stored exception arrives wrapped in {@link ExecutionException}. */
    @Override
    public T get() throws InterruptedException, ExecutionException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        await();
        return futureOutcome();
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        if (!awaitNanos(unit.toNanos(timeout))) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            throw new TimeoutException("no result within " + timeout + " " + unit);
        }
        return futureOutcome();
    }

    private T futureOutcome() throws ExecutionException {
        if (state == FAILED) {
            throw new ExecutionException((Throwable) outcome);
        }
        return uncheckedValue();
    }

    /** An AsyncResult cannot be cancelled: returns false (as gevent). */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        return false;
    }

    @Override
    public boolean isCancelled() {
        return false;
    }

    @Override
    public boolean isDone() {
        return state != PENDING;
    }

    @Override
    public Registration whenReady(Runnable action) {
        synchronized (lock) {
            if (state == PENDING) {
                return waiters.addAction(action)::close;
            }
        }
        action.run();
        return () -> {};
    }

    @Override
    public String toString() {
        return "AsyncResult[" + switch (state) {
            case VALUE -> "value";
            case FAILED -> "failed: " + outcome;
            default -> "pending";
        } + "]";
    }
}
