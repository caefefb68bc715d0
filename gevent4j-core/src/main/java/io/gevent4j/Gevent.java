package io.gevent4j;

import io.gevent4j.internal.LoopStrand;
import io.gevent4j.internal.Strand;
import io.gevent4j.internal.Waiter;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.concurrent.Callable;

/**
 * The top-level API, gevent's {@code gevent} module: spawn greenlets, sleep, wait for them,
 * kill them, bound work in time.
 *
 * <p>Who may call it: any thread. Inside a greenlet, blocking calls park the greenlet and let
 * its hub run others; from a plain thread ({@code main}) they block that thread, and greenlets
 * it spawns run on the {@linkplain Hub#defaultHub() default hub}. So this runs unchanged from
 * {@code main} and prints {@code [0, 1, 2]} after about 200 ms:
 *
 * {@snippet :
 * var jobs = IntStream.range(0, 3).mapToObj(i -> Gevent.spawn(() -> {
 *     Gevent.sleep(Duration.ofMillis(100 * i));
 *     return i;
 * })).toList();
 * Gevent.joinAll(jobs, Duration.ofSeconds(2));
 * System.out.println(jobs.stream().map(Greenlet::value).toList());
 * }
 *
 * <p>Every blocking call here is interrupted by an enclosing {@link Timeout} and by a kill.
 */
public final class Gevent {
    private Gevent() {}

    // ---------------------------------------------------------------- spawning

    /** Creates and starts a greenlet on the caller's hub; it runs on a later pass of the loop. */
    public static <T> Greenlet<T> spawn(Callable<T> task) {
        return Hub.current().spawn(task);
    }

    /** Creates and starts a greenlet with no result. */
    public static Greenlet<Void> spawn(Runnable task) {
        return Hub.current().spawn(task);
    }

    /** Creates a greenlet that starts after {@code delay}. */
    public static <T> Greenlet<T> spawnLater(Duration delay, Callable<T> task) {
        return Hub.current().spawnLater(delay, task);
    }

    /** Creates a greenlet with no result that starts after {@code delay}. */
    public static Greenlet<Void> spawnLater(Duration delay, Runnable task) {
        Hub hub = Hub.current();
        Greenlet<Void> g = Greenlet.ofRunnable(hub, task);
        g.startLater(delay);
        return g;
    }

    /**
     * Runs {@code task} as the main greenlet of a new hub, blocks the calling thread until it
     * ends, closes the hub (killing greenlets still alive) and returns the task's value, or
     * rethrows its exception as {@link Greenlet#result()} does.
     */
    public static <T> T run(Callable<T> task) {
        try (Hub hub = Hub.start("main")) {
            Greenlet<T> main = hub.greenlet(task).name("main");
            main.start();
            return main.result();
        }
    }

    /** {@link #run(Callable)} for a task with no result. */
    public static void run(Runnable task) {
        run(Greenlet.callable(task));
    }

    /** The greenlet running the calling code, or empty on a plain thread. */
    public static Optional<Greenlet<?>> current() {
        return Greenlet.current();
    }

    // ---------------------------------------------------------------- spawn callbacks

    /**
     * Registers {@code callback} to run for every greenlet that is started from now on, on any
     * hub ({@code spawn}, {@code spawnLater}, {@link Greenlet#start()}, a {@link Group}'s or
     * {@link Pool}'s spawn): gevent's {@code add_spawn_callback}. It runs synchronously on the
     * starting thread, before the greenlet is scheduled, so it must be quick and must not block.
     * One that throws is reported to the greenlet's hub error handler, and the greenlet still
     * starts (gevent lets the exception out of {@code start()}; in Java it would leave a
     * greenlet scheduled that never runs). Registering the same callback twice has no effect.
     * With none registered, a start pays one volatile read.
     */
    public static void addSpawnCallback(Consumer<? super Greenlet<?>> callback) {
        SpawnCallbacks.add(callback);
    }

    /** Removes a callback added by {@link #addSpawnCallback}; returns whether it was registered. */
    public static boolean removeSpawnCallback(Consumer<? super Greenlet<?>> callback) {
        return SpawnCallbacks.remove(callback);
    }

    // ---------------------------------------------------------------- sleeping

    /**
     * Yields: every other greenlet that is ready to run runs first, first-in first-out (two
     * greenlets that alternate {@code sleep()} interleave as {@code 1A 2A 1B 2B}). On a plain
     * thread, {@link Thread#yield()}.
     */
    public static void sleep() {
        Strand s = Strand.current();
        s.raisePending();
        Thread.yield();
        s.raisePending();
    }

    /** Sleeps for {@code duration} on the hub's timers (zero or negative: {@link #sleep()}). */
    public static void sleep(Duration duration) {
        long nanos = Hub.toNanos(duration);
        if (nanos <= 0) {
            sleep();
            return;
        }
        Strand.current().sleep(nanos);
    }

    /**
     * {@link #sleep(Duration)} that, with {@code ref} false, does not keep the hub busy (gevent's
     * {@code sleep(seconds, ref=False)}): {@link #await()} and {@link Hub#awaitIdle} may return
     * while the caller still sleeps. With {@code ref} true, the same as {@link #sleep(Duration)}.
     * On a plain thread (it uses no hub) {@code ref} changes nothing.
     */
    public static void sleep(Duration duration, boolean ref) {
        long nanos = Hub.toNanos(duration);
        if (ref || nanos <= 0) {
            sleep(duration);
            return;
        }
        Strand s = Strand.current();
        Waiter w = new Waiter(s);
        w.unref = true;
        s.await(w, s.deadlineAfter(nanos));
    }

    /**
     * Waits until the hub has nothing else to run (no ready greenlet, no callback): gevent's
     * {@code idle()}. On a plain thread, a {@link Thread#yield()}.
     */
    public static void idle() {
        Strand s = Strand.current();
        if (s instanceof LoopStrand ls) {
            ls.idle();
        } else {
            s.raisePending();
            Thread.yield();
        }
    }

    // ---------------------------------------------------------------- waiting for many

    /** Waits until every greenlet has finished; returns them in completion order. */
    public static <G extends Greenlet<?>> List<G> joinAll(Collection<G> greenlets) {
        return waitFor(greenlets, Strand.NO_DEADLINE, 0, false);
    }

    /**
     * Waits until every greenlet has finished or {@code timeout} passed; returns the finished
     * ones in completion order (a partial list on time-out, no exception).
     */
    public static <G extends Greenlet<?>> List<G> joinAll(Collection<G> greenlets, Duration timeout) {
        return waitFor(greenlets, Hub.toNanos(timeout), 0, false);
    }

    /** Like {@link #joinAll(Collection, Duration)}, but returns once {@code count} have finished. */
    public static <G extends Greenlet<?>> List<G> joinAll(Collection<G> greenlets, Duration timeout, int count) {
        return waitFor(greenlets, Hub.toNanos(timeout), positive(count), false);
    }

    /**
     * gevent's {@code joinall(raise_error=True)}: like {@link #joinAll(Collection)}, but as soon
     * as one finishes with an exception (in completion order), rethrows it as
     * {@link Greenlet#result()} does.
     */
    public static <G extends Greenlet<?>> List<G> joinAllOrRaise(Collection<G> greenlets) {
        return waitFor(greenlets, Strand.NO_DEADLINE, 0, true);
    }

    /** {@link #joinAllOrRaise(Collection)} with a timeout (a partial list on time-out). */
    public static <G extends Greenlet<?>> List<G> joinAllOrRaise(Collection<G> greenlets, Duration timeout) {
        return waitFor(greenlets, Hub.toNanos(timeout), 0, true);
    }

    /** {@link #joinAllOrRaise(Collection, Duration)} that returns once {@code count} have finished. */
    public static <G extends Greenlet<?>> List<G> joinAllOrRaise(Collection<G> greenlets, Duration timeout, int count) {
        return waitFor(greenlets, Hub.toNanos(timeout), positive(count), true);
    }

    /**
     * Waits until the caller's hub (the {@linkplain Hub#defaultHub() default hub} on a plain
     * thread) has no referenced work left: gevent's {@code wait()} without objects, i.e.
     * {@code hub.join()}. See {@link Hub#awaitIdle(Duration)} for what counts as work. (Java's
     * {@code Object.wait} is final, so gevent's {@code wait} is {@code await} here.)
     */
    public static void await() {
        Hub.current().awaitIdle();
    }

    /**
     * {@link #await()} with a time-out: true once the hub is idle, false if {@code timeout}
     * passed first.
     */
    public static boolean await(Duration timeout) {
        return Hub.current().awaitIdle(timeout);
    }

    /** Waits until all {@code objects} are ready; returns them in the order they became ready. */
    public static <W extends Waitable> List<W> await(Collection<W> objects) {
        return waitFor(objects, Strand.NO_DEADLINE, 0, false);
    }

    /** Waits until all are ready or {@code timeout} passed; returns the ready ones in ready order. */
    public static <W extends Waitable> List<W> await(Collection<W> objects, Duration timeout) {
        return waitFor(objects, Hub.toNanos(timeout), 0, false);
    }

    /** Waits until {@code count} are ready or {@code timeout} passed; returns them in ready order. */
    public static <W extends Waitable> List<W> await(Collection<W> objects, Duration timeout, int count) {
        return waitFor(objects, Hub.toNanos(timeout), positive(count), false);
    }

    /** Iterates over {@code objects} in the order they become ready (gevent's {@code iwait}). */
    public static <W extends Waitable> ReadyIterator<W> iwait(Collection<W> objects) {
        return new ReadyIterator<>(objects, Strand.NO_DEADLINE);
    }

    /** {@link #iwait(Collection)} that ends silently once {@code timeout} has passed. */
    public static <W extends Waitable> ReadyIterator<W> iwait(Collection<W> objects, Duration timeout) {
        return new ReadyIterator<>(objects, Hub.toNanos(timeout));
    }

    private static int positive(int count) {
        if (count <= 0) {
            throw new IllegalArgumentException("count must be positive: " + count);
        }
        return count;
    }

    private static <W extends Waitable> List<W> waitFor(Collection<W> objects, long nanos, int count, boolean raiseError) {
        Objects.requireNonNull(objects, "objects");
        int target = count == 0 ? objects.size() : Math.min(count, objects.size());
        List<W> done = new ArrayList<>(target);
        if (target == 0) {
            return done;
        }
        try (ReadyIterator<W> it = new ReadyIterator<>(objects, nanos)) {
            while (done.size() < target && it.hasNext()) {
                W o = it.next();
                if (raiseError && o instanceof Greenlet<?> g && g.exception() != null) {
                    g.result(); // rethrows its exception
                }
                done.add(o);
            }
        }
        return done;
    }

    // ---------------------------------------------------------------- killing

    /** Kills {@code greenlet} with {@link GreenletExit} without waiting (gevent's {@code kill}). */
    public static void kill(Greenlet<?> greenlet) {
        greenlet.killAsync();
    }

    /**
     * Kills every greenlet with {@link GreenletExit} and waits until all have died. Those that
     * have not run yet are cancelled at once and never run.
     */
    public static void killAll(Collection<? extends Greenlet<?>> greenlets) {
        killAllAsync(greenlets);
        joinAll(List.copyOf(greenlets));
    }

    /**
     * Kills every greenlet and waits at most {@code timeout}; returns whether all died. (gevent
     * raises {@code Timeout} here; a boolean is the Java shape, as in
     * {@code ExecutorService.awaitTermination}.)
     */
    public static boolean killAll(Collection<? extends Greenlet<?>> greenlets, Duration timeout) {
        return killAll(greenlets, null, timeout);
    }

    /** Kills every greenlet with a new exception from {@code exception} each; waits at most {@code timeout}. */
    public static boolean killAll(Collection<? extends Greenlet<?>> greenlets,
                                  java.util.function.Supplier<? extends Throwable> exception, Duration timeout) {
        List<Greenlet<?>> all = List.copyOf(greenlets);
        for (Greenlet<?> g : all) {
            g.killAsync(exception == null ? new GreenletExit() : exception.get());
        }
        return joinAll(all, timeout).size() == all.size();
    }

    /** Kills every greenlet with {@link GreenletExit} without waiting. */
    public static void killAllAsync(Collection<? extends Greenlet<?>> greenlets) {
        for (Greenlet<?> g : greenlets) {
            g.killAsync();
        }
    }

    // ---------------------------------------------------------------- time limits

    /** A block of code that returns a value and may throw {@code X}. */
    @FunctionalInterface
    public interface Block<T, X extends Exception> {
        /** Runs the block. */
        T run() throws X;
    }

    /**
     * Runs {@code block} in the calling strand under a one-shot {@link Timeout}; if it fires,
     * the {@code Timeout} is raised. An enclosing timeout propagates as itself.
     *
     * <p>If it fires while the block is parked in a JDK or third-party call ({@code HttpClient.send},
     * a {@code java.net} socket, a JDBC driver), that call throws its own exception; whatever the
     * block then throws or returns, this raises the {@code Timeout}, with the block's exception as
     * its {@linkplain Throwable#getCause() cause}. No foreign exception escapes because of it.
     */
    public static <T, X extends Exception> T withTimeout(Duration timeout, Block<T, X> block) throws X {
        return timed(Timeout.of(timeout), block, false, null);
    }

    /**
     * Like {@link #withTimeout(Duration, Block)} but returns {@code timeoutValue} if this timeout
     * fires (gevent's {@code timeout_value}), also when it cut short a JDK call whose exception the
     * block threw or caught; an enclosing timeout still propagates.
     */
    public static <T, X extends Exception> T withTimeout(Duration timeout, Block<T, X> block, T timeoutValue) throws X {
        return timed(Timeout.of(timeout), block, true, timeoutValue);
    }

    private static <T, X extends Exception> T timed(Timeout t, Block<T, X> block, boolean fallback, T timeoutValue)
            throws X {
        T value = null;
        Throwable end;
        try {
            t.start();
            value = block.run();
            end = null;
        } catch (Throwable e) {
            end = e;
        }
        end = t.closeScope(end);
        if (end == null) {
            return value;
        }
        if (fallback && end == t) {
            return timeoutValue;
        }
        throw Gevent.<X>rethrow(end);
    }

    /** Rethrows what a {@link Block} threw (an {@code X} or unchecked) or a timeout, as it is. */
    @SuppressWarnings("unchecked")
    private static <X extends Exception> RuntimeException rethrow(Throwable e) throws X {
        if (e instanceof RuntimeException || e instanceof Error) {
            throw Timeout.rethrowUnchecked(e);
        }
        throw (X) e; // a checked exception can only be the block's own X
    }
}
