package io.gevent4j;

/**
 * A {@link Semaphore} that may not be released more often than it was acquired: gevent's
 * {@code BoundedSemaphore}. Releasing beyond the initial number of permits raises
 * {@link IllegalStateException}, which catches a double release early.
 *
 * <p>Same threads, blocking and time-outs as {@link Semaphore}.
 *
 * {@snippet :
 * BoundedSemaphore sem = new BoundedSemaphore(2);
 * sem.acquire();
 * sem.release();
 * sem.release(); // IllegalStateException: released too many times
 * }
 */
public final class BoundedSemaphore extends Semaphore {
    private final int initial;

    /** A semaphore with {@code permits} permits, and never more. */
    public BoundedSemaphore(int permits) {
        super(permits);
        this.initial = permits;
    }

    /** The number of permits it started with, and its upper bound. */
    public int initialPermits() {
        return initial;
    }

    @Override
    void checkRelease() {
        if (permits >= initial) {
            throw new IllegalStateException("Semaphore released too many times (bound " + initial + ")");
        }
    }
}
