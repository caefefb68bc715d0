package io.gevent4j;

/**
 * A {@link Queue} that gives the most recently put item first: gevent's {@code LifoQueue}.
 * Same threads, blocking, time-outs and shutdown as {@link Queue}; blocked putters and getters
 * are still served in arrival order.
 *
 * {@snippet :
 * LifoQueue<Integer> stack = new LifoQueue<>();
 * stack.put(1);
 * stack.put(2);
 * stack.get(); // 2
 * }
 */
public final class LifoQueue<E> extends Queue<E> {
    /** An unbounded LIFO queue. */
    public LifoQueue() {
        super();
    }

    /** A LIFO queue of at most {@code capacity} items. */
    public LifoQueue(int capacity) {
        super(capacity);
    }

    @Override
    E take() {
        return deque().pollLast();
    }

    @Override
    E peekStored() {
        return deque().peekLast();
    }

    @Override
    void restore(E e) {
        deque().addLast(e);
    }
}
