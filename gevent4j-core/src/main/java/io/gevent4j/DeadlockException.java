package io.gevent4j;

import java.util.List;

/**
 * A wait that could never end normally, refused at once instead of hanging: gevent's
 * {@code LoopExit} ("This operation would block forever"), but raised only when the deadlock is
 * certain, and naming who waits for whom.
 *
 * <p>Raised by a greenlet's wait without a time-out (a {@link Greenlet#join() join}, also
 * {@code result()} and {@code get()}, or an {@link RLock#acquire()}) that would close a cycle of
 * such waits among greenlets of one hub (a greenlet joining itself; two greenlets joining each
 * other; a lock holder joining a greenlet that waits for its lock; two locks taken in opposite
 * orders) while none of them has a {@link Timeout} pending. The greenlet that closes the cycle
 * gets it, and the others go on as it unwinds. The rule and its limits are in
 * {@code docs/CONCURRENCY.md} ("Deadlock detection"). An {@code IllegalStateException}: the
 * program asked for something that can never happen.
 */
public final class DeadlockException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /** The greenlets of the cycle, the waiter first; not serialized. */
    private final transient List<Greenlet<?>> cycle;

    DeadlockException(String message, List<Greenlet<?>> cycle) {
        super(message);
        this.cycle = cycle;
    }

    /** The greenlets that wait for each other, starting with the one that got this exception. */
    public List<Greenlet<?>> cycle() {
        return cycle == null ? List.of() : cycle;
    }
}
