package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RLockTest {

    @Test
    void ownerReentersAndOthersWaitInArrivalOrder() {
        try (DrivenHub d = new DrivenHub()) {
            RLock lock = new RLock();
            List<String> log = new ArrayList<>();
            d.hub.spawn(() -> {
                lock.acquire();
                lock.acquire();
                assertThat(lock.holdCount()).isEqualTo(2);
                Gevent.sleep(Duration.ofSeconds(1));
                lock.release();
                log.add("a still owns");
                assertThat(lock.isHeldByCurrentStrand()).isTrue();
                lock.release();
            });
            for (String name : List.of("b", "c")) {
                d.hub.spawn(() -> {
                    try (var held = lock.hold()) {
                        log.add(name);
                    }
                });
            }
            d.runUntilIdle();
            assertThat(log).isEmpty();
            d.advance(Duration.ofSeconds(1));
            assertThat(log).containsExactly("a still owns", "b", "c");
            assertThat(lock.locked()).isFalse();
        }
    }

    @Test
    void releaseByANonOwnerIsAnError() {
        try (DrivenHub d = new DrivenHub()) {
            RLock lock = new RLock();
            List<Throwable> errors = new ArrayList<>();
            d.hub.spawn(() -> lock.acquire());
            d.hub.spawn(() -> {
                try {
                    lock.release();
                } catch (IllegalMonitorStateException e) {
                    errors.add(e);
                }
            });
            d.runUntilIdle();
            assertThat(errors).singleElement().extracting(Throwable::getMessage).asString().contains("does not own");
            assertThatThrownBy(lock::release).isInstanceOf(IllegalMonitorStateException.class);
        }
    }

    @Test
    void acquireTimesOutWithoutOwning() {
        try (DrivenHub d = new DrivenHub()) {
            RLock lock = new RLock();
            List<Boolean> got = new ArrayList<>();
            d.hub.spawn(() -> lock.acquire());
            d.hub.spawn(() -> got.add(lock.acquire(Duration.ofMillis(10))));
            d.runUntilIdle();
            d.advance(Duration.ofMillis(10));
            assertThat(got).containsExactly(false);
            assertThat(lock.holdCount()).isEqualTo(1);
        }
    }

    @Test
    void conditionReleasesTheLockWhileWaitingAndRestoresTheHoldCount() {
        try (DrivenHub d = new DrivenHub()) {
            RLock lock = new RLock();
            RLock.Condition changed = lock.newCondition();
            List<String> log = new ArrayList<>();
            d.hub.spawn(() -> {
                lock.acquire();
                lock.acquire();
                log.add("waiting");
                boolean signalled = changed.await(Duration.ofSeconds(5));
                log.add("woke:" + signalled + ":" + lock.holdCount());
                lock.release();
                lock.release();
            });
            d.hub.spawn(() -> {
                try (var held = lock.hold()) {
                    log.add("signal");
                    changed.signal();
                }
            });
            d.runUntilIdle();
            assertThat(log).containsExactly("waiting", "signal", "woke:true:2");
            assertThat(lock.locked()).isFalse();
        }
    }

    @Test
    void conditionTimeoutStillReacquiresTheLock() {
        try (DrivenHub d = new DrivenHub()) {
            RLock lock = new RLock();
            RLock.Condition c = lock.newCondition();
            List<String> log = new ArrayList<>();
            d.hub.spawn(() -> {
                try (var held = lock.hold()) {
                    log.add("timeout:" + !c.await(Duration.ofSeconds(1)) + ":" + lock.isHeldByCurrentStrand());
                }
            });
            d.runUntilIdle();
            d.advance(Duration.ofSeconds(1));
            assertThat(log).containsExactly("timeout:true:true");
        }
    }

    @Test
    void signalAllWakesEveryWaiterInArrivalOrderOneOwnerAtATime() {
        try (DrivenHub d = new DrivenHub()) {
            RLock lock = new RLock();
            RLock.Condition c = lock.newCondition();
            List<String> log = new ArrayList<>();
            for (String name : List.of("a", "b", "c")) {
                d.hub.spawn(() -> {
                    try (var held = lock.hold()) {
                        c.await();
                        log.add(name + (lock.holdCount() == 1 ? " owns" : " ?"));
                    }
                });
            }
            d.runUntilIdle();
            assertThat(log).isEmpty();
            d.hub.spawn(() -> {
                try (var held = lock.hold()) {
                    c.signalAll();
                    log.add("signalled");
                }
            });
            d.runUntilIdle();
            assertThat(log).containsExactly("signalled", "a owns", "b owns", "c owns");
            assertThatThrownBy(c::signal).isInstanceOf(IllegalMonitorStateException.class);
        }
    }
}
