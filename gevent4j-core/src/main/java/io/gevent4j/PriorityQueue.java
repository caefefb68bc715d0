package io.gevent4j;

import java.util.Comparator;
import java.util.Iterator;
import java.util.Objects;

/**
 * A {@link Queue} that gives the smallest item first (natural order, or a comparator): gevent's
 * {@code PriorityQueue}. Same threads, blocking, time-outs and shutdown as {@link Queue};
 * blocked putters and getters are still served in arrival order. Equal items come out in no
 * particular order.
 *
 * <p>The name clashes with {@code java.util.PriorityQueue}; see {@link Queue} on imports.
 *
 * {@snippet :
 * PriorityQueue<Job> jobs = new PriorityQueue<>(Comparator.comparingInt(Job::priority));
 * jobs.put(new Job(5));
 * jobs.put(new Job(1));
 * jobs.get(); // the job with priority 1
 * }
 */
public final class PriorityQueue<E> extends Queue<E> {
    private final java.util.PriorityQueue<E> heap;

    /** An unbounded queue in natural order (items must be {@link Comparable}). */
    public PriorityQueue() {
        this(Integer.MAX_VALUE, null);
    }

    /** An unbounded queue in the order of {@code comparator}. */
    public PriorityQueue(Comparator<? super E> comparator) {
        this(Integer.MAX_VALUE, Objects.requireNonNull(comparator, "comparator"));
    }

    /** A queue of at most {@code capacity} items in natural order. */
    public PriorityQueue(int capacity) {
        this(capacity, null);
    }

    /** A queue of at most {@code capacity} items in the order of {@code comparator} (null: natural order). */
    public PriorityQueue(int capacity, Comparator<? super E> comparator) {
        super(checked(capacity), false);
        this.heap = new java.util.PriorityQueue<>(comparator);
    }

    private static int checked(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        return capacity;
    }

    @Override
    void store(E e) {
        heap.add(e); // ClassCastException for an item that is not Comparable in natural order
    }

    @Override
    E take() {
        return heap.poll();
    }

    @Override
    E peekStored() {
        return heap.peek();
    }

    @Override
    int stored() {
        return heap.size();
    }

    @Override
    void restore(E e) {
        heap.add(e);
    }

    @Override
    boolean removeStored(E e) {
        for (Iterator<E> it = heap.iterator(); it.hasNext(); ) {
            if (it.next() == e) {
                it.remove();
                return true;
            }
        }
        return false;
    }

    @Override
    void clearStored() {
        heap.clear();
    }
}
