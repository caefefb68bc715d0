package io.gevent4j;

import java.time.Duration;

/**
 * A FIFO {@link Queue} that also counts unfinished tasks: gevent's {@code JoinableQueue}. Each
 * item put adds one; a consumer calls {@link #taskDone()} when it has processed an item it
 * took; {@link #join()} waits until the count is back to zero.
 *
 * <p>Same threads, blocking, time-outs and shutdown as {@link Queue}. {@link #join()} parks the
 * caller; {@link #join(Duration)} returns {@code false} on time-out. Calling {@code taskDone}
 * more often than items were put raises {@link IllegalStateException}.
 *
 * {@snippet :
 * JoinableQueue<String> work = new JoinableQueue<>();
 * for (int i = 0; i < 4; i++) {
 *     Gevent.spawn(() -> { for (;;) { process(work.get()); work.taskDone(); } });
 * }
 * urls.forEach(work::put);
 * work.join(); // every url processed
 * }
 */
public final class JoinableQueue<E> extends Queue<E> {
    /*
     * Implementation overview: `unfinished` is guarded by the queue's lock; it grows in
     * onAccepted (under the lock, each time an item enters) and shrinks in taskDone. `allDone`
     * is an Event set exactly while it is zero; taking the Event's own monitor inside the
     * queue's is the only nesting (never the reverse), so no lock-order cycle.
     */
    private final Event allDone = new Event();
    private long unfinished;

    /** An unbounded joinable queue. */
    public JoinableQueue() {
        super();
        allDone.set();
    }

    /** A joinable queue of at most {@code capacity} items. */
    public JoinableQueue(int capacity) {
        super(capacity);
        allDone.set();
    }

    @Override
    void onAccepted() {
        if (unfinished++ == 0) {
            allDone.clear();
        }
    }

    @Override
    void onDropped(int count) {
        unfinished -= count;
        if (unfinished == 0 && count > 0) {
            allDone.set();
        }
    }

    /** Marks one taken item as processed. */
    public void taskDone() {
        synchronized (lock) {
            if (unfinished == 0) {
                throw new IllegalStateException("taskDone() called too many times");
            }
            if (--unfinished == 0) {
                allDone.set();
            }
        }
    }

    /** The number of items put and not yet marked done. */
    public long unfinishedTasks() {
        synchronized (lock) {
            return unfinished;
        }
    }

    /** Waits until every item put has been marked done; returns at once if none is pending. */
    public void join() {
        allDone.await();
    }

    /** Waits at most {@code timeout}; returns whether every item put has been marked done. */
    public boolean join(Duration timeout) {
        return allDone.await(timeout);
    }
}
