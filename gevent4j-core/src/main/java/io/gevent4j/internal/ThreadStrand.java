package io.gevent4j.internal;

/**
 * The strand of a thread that is not a greenlet: {@code main}, a worker, a plain virtual thread.
 * It waits by parking its own thread, with timed parks for deadlines, so it never needs a hub;
 * a {@code Timeout} started on it fires from the default hub's timers.
 */
public final class ThreadStrand extends Strand {
    private static final ThreadLocal<ThreadStrand> CURRENT = ThreadLocal.withInitial(
            () -> new ThreadStrand(Thread.currentThread()));

    private final Thread thread;

    private ThreadStrand(Thread thread) {
        this.thread = thread;
    }

    /** The strand of the calling thread {@code t}. */
    public static ThreadStrand of(Thread t) {
        return CURRENT.get();
    }

    @Override
    public Thread thread() {
        return thread;
    }

    @Override
    long now() {
        return System.nanoTime();
    }

    @Override
    boolean armTimer(Waiter w) {
        return false;
    }

    @Override
    void disarmTimer(Waiter w) {}

    @Override
    Loop timerLoop() {
        return Loops.defaultLoop();
    }

    @Override
    public String toString() {
        return "thread " + thread.getName();
    }
}
