package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.testkit.Delays;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Deadlock detection (gevent's LoopExit): a join that would close a cycle of untimed joins on one
 * hub fails at once with a message that names the cycle; nothing else is reported.
 */
class DeadlockDetectionTest {
    private static final Duration SECOND = Duration.ofSeconds(1);

    private static String id(RLock lock) {
        return "RLock@" + Integer.toHexString(System.identityHashCode(lock));
    }

    @Test
    void twoGreenletsJoiningEachOther() {
        try (DrivenHub d = new DrivenHub()) {
            AtomicReference<Greenlet<?>> b = new AtomicReference<>();
            Greenlet<Object> a = d.hub.greenlet(() -> {
                b.get().join();
                return null;
            }).name("a");
            b.set(d.hub.greenlet(() -> {
                a.join();
                return null;
            }).name("b"));
            a.start();
            b.get().start();
            d.runUntilIdle();

            assertThat(b.get().exception()).isInstanceOf(DeadlockException.class)
                    .hasMessageContaining("\"b\" joins \"a\", \"a\" joins \"b\"")
                    .hasMessageContaining("would wait forever")
                    .hasMessageContaining("Wait with a time-out, take locks in one order, or kill one of them");
            assertThat(((DeadlockException) b.get().exception()).cycle()).containsExactly(b.get(), a);
            // The cycle is broken: a's join returns once b has failed.
            assertThat(a.isDone()).isTrue();
            assertThat(a.exception()).isNull();
        }
    }

    @Test
    void aLongerCycleThroughResultAndGet() {
        try (DrivenHub d = new DrivenHub()) {
            AtomicReference<Greenlet<?>> c = new AtomicReference<>();
            Greenlet<Object> a = d.hub.greenlet(() -> (Object) c.get().result()).name("a");
            Greenlet<Object> b = d.hub.greenlet(() -> a.get()).name("b");
            c.set(d.hub.greenlet(() -> b.result()).name("c"));
            a.start();
            b.start();
            c.get().start();
            d.runUntilIdle();

            // c closes the cycle and gets the error; b fails with it through get(), and a through result().
            assertThat(c.get().exception()).isInstanceOf(DeadlockException.class)
                    .hasMessageContaining("\"c\" joins \"b\", \"b\" joins \"a\", \"a\" joins \"c\"");
            assertThat(a.isDone()).isTrue();
            assertThat(b.isDone()).isTrue();
        }
    }

    @Test
    void aGreenletJoiningItself() {
        try (DrivenHub d = new DrivenHub()) {
            AtomicReference<Greenlet<?>> self = new AtomicReference<>();
            self.set(d.hub.spawn(() -> {
                self.get().join();
                return null;
            }));
            d.runUntilIdle();
            assertThat(self.get().exception()).isInstanceOf(DeadlockException.class)
                    .hasMessageContaining("cannot join itself");
        }
    }

    @Test
    void notReportedWhenAJoinOfTheCycleHasATimeOut() {
        try (DrivenHub d = new DrivenHub()) {
            AtomicReference<Greenlet<?>> b = new AtomicReference<>();
            Greenlet<Boolean> a = d.hub.greenlet(() -> b.get().join(SECOND)).name("a");
            b.set(d.hub.greenlet(() -> {
                a.join();
                return null;
            }).name("b"));
            a.start();
            b.get().start();
            d.runUntilIdle();
            assertThat(a.isDone()).isFalse();
            assertThat(b.get().isDone()).isFalse();
            d.advance(SECOND); // a's join times out, a ends, b's join returns
            assertThat(a.value()).isFalse();
            assertThat(b.get().isDone()).isTrue();
            assertThat(b.get().exception()).isNull();
        }
    }

    @Test
    void notReportedWhenAMemberOfTheCycleIsUnderATimeout() {
        try (DrivenHub d = new DrivenHub()) {
            AtomicReference<Greenlet<?>> b = new AtomicReference<>();
            Greenlet<Object> a = d.hub.greenlet(() -> {
                try (Timeout t = Timeout.start(SECOND)) {
                    b.get().join();
                }
                return null;
            }).name("a");
            b.set(d.hub.greenlet(() -> {
                a.join();
                return null;
            }).name("b"));
            a.start();
            b.get().start();
            d.runUntilIdle();
            assertThat(b.get().isDone()).isFalse();
            d.advance(SECOND);
            assertThat(a.exception()).isInstanceOf(Timeout.class);
            assertThat(b.get().isDone()).isTrue();
            assertThat(b.get().exception()).isNull();
        }
    }

    @Test
    void notReportedForAChainThatEndsInAGreenletThatCanStillFinish() {
        try (DrivenHub d = new DrivenHub()) {
            Event go = new Event();
            Greenlet<Void> c = d.hub.spawn(() -> go.await());
            Greenlet<Void> b = d.hub.spawn(() -> c.join());
            Greenlet<Void> a = d.hub.spawn(() -> b.join());
            d.runUntilIdle();
            assertThat(a.isDone()).isFalse();
            go.set();
            d.runUntilIdle();
            assertThat(a.isDone()).isTrue();
            assertThat(a.exception()).isNull();
            assertThat(b.exception()).isNull();
        }
    }

    @Test
    void aCycleAcrossHubsIsNotReported() throws Exception {
        // Only cycles on one hub are checked (see CONCURRENCY.md): here a join with a time-out
        // ends it, and nothing is reported before.
        try (Hub h1 = Hub.start("h1"); Hub h2 = Hub.start("h2")) {
            AtomicReference<Greenlet<?>> b = new AtomicReference<>();
            Event bSet = new Event();
            Greenlet<Boolean> a = h1.greenlet(() -> {
                bSet.await();
                return b.get().join(Delays.SHORT);
            });
            b.set(h2.spawn(() -> a.join()));
            a.start();
            bSet.set();
            assertThat(a.join(Delays.LONG)).isTrue();
            assertThat(a.value()).isFalse();
            assertThat(b.get().join(Delays.LONG)).isTrue();
            assertThat(b.get().exception()).isNull();
        }
    }

    @Test
    void twoLocksTakenInOppositeOrders() {
        try (DrivenHub d = new DrivenHub()) {
            RLock first = new RLock();
            RLock second = new RLock();
            Greenlet<Void> a = Greenlet.ofRunnable(d.hub, () -> {
                first.acquire();
                Gevent.sleep(); // let b take the second lock
                second.acquire();
                second.release();
                first.release();
            }).name("a");
            Greenlet<Void> b = Greenlet.ofRunnable(d.hub, () -> {
                second.acquire();
                Gevent.sleep();
                first.acquire();
                first.release();
                second.release();
            }).name("b");
            a.start();
            b.start();
            d.runUntilIdle();

            assertThat(b.exception()).isInstanceOf(DeadlockException.class)
                    .hasMessageContaining("\"b\" waits for " + id(first) + " held by \"a\"")
                    .hasMessageContaining("\"a\" waits for " + id(second) + " held by \"b\"");
            // b died holding the second lock (it never released it), so a still waits: only the
            // greenlet that closes the cycle is refused.
            assertThat(a.isDone()).isFalse();
        }
    }

    @Test
    void aLockHolderJoiningAGreenletThatWaitsForItsLock() {
        try (DrivenHub d = new DrivenHub()) {
            RLock lock = new RLock();
            Greenlet<Void> worker = Greenlet.ofRunnable(d.hub, () -> {
                lock.acquire();
                lock.release();
            }).name("worker");
            Greenlet<Void> holder = Greenlet.ofRunnable(d.hub, () -> {
                lock.acquire();
                try {
                    worker.start();
                    Gevent.sleep(); // the worker parks on the lock
                    worker.join();
                } finally {
                    lock.release();
                }
            }).name("holder");
            holder.start();
            d.runUntilIdle();

            assertThat(holder.exception()).isInstanceOf(DeadlockException.class)
                    .hasMessageContaining("\"holder\" joins \"worker\", \"worker\" waits for " + id(lock)
                            + " held by \"holder\"");
            assertThat(worker.isDone()).isTrue(); // the holder released the lock as it unwound
            assertThat(worker.exception()).isNull();
        }
    }

    @Test
    void aTimedLockWaitIsNotADeadlock() {
        try (DrivenHub d = new DrivenHub()) {
            RLock first = new RLock();
            RLock second = new RLock();
            Greenlet<Boolean> a = d.hub.greenlet(() -> {
                first.acquire();
                Gevent.sleep();
                boolean got = second.acquire(SECOND);
                first.release();
                return got;
            }).name("a");
            Greenlet<Void> b = Greenlet.ofRunnable(d.hub, () -> {
                second.acquire();
                Gevent.sleep();
                first.acquire();
                first.release();
                second.release();
            }).name("b");
            a.start();
            b.start();
            d.runUntilIdle();
            assertThat(b.isDone()).isFalse();
            d.advance(SECOND);
            assertThat(a.value()).isFalse();
            assertThat(b.isDone()).isTrue();
            assertThat(b.exception()).isNull();
        }
    }
}
