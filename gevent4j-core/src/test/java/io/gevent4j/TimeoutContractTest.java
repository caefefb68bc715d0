package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.testkit.Delays;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The one time-out contract (gevent's {@code testing/timing.py}), written once in
 * {@link Contract} and inherited by every waitable: a wait with its own timeout returns or
 * raises as specified once that timeout has passed, and not before; an enclosing
 * {@link Timeout} interrupts a wait with no timeout of its own, and one shorter than the wait's
 * own timeout, and is raised as itself (never lost, never replaced). Greenlet cases run on a
 * hand-driven hub; the plain-thread cases run in real time.
 */
class TimeoutContractTest {

    /** One blocking operation under test, on a waitable that never becomes ready. */
    interface Subject {
        /** The operation with its own timeout. */
        Object timedWait(Duration timeout) throws Exception;

        /** The operation with no timeout of its own. */
        void untimedWait() throws Exception;

        /** Waits (from a plain thread) until the greenlets that set the subject up have run. */
        default void awaitSetUp() {}

        /** Releases what the subject holds outside the hub (threads, processes). */
        default void cleanUp() {}
    }

    abstract static class Contract {
        static final Duration OWN = Duration.ofSeconds(1);

        /** Sets up a waitable on {@code hub} that will not become ready, and the operation on it. */
        abstract Subject create(Hub hub);

        /** Asserts what the timed operation produced after its timeout: a return value, or what it threw. */
        abstract void assertTimedOut(Object outcome);

        @FunctionalInterface
        interface TimedOp {
            Object call(Duration timeout) throws Exception;
        }

        @FunctionalInterface
        interface UntimedOp {
            void run() throws Exception;
        }

        static Object capture(Callable<?> call) {
            try {
                return call.call();
            } catch (Throwable t) {
                return t;
            }
        }

        @Test
        void timedWaitReturnsOrRaisesAsSpecifiedOnceItsTimeoutHasPassed() {
            try (DrivenHub d = new DrivenHub(); Closer c = new Closer()) {
                Subject s = c.subject = create(d.hub);
                d.runUntilIdle();
                List<Object> out = new ArrayList<>();
                d.hub.spawn(() -> out.add(capture(() -> s.timedWait(OWN))));
                d.runUntilIdle();
                d.advance(OWN.minusMillis(1));
                assertThat(out).as("still waiting before its timeout").isEmpty();
                d.advance(Duration.ofMillis(1));
                assertThat(out).hasSize(1);
                assertTimedOut(out.get(0));
            }
        }

        @Test
        void enclosingTimeoutInterruptsAWaitWithoutItsOwnTimeoutAndIsRaisedAsItself() {
            try (DrivenHub d = new DrivenHub(); Closer c = new Closer()) {
                Subject s = c.subject = create(d.hub);
                d.runUntilIdle();
                List<Object> out = new ArrayList<>();
                d.hub.spawn(() -> {
                    Timeout t = Timeout.of(OWN);
                    try (t) {
                        t.start();
                        s.untimedWait();
                        out.add("returned");
                    } catch (Timeout e) {
                        out.add(e == t ? "outer timeout" : e);
                    } catch (Throwable e) {
                        out.add(e);
                    }
                });
                d.runUntilIdle();
                d.advance(OWN);
                assertThat(out).containsExactly("outer timeout");
            }
        }

        @Test
        void enclosingTimeoutShorterThanTheOwnTimeoutIsNotLost() {
            try (DrivenHub d = new DrivenHub(); Closer c = new Closer()) {
                Subject s = c.subject = create(d.hub);
                d.runUntilIdle();
                List<Object> out = new ArrayList<>();
                d.hub.spawn(() -> {
                    Timeout t = Timeout.of(OWN);
                    try (t) {
                        t.start();
                        out.add(s.timedWait(OWN.multipliedBy(10)));
                    } catch (Timeout e) {
                        out.add(e == t ? "outer timeout" : e);
                    } catch (Throwable e) {
                        out.add(e);
                    }
                });
                d.runUntilIdle();
                d.advance(OWN);
                assertThat(out).containsExactly("outer timeout");
            }
        }

        @Test
        void fromAPlainThreadTheTimedWaitTakesAtLeastItsTimeout() {
            try (Hub hub = Hub.startDaemon("contract"); Closer c = new Closer()) {
                Subject s = c.subject = create(hub);
                s.awaitSetUp();
                long start = System.nanoTime();
                Object outcome = capture(() -> s.timedWait(Delays.SHORT));
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Delays.SHORT);
                assertTimedOut(outcome);
            }
        }

        @Test
        void fromAPlainThreadAnEnclosingTimeoutIsRaisedAsItself() {
            try (Hub hub = Hub.startDaemon("contract"); Closer c = new Closer()) {
                Subject s = c.subject = create(hub);
                s.awaitSetUp();
                Timeout t = Timeout.of(Delays.SHORT);
                Object outcome;
                try (t) {
                    t.start();
                    outcome = capture(() -> {
                        s.untimedWait();
                        return "returned";
                    });
                }
                assertThat(outcome).isSameAs(t);
            }
        }
    }

    static final class Closer implements AutoCloseable {
        Subject subject;

        @Override
        public void close() {
            if (subject != null) {
                subject.cleanUp();
            }
        }
    }

    static void returnsFalse(Object outcome) {
        assertThat(outcome).isEqualTo(false);
    }

    static void raises(Object outcome, Class<? extends Throwable> type) {
        assertThat(outcome).isInstanceOf(type);
    }

    /** Subject whose two forms are given as lambdas. */
    static Subject subject(Contract.TimedOp timed, Contract.UntimedOp untimed) {
        return new Subject() {
            @Override
            public Object timedWait(Duration timeout) throws Exception {
                return timed.call(timeout);
            }

            @Override
            public void untimedWait() throws Exception {
                untimed.run();
            }
        };
    }

    @Nested
    class EventAwait extends Contract {
        @Override
        Subject create(Hub hub) {
            Event e = new Event();
            return subject(e::await, e::await);
        }

        @Override
        void assertTimedOut(Object outcome) {
            returnsFalse(outcome);
        }
    }

    @Nested
    class AsyncResultGet extends Contract {
        @Override
        Subject create(Hub hub) {
            AsyncResult<String> r = new AsyncResult<>();
            return subject(r::result, r::result);
        }

        @Override
        void assertTimedOut(Object outcome) {
            raises(outcome, Timeout.class);
        }
    }

    @Nested
    class AsyncResultAwait extends Contract {
        @Override
        Subject create(Hub hub) {
            AsyncResult<String> r = new AsyncResult<>();
            return subject(r::await, r::await);
        }

        @Override
        void assertTimedOut(Object outcome) {
            returnsFalse(outcome);
        }
    }

    @Nested
    class GreenletJoin extends Contract {
        @Override
        Subject create(Hub hub) {
            Greenlet<Void> g = hub.spawn(() -> Gevent.sleep(Duration.ofDays(1)));
            return subject(g::join, g::join);
        }

        @Override
        void assertTimedOut(Object outcome) {
            returnsFalse(outcome);
        }
    }

    @Nested
    class GreenletResult extends Contract {
        @Override
        Subject create(Hub hub) {
            Greenlet<Void> g = hub.spawn(() -> Gevent.sleep(Duration.ofDays(1)));
            return subject(g::result, g::result);
        }

        @Override
        void assertTimedOut(Object outcome) {
            raises(outcome, Timeout.class);
        }
    }

    @Nested
    class QueueGet extends Contract {
        Queue<String> q;

        @Override
        Subject create(Hub hub) {
            q = new Queue<>();
            return subject(q::get, q::get);
        }

        @Override
        void assertTimedOut(Object outcome) {
            raises(outcome, Queue.EmptyException.class);
            q.put("later");
            assertThat(q.poll()).as("the timed-out getter consumed nothing").contains("later");
        }
    }

    @Nested
    class QueuePoll extends Contract {
        @Override
        Subject create(Hub hub) {
            Queue<String> q = new Queue<>();
            return subject(q::poll, q::get);
        }

        @Override
        void assertTimedOut(Object outcome) {
            assertThat(outcome).isEqualTo(Optional.empty());
        }
    }

    @Nested
    class QueuePut extends Contract {
        Queue<String> q;

        @Override
        Subject create(Hub hub) {
            q = new Queue<>(1);
            q.put("full");
            return subject(d -> {
                q.put("more", d);
                return "put";
            }, () -> q.put("more"));
        }

        @Override
        void assertTimedOut(Object outcome) {
            raises(outcome, Queue.FullException.class);
            assertThat(q.size()).isEqualTo(1);
        }
    }

    @Nested
    class ChannelPut extends Contract {
        @Override
        Subject create(Hub hub) {
            Channel<String> ch = new Channel<>();
            return subject(d -> {
                ch.put("x", d);
                return "put";
            }, () -> ch.put("x"));
        }

        @Override
        void assertTimedOut(Object outcome) {
            raises(outcome, Queue.FullException.class);
        }
    }

    @Nested
    class JoinableQueueJoin extends Contract {
        @Override
        Subject create(Hub hub) {
            JoinableQueue<String> q = new JoinableQueue<>();
            q.put("never done");
            return subject(q::join, q::join);
        }

        @Override
        void assertTimedOut(Object outcome) {
            returnsFalse(outcome);
        }
    }

    @Nested
    class SemaphoreAcquire extends Contract {
        Semaphore sem;

        @Override
        Subject create(Hub hub) {
            sem = new Semaphore(0);
            return subject(sem::acquire, sem::acquire);
        }

        @Override
        void assertTimedOut(Object outcome) {
            returnsFalse(outcome);
            assertThat(sem.queueLength()).isZero();
        }
    }

    @Nested
    class RLockAcquire extends Contract {
        @Override
        Subject create(Hub hub) {
            RLock lock = new RLock();
            Event held = new Event();
            hub.spawn(() -> {
                lock.acquire();
                held.set();
                Gevent.sleep(Duration.ofDays(1));
            });
            Subject s = subject(lock::acquire, lock::acquire);
            return new Subject() {
                @Override
                public Object timedWait(Duration timeout) throws Exception {
                    return s.timedWait(timeout);
                }

                @Override
                public void untimedWait() throws Exception {
                    s.untimedWait();
                }

                @Override
                public void awaitSetUp() {
                    held.await(Delays.LONG);
                }
            };
        }

        @Override
        void assertTimedOut(Object outcome) {
            returnsFalse(outcome);
        }
    }

    @Nested
    class PoolJoin extends Contract {
        @Override
        Subject create(Hub hub) {
            Pool pool = new Pool(2);
            pool.add(hub.spawn(() -> Gevent.sleep(Duration.ofDays(1))));
            return subject(pool::join, pool::join);
        }

        @Override
        void assertTimedOut(Object outcome) {
            returnsFalse(outcome);
        }
    }

    @Nested
    class PoolAdd extends Contract {
        @Override
        Subject create(Hub hub) {
            Pool pool = new Pool(1);
            pool.add(hub.spawn(() -> Gevent.sleep(Duration.ofDays(1))));
            return subject(d -> {
                pool.add(hub.greenlet(() -> 1), d);
                return "added";
            }, () -> pool.add(hub.greenlet(() -> 1)));
        }

        @Override
        void assertTimedOut(Object outcome) {
            raises(outcome, Pool.PoolFullException.class);
        }
    }

    @Nested
    class ConditionAwait extends Contract {
        @Override
        Subject create(Hub hub) {
            RLock lock = new RLock();
            RLock.Condition c = lock.newCondition();
            return subject(d -> {
                try (var held = lock.hold()) {
                    boolean signalled = c.await(d);
                    assertThat(lock.isHeldByCurrentStrand()).isTrue();
                    return signalled;
                }
            }, () -> {
                try (var held = lock.hold()) {
                    c.await();
                }
            });
        }

        @Override
        void assertTimedOut(Object outcome) {
            returnsFalse(outcome);
        }
    }

    @Nested
    class ThreadPoolResult extends Contract {
        @Override
        Subject create(Hub hub) {
            ThreadPool pool = new ThreadPool(1);
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            AsyncResult<Boolean> r = pool.submit(() -> {
                release.await();
                return true;
            });
            return new Subject() {
                @Override
                public Object timedWait(Duration timeout) {
                    return r.result(timeout);
                }

                @Override
                public void untimedWait() {
                    r.result();
                }

                @Override
                public void cleanUp() {
                    release.countDown();
                    pool.close();
                }
            };
        }

        @Override
        void assertTimedOut(Object outcome) {
            raises(outcome, Timeout.class);
        }
    }

    @Nested
    class SubprocessAwait extends Contract {
        @Override
        Subject create(Hub hub) {
            Subprocess p = Subprocess.start("sleep", "600");
            return new Subject() {
                @Override
                public Object timedWait(Duration timeout) {
                    return p.await(timeout);
                }

                @Override
                public void untimedWait() {
                    p.await();
                }

                @Override
                public void cleanUp() {
                    p.close();
                }
            };
        }

        @Override
        void assertTimedOut(Object outcome) {
            raises(outcome, Subprocess.TimeoutExpiredException.class);
        }
    }
}
