package io.gevent4j;

import io.gevent4j.internal.Strand;
import io.gevent4j.internal.WaitList;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * A set of greenlets that are tracked, joined and killed together: gevent's {@code Group}. A
 * greenlet leaves the group by itself when it finishes. {@link Pool} is a group with a bounded
 * size. It also runs a function over many inputs concurrently ({@link #map}, {@link #imap},
 * {@link #imapUnordered}).
 *
 * <p>Who may call it: any thread, any greenlet on any hub. {@link #spawn} creates the greenlet
 * on the caller's hub ({@link Hub#current()}); {@link #add} accepts a greenlet of any hub.
 *
 * <p>Blocking: {@link #join()} and {@link #kill()} park the caller until the group is empty;
 * their {@code Duration} forms return {@code false} on time-out. {@link #apply}, {@link #map}
 * and the iterators of {@link #imap} wait for results. An enclosing {@link Timeout} or a kill
 * interrupts any of these waits. As a {@link Waitable} it is ready while it is empty.
 *
 * {@snippet :
 * Group group = new Group();
 * for (String url : urls) {
 *     group.spawn(() -> fetch(url));
 * }
 * group.join(Duration.ofSeconds(10));
 * try (var pages = group.imap(this::fetch, urls)) {   // in input order, bounded buffering
 *     while (pages.hasNext()) {
 *         try { save(pages.next()); } catch (RuntimeException failedOne) { log(failedOne); }
 *     }
 * }
 * }
 */
public sealed class Group implements Waitable, Iterable<Greenlet<?>> permits Pool {
    /*
     * Implementation overview.
     *
     * `members` maps each tracked greenlet to its whenReady registration (which removes it when it
     * finishes); guarded by `lock`, like `dying` (greenlets already sent a kill) and `emptyWaiters`
     * (strands in join/kill, granted all at once when the map becomes empty: "empty at least once
     * since the call"). A Pool's slot is taken before a greenlet enters (outside the lock: it may
     * wait) and released by the removal under the lock, before joiners are woken, so a join that
     * returns sees every slot free. Lock order: this monitor, then the slot semaphore's; never
     * the reverse.
     */
    final Object lock = new Object();
    private final Map<Greenlet<?>, Registration> members = new LinkedHashMap<>();
    private final Set<Greenlet<?>> dying = new HashSet<>();
    /** Members killed before they ran, whose removal is deferred to their hub's loop; guarded by lock. */
    private final Set<Greenlet<?>> deferred = new HashSet<>();
    private final WaitList emptyWaiters = new WaitList(lock);

    /** An empty group. */
    public Group() {}

    /** A group that tracks {@code greenlets}. */
    public Group(Iterable<? extends Greenlet<?>> greenlets) {
        greenlets.forEach(this::add);
    }

    // ---------------------------------------------------------------- hooks of Pool

    /** Takes a slot for a new member; returns false on time-out. */
    boolean acquireSlot(long nanos) {
        return true;
    }

    /** Returns the slot of a member that left. */
    void releaseSlot() {}

    // ---------------------------------------------------------------- membership

    /** Tracks {@code greenlet} until it finishes (a finished one is not added). For a Pool, waits for a free slot. */
    public void add(Greenlet<?> greenlet) {
        Objects.requireNonNull(greenlet, "greenlet");
        if (contains(greenlet)) {
            return;
        }
        acquireSlot(Strand.NO_DEADLINE);
        track(greenlet);
    }

    /** Starts a greenlet created elsewhere ({@link Greenlet#create}) as a member (gevent's {@code start}). */
    public <T> Greenlet<T> start(Greenlet<T> greenlet) {
        add(greenlet);
        return greenlet.start();
    }

    /** Adds {@code greenlet}, whose slot is already taken. */
    void track(Greenlet<?> greenlet) {
        Greenlet<?> g = greenlet;
        synchronized (lock) {
            if (!members.containsKey(g)) {
                members.put(g, null);
                g = null;
            }
        }
        if (g != null) { // added meanwhile by another strand: give back the slot taken for it
            releaseSlot();
            return;
        }
        Registration r = greenlet.whenReady(() -> left(greenlet)); // runs at once if it has finished
        synchronized (lock) {
            if (members.containsKey(greenlet)) {
                members.put(greenlet, r);
            }
        }
    }

    /** Stops tracking {@code greenlet} (it keeps running); for a Pool, its slot is freed. */
    public void discard(Greenlet<?> greenlet) {
        remove(greenlet);
    }

    /** A member finished: it is removed now, or on its hub's loop if it was killed before it ran. */
    private void left(Greenlet<?> g) {
        boolean later;
        synchronized (lock) {
            later = deferred.remove(g);
        }
        if (later && !g.hub().isClosed()) {
            try {
                g.hub().callSoon(() -> remove(g));
                return;
            } catch (RuntimeException closedMeanwhile) {
                // its loop has ended: remove it now
            }
        }
        remove(g);
    }

    private void remove(Greenlet<?> g) {
        Registration r;
        List<Runnable> actions = List.of();
        synchronized (lock) {
            if (!members.containsKey(g)) {
                return;
            }
            r = members.remove(g);
            dying.remove(g);
            deferred.remove(g);
            // Before the joiners wake: a join that returns sees every slot free. The semaphore's
            // monitor nests inside this one, never the reverse (its actions never take it).
            releaseSlot();
            if (members.isEmpty()) {
                emptyWaiters.grantAll(null);
                actions = emptyWaiters.takeActions();
            }
        }
        if (r != null) {
            r.close();
        }
        WaitList.run(actions);
    }

    /** Creates a greenlet on the caller's hub, adds it and starts it. A {@link Pool} first waits for a free slot. */
    public <T> Greenlet<T> spawn(Callable<T> task) {
        Objects.requireNonNull(task, "task");
        acquireSlot(Strand.NO_DEADLINE);
        Greenlet<T> g;
        try {
            g = Hub.current().greenlet(task);
        } catch (RuntimeException | Error e) {
            releaseSlot();
            throw e;
        }
        track(g);
        return g.start();
    }

    /** {@link #spawn(Callable)} for a task with no result. */
    public Greenlet<Void> spawn(Runnable task) {
        return spawn(Greenlet.callable(task));
    }

    /** Whether {@code greenlet} is in this group. */
    public boolean contains(Greenlet<?> greenlet) {
        synchronized (lock) {
            return members.containsKey(greenlet);
        }
    }

    /** The number of greenlets tracked now. */
    public int size() {
        synchronized (lock) {
            return members.size();
        }
    }

    /** Whether the group holds no greenlet. */
    public boolean isEmpty() {
        return size() == 0;
    }

    /** The members now, in the order they were added. */
    public List<Greenlet<?>> greenlets() {
        synchronized (lock) {
            return List.copyOf(members.keySet());
        }
    }

    /** Iterates over a snapshot of the members. */
    @Override
    public Iterator<Greenlet<?>> iterator() {
        return greenlets().iterator();
    }

    // ---------------------------------------------------------------- join and kill

    /** Waits until the group is empty. */
    public void join() {
        awaitEmpty(Strand.NO_DEADLINE);
    }

    /** Waits at most {@code timeout} until the group is (or was, since the call) empty; returns whether it was. */
    public boolean join(Duration timeout) {
        return awaitEmpty(Hub.toNanos(timeout));
    }

    /**
     * {@link #join(Duration)}, then, if {@code raiseError}, rethrows (as {@link Greenlet#result()}
     * does) the exception of the first greenlet that was a member at the call and failed.
     */
    public boolean join(Duration timeout, boolean raiseError) {
        List<Greenlet<?>> atCall = raiseError ? greenlets() : List.of();
        boolean empty = join(timeout);
        for (Greenlet<?> g : atCall) {
            if (g.exception() != null) {
                g.result();
            }
        }
        return empty;
    }

    boolean awaitEmpty(long nanos) {
        Strand s;
        WaitList.Node n;
        synchronized (lock) {
            if (members.isEmpty()) {
                return true;
            }
            if (nanos <= 0) { // a zero wait never blocks: fine on a hub's loop too
                WaitList.raisePendingOfCaller();
                return false;
            }
            s = Strand.current();
            n = emptyWaiters.add(s, null);
        }
        return emptyWaiters.park(n, s.deadlineAfter(nanos), null);
    }

    /**
     * Kills every member with {@link GreenletExit} and waits until the group is empty. A member
     * already sent a kill by this group is not sent another.
     */
    public void kill() {
        killAll();
        awaitEmpty(Strand.NO_DEADLINE);
    }

    /** {@link #kill()} that waits at most {@code timeout}; returns whether the group became empty. */
    public boolean kill(Duration timeout) {
        killAll();
        return awaitEmpty(Hub.toNanos(timeout));
    }

    /**
     * Kills every member without waiting. As in gevent, the members leave the group when their
     * hub's loop runs next, even those that had not run yet (which die at once): right after the
     * call {@link #size()} still counts them.
     */
    public void killAsync() {
        killAll();
    }

    private void killAll() {
        List<Greenlet<?>> victims = new ArrayList<>();
        synchronized (lock) {
            for (Greenlet<?> g : members.keySet()) {
                if (dying.add(g)) {
                    victims.add(g);
                }
            }
        }
        victims.forEach(this::killMember);
    }

    /**
     * Kills a member that this group marked dying. One that has not run yet dies at once and its
     * removal would run right here: it is deferred to a callback of its hub, like every other
     * member's (gevent discards members from a link, which runs in the loop).
     */
    private void killMember(Greenlet<?> g) {
        if (!g.hasRun() && !g.ready()) {
            synchronized (lock) {
                deferred.add(g);
            }
        }
        g.killAsync();
    }

    /**
     * Kills {@code greenlet} if it is a member not already dying, and waits until it has died.
     * A greenlet that is not a member, or that this group is already killing, is left alone and
     * not waited for (gevent's {@code killone}).
     */
    public void killOne(Greenlet<?> greenlet) {
        killOne(greenlet, Duration.ofNanos(Long.MAX_VALUE));
    }

    /**
     * {@link #killOne(Greenlet)} that waits at most {@code timeout}; returns whether it is dead
     * (for a greenlet it did not kill: whether it is dead now).
     */
    public boolean killOne(Greenlet<?> greenlet, Duration timeout) {
        if (!killOneAsync(greenlet)) {
            return greenlet.ready();
        }
        return greenlet.join(timeout);
    }

    /**
     * Kills {@code greenlet} without waiting if it is a member not already dying; returns whether
     * it sent the kill. The member leaves the group once it has died.
     */
    public boolean killOneAsync(Greenlet<?> greenlet) {
        boolean kill;
        synchronized (lock) {
            kill = members.containsKey(greenlet) && dying.add(greenlet);
        }
        if (kill) {
            killMember(greenlet);
        }
        return kill;
    }

    /** Ready while empty. */
    @Override
    public boolean ready() {
        return isEmpty();
    }

    @Override
    public Registration whenReady(Runnable action) {
        synchronized (lock) {
            if (!members.isEmpty()) {
                return emptyWaiters.addAction(action)::close;
            }
        }
        action.run();
        return () -> {};
    }

    // ---------------------------------------------------------------- apply and map

    /**
     * Runs {@code task} in a member greenlet and returns its result (or rethrows its exception as
     * {@link Greenlet#result()} does). Called from a member of this group, it runs the task
     * inline instead: re-entrant, so a full pool cannot deadlock on itself.
     */
    public <T> T apply(Callable<T> task) {
        Greenlet<?> me = Greenlet.of(Thread.currentThread());
        if (me != null && contains(me)) {
            try {
                return task.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }
        return spawn(task).result();
    }

    /**
     * Starts {@code task} in a member greenlet and returns it; never blocks the caller. If a pool
     * is full, the returned greenlet is a helper (not a member) that waits for a slot and then
     * {@linkplain #apply applies} the task.
     */
    public <T> Greenlet<T> applyAsync(Callable<T> task) {
        Objects.requireNonNull(task, "task");
        if (!full()) {
            return spawn(task);
        }
        return Hub.current().spawn(() -> apply(task));
    }

    /** Whether a spawn would wait for a slot now (a plain group: never). */
    public boolean full() {
        return false;
    }

    /**
     * Applies {@code fn} to every input concurrently (as many at a time as the group allows) and
     * returns the results in input order; the first failure in input order is rethrown as
     * {@link Greenlet#result()} does.
     */
    public <A, R> List<R> map(Function<? super A, ? extends R> fn, Iterable<? extends A> inputs) {
        List<R> out = new ArrayList<>();
        try (ResultIterator<R> it = imap(fn, inputs)) {
            while (it.hasNext()) {
                out.add(it.next());
            }
        }
        return out;
    }

    /**
     * Applies {@code fn} to the inputs concurrently and yields the results in input order (gevent's
     * {@code imap}). At most as many tasks as the pool allows run at once, and at most
     * {@code 64} results wait, unconsumed, in the buffer (back-pressure on the workers).
     */
    public <A, R> ResultIterator<R> imap(Function<? super A, ? extends R> fn, Iterable<? extends A> inputs) {
        return new ResultIterator<>(this, fn, inputs, true, DEFAULT_BUFFER);
    }

    /** {@link #imap(Function, Iterable)} with at most {@code maxBuffered} started but unconsumed results. */
    public <A, R> ResultIterator<R> imap(Function<? super A, ? extends R> fn, Iterable<? extends A> inputs, int maxBuffered) {
        return new ResultIterator<>(this, fn, inputs, true, maxBuffered);
    }

    /** Like {@link #imap(Function, Iterable)} but yields results in completion order. */
    public <A, R> ResultIterator<R> imapUnordered(Function<? super A, ? extends R> fn, Iterable<? extends A> inputs) {
        return new ResultIterator<>(this, fn, inputs, false, DEFAULT_BUFFER);
    }

    /** {@link #imapUnordered(Function, Iterable)} with at most {@code maxBuffered} started but unconsumed results. */
    public <A, R> ResultIterator<R> imapUnordered(Function<? super A, ? extends R> fn, Iterable<? extends A> inputs,
                                                  int maxBuffered) {
        return new ResultIterator<>(this, fn, inputs, false, maxBuffered);
    }

    static final int DEFAULT_BUFFER = 64;

    /**
     * The results of {@link #imap}/{@link #imapUnordered}. {@link #hasNext()} parks the caller
     * until the next result is known; {@link #next()} returns it, or rethrows the exception of
     * the element it belongs to (as {@link Greenlet#result()} does) and iteration can go on. An
     * exception of the input iterable itself is rethrown after the results before it, and ends
     * the iteration. {@link #close()} (try-with-resources) stops a partial iteration and kills
     * the tasks still running. Use it from one strand.
     */
    public static final class ResultIterator<R> implements Iterator<R>, AutoCloseable {
        /*
         * A feeder greenlet (on the caller's hub) walks the inputs: for each it takes a permit of
         * `buffer` (started-but-unconsumed results), spawns the task in the group (waiting for a
         * pool slot), and registers a whenReady action that offers the finished greenlet to
         * `done`, an unbounded Queue (offer never blocks). The feeder ends with an END record
         * carrying the number of elements. The consumer reorders by index for imap.
         */
        private record Done(int index, Greenlet<?> task, Throwable sourceFailure, int total) {}

        private final boolean ordered;
        private final Semaphore buffer;
        private final Queue<Done> done = new Queue<>();
        private final Map<Integer, Done> early = new HashMap<>();
        private final Set<Greenlet<?>> running = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private final Greenlet<Void> feeder;
        private int total = -1;
        private int consumed;
        private Done next;
        private boolean closed;

        <A> ResultIterator(Group group, Function<? super A, ? extends R> fn, Iterable<? extends A> inputs,
                           boolean ordered, int maxBuffered) {
            Objects.requireNonNull(fn, "fn");
            Objects.requireNonNull(inputs, "inputs");
            if (maxBuffered <= 0) {
                throw new IllegalArgumentException("maxBuffered must be positive: " + maxBuffered);
            }
            this.ordered = ordered;
            this.buffer = new Semaphore(maxBuffered);
            this.feeder = Hub.current().spawn(() -> feed(group, fn, inputs));
            feeder.name("imap feeder");
        }

        private <A> void feed(Group group, Function<? super A, ? extends R> fn, Iterable<? extends A> inputs) {
            int index = 0;
            try {
                for (A a : inputs) {
                    buffer.acquire();
                    int i = index;
                    Greenlet<R> g = group.spawn(() -> fn.apply(a));
                    running.add(g);
                    g.whenReady(() -> {
                        running.remove(g);
                        done.offer(new Done(i, g, null, -1));
                    });
                    index++;
                }
            } catch (GreenletExit e) {
                // closed: no more inputs
            } catch (RuntimeException e) {
                done.offer(new Done(index, null, e, -1));
                index++;
            } finally {
                done.offer(new Done(-1, null, null, index));
            }
        }

        @Override
        public boolean hasNext() {
            if (next != null) {
                return true;
            }
            if (closed) {
                return false;
            }
            for (;;) {
                if (total >= 0 && consumed >= total) {
                    close();
                    return false;
                }
                if (ordered) {
                    Done d = early.remove(consumed);
                    if (d != null) {
                        next = d;
                        return true;
                    }
                }
                Done d = done.get();
                if (d.index < 0) {
                    total = d.total;
                } else if (!ordered || d.index == consumed) {
                    next = d;
                    return true;
                } else {
                    early.put(d.index, d);
                }
            }
        }

        @Override
        @SuppressWarnings("unchecked")
        public R next() {
            if (!hasNext()) {
                throw new NoSuchElementException("no more results");
            }
            Done d = next;
            next = null;
            consumed++;
            if (d.sourceFailure != null) {
                throw (RuntimeException) d.sourceFailure;
            }
            buffer.release();
            return (R) d.task.result();
        }

        /** Stops the iteration: the feeder and the tasks still running are killed. Idempotent. */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            feeder.killAsync();
            for (Greenlet<?> g : running) {
                g.killAsync();
            }
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[size=" + size() + "]";
    }
}
