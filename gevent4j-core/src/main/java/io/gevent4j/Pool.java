package io.gevent4j;

import io.gevent4j.internal.Strand;

import java.time.Duration;

/**
 * A {@link Group} of at most {@code size} greenlets: gevent's {@code Pool}. {@link #spawn}
 * waits while the pool is full, so a loop that spawns one greenlet per job never runs more than
 * {@code size} at once.
 *
 * <p>Who may call it: any thread, any greenlet on any hub. Waiting spawners get free slots in
 * arrival order (a FIFO-fair {@link Semaphore}).
 *
 * <p>Blocking: {@link #spawn} and {@link #add} park the caller while the pool is full;
 * {@link #add(Greenlet, Duration)} and {@link #start(Greenlet, Duration)} raise
 * {@link PoolFullException} on time-out (a zero time-out never waits),
 * {@link #awaitAvailable(Duration)} returns 0. {@link #applyAsync} never blocks. An enclosing
 * {@link Timeout} or a kill interrupts any wait. The rest is as in {@link Group}.
 *
 * {@snippet :
 * Pool pool = new Pool(20);
 * for (String url : urls) {
 *     pool.spawn(() -> fetch(url));  // waits while 20 are running
 * }
 * pool.join();
 * }
 */
public final class Pool extends Group {
    private final int size;
    private final Semaphore slots;

    /** Raised by {@link #add(Greenlet, Duration)} and {@link #start(Greenlet, Duration)} when no slot frees up in time: gevent's {@code PoolFull}. */
    public static final class PoolFullException extends Queue.FullException {
        private static final long serialVersionUID = 1L;

        /** An exception with that message. */
        public PoolFullException(String message) {
            super(message);
        }
    }

    /** A pool of at most {@code size} greenlets ({@code 0} is allowed: nothing can ever be spawned). */
    public Pool(int size) {
        if (size < 0) {
            throw new IllegalArgumentException("size must not be negative: " + size);
        }
        this.size = size;
        this.slots = new Semaphore(size);
    }

    @Override
    boolean acquireSlot(long nanos) {
        return slots.acquireNanos(nanos);
    }

    @Override
    void releaseSlot() {
        slots.release();
    }

    /**
     * Adds {@code greenlet}, waiting at most {@code timeout} for a slot; raises
     * {@link PoolFullException} on time-out. {@link Duration#ZERO} never waits.
     */
    public void add(Greenlet<?> greenlet, Duration timeout) {
        if (contains(greenlet)) {
            return;
        }
        if (!acquireSlot(Hub.toNanos(timeout))) {
            throw new PoolFullException("no free slot in " + this + " after " + Timeout.format(timeout));
        }
        track(greenlet);
    }

    /**
     * Starts {@code greenlet} (created with {@link Greenlet#create} or {@link Hub#greenlet}) as a
     * member, waiting at most {@code timeout} for a slot; raises {@link PoolFullException} if none
     * freed up, and the greenlet is then neither added nor started. {@link Duration#ZERO} never
     * waits (gevent's {@code start(g, blocking=False)}), so it works in a hub's callback too.
     */
    public <T> Greenlet<T> start(Greenlet<T> greenlet, Duration timeout) {
        add(greenlet, timeout);
        return greenlet.start();
    }

    /** The maximum number of members. */
    public int capacity() {
        return size;
    }

    /** The number of free slots now. */
    public int freeCount() {
        return slots.availablePermits();
    }

    /** Whether a spawn would wait now. */
    @Override
    public boolean full() {
        return slots.availablePermits() <= 0;
    }

    /** Waits until a slot is free (without taking it); returns the number of free slots. */
    public int awaitAvailable() {
        return awaitAvailableNanos(Strand.NO_DEADLINE);
    }

    /** Waits at most {@code timeout} until a slot is free; returns the number of free slots (0 on time-out). */
    public int awaitAvailable(Duration timeout) {
        return awaitAvailableNanos(Hub.toNanos(timeout));
    }

    private int awaitAvailableNanos(long nanos) {
        return slots.awaitAvailableNanos(nanos);
    }

    @Override
    public String toString() {
        return "Pool[size=" + size() + "/" + size + "]";
    }
}
