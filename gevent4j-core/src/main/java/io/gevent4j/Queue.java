package io.gevent4j;

import io.gevent4j.internal.Strand;
import io.gevent4j.internal.WaitList;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A queue that greenlets (and threads) pass items through: gevent's {@code Queue}, bounded or
 * not, first-in first-out. {@link LifoQueue}, {@link PriorityQueue} and {@link JoinableQueue}
 * change what {@code get} takes or add task tracking; {@link Channel} is the rendezvous form.
 *
 * <p>The name is gevent's, and clashes with {@code java.util.Queue}: a file that needs both
 * imports this one and writes {@code java.util.Queue} in full (or the reverse). It does not
 * implement {@code java.util.Queue}/{@code BlockingQueue}: their waits cannot be interrupted by
 * {@link Timeout} or a kill, and gevent's shutdown does not fit them.
 *
 * <p>Who may call it: any thread, any greenlet on any hub. Items may not be null.
 *
 * <p>Blocking: {@link #put(Object)} parks the caller while the queue is full, {@link #get()}
 * while it is empty; waiting putters and getters are served in arrival order, and a getter that
 * times out never consumes an item. Time-outs: {@link #put(Object, Duration)} raises
 * {@link FullException}, {@link #get(Duration)} raises {@link EmptyException},
 * {@link #offer(Object, Duration)}/{@link #poll(Duration)} return false/empty. An enclosing
 * {@link Timeout} or a kill interrupts any wait. After {@link #shutdown()} puts raise
 * {@link ShutDownException}, and so do gets once the queue is empty; every blocked putter and
 * getter is woken with it.
 *
 * <p>As a {@link Waitable} it is ready when a {@code get} would not block (an item is there, or
 * it is shut down).
 *
 * {@snippet :
 * Queue<String> jobs = new Queue<>(100);
 * Gevent.spawn(() -> { for (String url : urls) jobs.put(url); jobs.shutdown(); });
 * for (String url : jobs) {       // ends when the queue is shut down and drained
 *     fetch(url);
 * }
 * }
 */
public sealed class Queue<E> implements Waitable, Iterable<E> permits LifoQueue, PriorityQueue, JoinableQueue, Channel {
    /*
     * Implementation overview.
     *
     * Everything is guarded by `lock`. Invariants (capacity >= 1): getters wait only while the
     * store is empty, putters only while it is full. A put with a waiting getter hands the item to
     * it (WaitList.grantFirst, whose CAS decides atomically with the getter's time-out); a get
     * that frees a slot moves the first still-waiting putter's item into the store and grants
     * the putter. Hence FIFO service of both sides and "a getter that times out never consumes".
     * Capacity 0 (Channel) never stores: a put waits until a get takes its item from the node.
     *
     * Shutdown grants every waiter with the SHUT marker; a woken strand that finds it raises
     * ShutDownException. The one race WaitList documents (a delivered exception after a grant) is
     * undone per side: a getter puts its item back at the head, a putter takes its item out if it
     * is still stored.
     */

    /** Raised by a put that cannot proceed in time ({@code put(e, timeout)}, a full queue). */
    public static class FullException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        /** An exception with that message. */
        public FullException(String message) {
            super(message);
        }
    }

    /** Raised by a get that finds no item in time. */
    public static final class EmptyException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        /** An exception with that message. */
        public EmptyException(String message) {
            super(message);
        }
    }

    /** Raised by a put after {@link #shutdown()}, and by a get once a shut-down queue is empty. */
    public static final class ShutDownException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        /** An exception with that message. */
        public ShutDownException(String message) {
            super(message);
        }
    }

    static final Object SHUT = new Object();
    private static final Object ACCEPTED = new Object();

    final Object lock = new Object();
    private final WaitList getters = new WaitList(lock);
    private final WaitList putters = new WaitList(lock);
    private final WaitList peekers = new WaitList(lock);
    private final int capacity;
    private final ArrayDeque<E> fifo;
    private volatile int size;
    private volatile boolean shutDown;

    /** An unbounded queue. */
    public Queue() {
        this(Integer.MAX_VALUE, true);
    }

    /** A queue that holds at most {@code capacity} items (1 or more; for 0 use {@link Channel}). */
    public Queue(int capacity) {
        this(checkCapacity(capacity), true);
    }

    Queue(int capacity, boolean fifoStore) {
        this.capacity = capacity;
        this.fifo = fifoStore ? new ArrayDeque<>(Math.min(capacity, 16)) : null;
    }

    private static int checkCapacity(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity
                    + " (a queue that holds nothing is a Channel; an unbounded queue is new Queue<>())");
        }
        return capacity;
    }

    // ---------------------------------------------------------------- storage (under lock)

    /** The FIFO store (subclasses that keep the deque reorder how it is used). */
    final ArrayDeque<E> deque() {
        return fifo;
    }

    /** Stores an accepted item. */
    void store(E e) {
        fifo.addLast(e);
    }

    /** Takes the next item; only called when {@link #stored()} is positive. */
    E take() {
        return fifo.pollFirst();
    }

    E peekStored() {
        return fifo.peekFirst();
    }

    int stored() {
        return fifo.size();
    }

    /** Puts back an item taken by a getter whose wait then ended with an exception: it is next again. */
    void restore(E e) {
        fifo.addFirst(e);
    }

    /** Removes {@code e} (by identity) if it is still stored. */
    boolean removeStored(E e) {
        Iterator<E> it = fifo.iterator();
        while (it.hasNext()) {
            if (it.next() == e) {
                it.remove();
                return true;
            }
        }
        return false;
    }

    void clearStored() {
        fifo.clear();
    }

    /** Called under lock each time an item enters the queue (stored or handed to a getter). */
    void onAccepted() {}

    /** Called under lock with the number of items an immediate shutdown dropped. */
    void onDropped(int count) {}

    // ---------------------------------------------------------------- put

    /** Puts {@code item}, waiting while the queue is full. */
    public void put(E item) {
        putNanos(item, Strand.NO_DEADLINE, true);
    }

    /** Puts {@code item}, waiting at most {@code timeout}; raises {@link FullException} on time-out. */
    public void put(E item, Duration timeout) {
        if (!putNanos(item, Hub.toNanos(timeout), true)) {
            throw new FullException("queue still full after " + Timeout.format(timeout));
        }
    }

    /** Puts {@code item} if there is room now (or a getter waits); never blocks. */
    public boolean offer(E item) {
        return putNanos(item, -1, false);
    }

    /** Puts {@code item}, waiting at most {@code timeout}; returns whether it was put. */
    public boolean offer(E item, Duration timeout) {
        return putNanos(item, Hub.toNanos(timeout), true);
    }

    private boolean putNanos(E item, long nanos, boolean waitPoint) {
        Objects.requireNonNull(item, "item");
        Strand s = null; // looked up only if the caller must wait: the fast paths skip it
        WaitList.Node n = null;
        List<Runnable> actions;
        boolean handedOver = false;
        synchronized (lock) {
            checkOpen("put on");
            if (getters.grantFirst(item) != null) {
                onAccepted();
                if (capacity != 0 || !waitPoint) {
                    return true;
                }
                handedOver = true; // a Channel's rendezvous: the getter runs first (below)
                actions = List.of();
            } else if (stored() < capacity) {
                store(item);
                size = stored();
                onAccepted();
                peekers.grantAll(item);
                actions = getters.takeActions();
            } else if (!waitPoint || nanos <= 0) {
                if (waitPoint) {
                    WaitList.raisePendingOfCaller(); // a zero wait never blocks: fine on a hub's loop too
                }
                return false;
            } else {
                s = Strand.current();
                n = putters.add(s, item);
                if (capacity == 0) { // a Channel: a get would not block any more
                    peekers.grantAll(item);
                    actions = getters.takeActions();
                } else {
                    actions = List.of();
                }
            }
        }
        WaitList.run(actions);
        if (handedOver) {
            yieldToTaker();
            return true;
        }
        if (n == null) {
            return true;
        }
        boolean granted = putters.park(n, s.deadlineAfter(nanos), this::undoPut);
        if (granted && n.item == SHUT) {
            throw shutDownWhile("putting");
        }
        return granted;
    }

    /**
     * A Channel's put handed its item to a waiting getter: like gevent, the putter switches away
     * so that the getter runs before the put returns (it is queued on its hub before us). The put
     * has succeeded already, so a pending kill is left for the next wait point, not raised here.
     * A plain thread or a hub's callback has nothing to switch to and returns at once.
     */
    private static void yieldToTaker() {
        if (Greenlet.of(Thread.currentThread()) != null) {
            Thread.yield();
        }
    }

    /** Under lock: a putter was granted but its wait ended with an exception; take its item back out. */
    @SuppressWarnings("unchecked")
    private void undoPut(WaitList.Node n) {
        if (n.item == ACCEPTED && removeStored((E) n.offered)) {
            size = stored();
            onDropped(1);
            refill();
        }
    }

    // ---------------------------------------------------------------- get

    /** Takes the next item, waiting while the queue is empty. */
    public E get() {
        return getNanos(Strand.NO_DEADLINE, true).orElseThrow();
    }

    /** Takes the next item, waiting at most {@code timeout}; raises {@link EmptyException} on time-out. */
    public E get(Duration timeout) {
        return getNanos(Hub.toNanos(timeout), true).orElseThrow(
                () -> new EmptyException("queue still empty after " + Timeout.format(timeout)));
    }

    /** Takes the next item if there is one now (or a putter waits); never blocks. */
    public Optional<E> poll() {
        return getNanos(-1, false);
    }

    /** Takes the next item, waiting at most {@code timeout}; empty on time-out. */
    public Optional<E> poll(Duration timeout) {
        return getNanos(Hub.toNanos(timeout), true);
    }

    @SuppressWarnings("unchecked")
    private Optional<E> getNanos(long nanos, boolean waitPoint) {
        Strand s;
        WaitList.Node n;
        synchronized (lock) {
            if (stored() > 0) {
                E e = take();
                refill();
                size = stored();
                return Optional.of(e);
            }
            WaitList.Node p = capacity == 0 ? putters.grantFirst(ACCEPTED) : null;
            if (p != null) {
                onAccepted();
                return Optional.of((E) p.offered);
            }
            if (shutDown) {
                throw shutDownWhile("getting");
            }
            if (!waitPoint || nanos <= 0) {
                if (waitPoint) {
                    WaitList.raisePendingOfCaller(); // a zero wait never blocks: fine on a hub's loop too
                }
                return Optional.empty();
            }
            s = Strand.current(); // only when waiting: the fast paths skip the look-up
            n = getters.add(s, null);
        }
        if (!getters.park(n, s.deadlineAfter(nanos), this::undoGet)) {
            return Optional.empty();
        }
        if (n.item == SHUT) {
            throw shutDownWhile("getting");
        }
        return Optional.of((E) n.item);
    }

    /** Under lock: moves waiting putters' items into the free slots, first come first served. */
    @SuppressWarnings("unchecked")
    private void refill() {
        while (stored() < capacity) {
            WaitList.Node p = putters.grantFirst(ACCEPTED);
            if (p == null) {
                return;
            }
            store((E) p.offered);
            onAccepted();
        }
    }

    /** Under lock: a getter was handed an item but its wait ended with an exception; the item is next again. */
    @SuppressWarnings("unchecked")
    private void undoGet(WaitList.Node n) {
        if (n.item == SHUT) {
            return;
        }
        E e = (E) n.item;
        if (getters.grantFirst(e) == null) {
            restore(e);
            size = stored();
        }
    }

    // ---------------------------------------------------------------- peek

    /** The next item without taking it, if there is one now. */
    public Optional<E> peek() {
        synchronized (lock) {
            return Optional.ofNullable(peekLocked());
        }
    }

    @SuppressWarnings("unchecked")
    private E peekLocked() {
        if (stored() > 0) {
            return peekStored();
        }
        WaitList.Node p = capacity == 0 ? putters.first() : null;
        return p == null ? null : (E) p.offered;
    }

    /**
     * The next item without taking it, waiting at most {@code timeout} for one; empty on
     * time-out. Raises {@link ShutDownException} if the queue is shut down and empty.
     */
    @SuppressWarnings("unchecked")
    public Optional<E> peek(Duration timeout) {
        long nanos = Hub.toNanos(timeout);
        Strand s;
        WaitList.Node n;
        synchronized (lock) {
            E e = peekLocked();
            if (e != null) {
                return Optional.of(e);
            }
            if (shutDown) {
                throw shutDownWhile("peeking");
            }
            if (nanos <= 0) {
                WaitList.raisePendingOfCaller();
                return Optional.empty();
            }
            s = Strand.current();
            n = peekers.add(s, null);
        }
        if (!peekers.park(n, s.deadlineAfter(nanos), null)) {
            return Optional.empty();
        }
        if (n.item == SHUT) {
            throw shutDownWhile("peeking");
        }
        return Optional.of((E) n.item);
    }

    // ---------------------------------------------------------------- shutdown

    /** Shuts it down after a drain: puts fail at once, gets fail once the items left are taken. */
    public void shutdown() {
        shutdown(false);
    }

    /**
     * Shuts it down. Every blocked putter (its item is not put) and, once the queue is empty,
     * every blocked getter is woken with {@link ShutDownException}; so are later calls.
     * {@code immediate} drops the items still queued (for a {@link JoinableQueue}, as if
     * {@code taskDone} was called for each), so gets fail at once. Idempotent.
     */
    public void shutdown(boolean immediate) {
        List<Runnable> actions;
        synchronized (lock) {
            if (shutDown && !immediate) {
                return;
            }
            shutDown = true;
            if (immediate) {
                int dropped = stored();
                clearStored();
                size = 0;
                onDropped(dropped);
            }
            putters.grantAll(SHUT);
            if (stored() == 0) {
                getters.grantAll(SHUT);
                peekers.grantAll(SHUT);
            }
            actions = getters.takeActions();
        }
        WaitList.run(actions);
    }

    /** Whether {@link #shutdown()} was called. */
    public boolean isShutDown() {
        return shutDown;
    }

    private void checkOpen(String what) {
        if (shutDown) {
            throw new ShutDownException("cannot " + what + " a queue that was shut down");
        }
    }

    private ShutDownException shutDownWhile(String what) {
        return new ShutDownException("the queue was shut down while " + what);
    }

    // ---------------------------------------------------------------- state

    /** The number of items queued now. */
    public int size() {
        return size;
    }

    /** Whether the queue holds no item. */
    public boolean isEmpty() {
        return size == 0;
    }

    /** Whether a put would block now (for a {@link Channel}: always). */
    public boolean isFull() {
        return size >= capacity;
    }

    /** Its capacity, or empty if unbounded. */
    public OptionalInt capacity() {
        return capacity == Integer.MAX_VALUE ? OptionalInt.empty() : OptionalInt.of(capacity);
    }

    /** The number of strands blocked in a get. */
    public int waitingGetters() {
        synchronized (lock) {
            return getters.size();
        }
    }

    /** The number of strands blocked in a put. */
    public int waitingPutters() {
        synchronized (lock) {
            return putters.size();
        }
    }

    /** Ready when a get would not block: an item is there (or a putter waits on a Channel), or it is shut down. */
    @Override
    public boolean ready() {
        synchronized (lock) {
            return readyLocked();
        }
    }

    private boolean readyLocked() {
        return stored() > 0 || shutDown || (capacity == 0 && !putters.isEmpty());
    }

    @Override
    public Registration whenReady(Runnable action) {
        synchronized (lock) {
            if (!readyLocked()) {
                return getters.addAction(action)::close;
            }
        }
        action.run();
        return () -> {};
    }

    // ---------------------------------------------------------------- iteration

    /**
     * Takes items with {@link #get()} until the queue is shut down and empty; {@code hasNext()}
     * blocks. Use from one strand.
     */
    @Override
    public Iterator<E> iterator() {
        return new Taker(null);
    }

    /**
     * Takes items with {@link #get()} until one equal to {@code sentinel} (which is consumed, not
     * returned) or until the queue is shut down and empty: gevent's {@code StopIteration} item.
     */
    public Iterable<E> until(E sentinel) {
        Objects.requireNonNull(sentinel, "sentinel");
        return () -> new Taker(sentinel);
    }

    private final class Taker implements Iterator<E> {
        private final E sentinel;
        private E next;
        private boolean ended;

        Taker(E sentinel) {
            this.sentinel = sentinel;
        }

        @Override
        public boolean hasNext() {
            if (next != null) {
                return true;
            }
            if (ended) {
                return false;
            }
            try {
                E e = get();
                if (sentinel != null && sentinel.equals(e)) {
                    ended = true;
                    return false;
                }
                next = e;
                return true;
            } catch (ShutDownException e) {
                ended = true;
                return false;
            }
        }

        @Override
        public E next() {
            if (!hasNext()) {
                throw new NoSuchElementException("the queue was shut down, or the sentinel was taken");
            }
            E e = next;
            next = null;
            return e;
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[size=" + size + (capacity == Integer.MAX_VALUE ? "" : ", capacity=" + capacity)
                + (shutDown ? ", shut down" : "") + "]";
    }
}
