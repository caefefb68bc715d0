package io.gevent4j;

import io.gevent4j.internal.Waiter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Test only: the one door through which the shared test kit ({@code io.gevent4j.testkit}) reaches
 * the package-private test doubles and wait state of the core. Thin on purpose: each method
 * forwards to one thing; the kit's public classes carry the documentation. When the engine moves,
 * only this file follows it.
 */
public final class TestKitAccess {
    private TestKitAccess() {}

    /** A {@link DrivenHub} behind a public handle. */
    public static final class Driven implements AutoCloseable {
        private final DrivenHub driven = new DrivenHub();

        public Hub hub() {
            return driven.hub;
        }

        public List<Throwable> errors() {
            return driven.errors;
        }

        public long nanoTime() {
            return driven.clock.nanoTime();
        }

        public void runUntilIdle() {
            driven.runUntilIdle();
        }

        public void advance(Duration d) {
            driven.advance(d);
        }

        @Override
        public void close() {
            driven.close();
        }
    }

    /** True if {@code g} is parked in a wait of the library that has not ended yet. */
    public static boolean inLibraryWait(Greenlet<?> g) {
        Waiter w = g.strand().waiter();
        return w != null && w.isWaiting();
    }

    /** True if {@code t} is parked in a wait of the library (its park blocker is a live waiter). */
    public static boolean inLibraryWait(Thread t) {
        return LockSupport.getBlocker(t) instanceof Waiter w && w.isWaiting();
    }

    /** The thread that runs {@code g}, or null before it started or after it ended. */
    public static Thread threadOf(Greenlet<?> g) {
        return g.thread();
    }
}
