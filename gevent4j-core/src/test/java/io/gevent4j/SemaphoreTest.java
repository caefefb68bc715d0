package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.testkit.Delays;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SemaphoreTest {

    @Test
    void twoGreenletsThatReleaseAndReacquireCannotStarveAThird() {
        try (DrivenHub d = new DrivenHub()) {
            Semaphore sem = new Semaphore(1);
            List<String> log = new ArrayList<>();
            for (String name : List.of("a", "b")) {
                d.hub.spawn(() -> {
                    for (int i = 0; i < 3; i++) {
                        sem.acquire();
                        log.add(name);
                        Gevent.sleep();
                        sem.release();
                    }
                });
            }
            d.hub.spawn(() -> {
                sem.acquire();
                log.add("c");
                sem.release();
            });
            d.runUntilIdle();
            // c arrives while a holds the permit and b waits: it is served right after b.
            assertThat(log).startsWith("a", "b", "c");
            assertThat(log).hasSize(7);
            assertThat(sem.availablePermits()).isEqualTo(1);
        }
    }

    @Test
    void aWaiterThatTimesOutTakesNoPermitAndTheNextWaiterGetsIt() {
        try (DrivenHub d = new DrivenHub()) {
            Semaphore sem = new Semaphore(0);
            List<String> log = new ArrayList<>();
            d.hub.spawn(() -> log.add("first:" + sem.acquire(Duration.ofSeconds(1))));
            d.hub.spawn(() -> log.add("second:" + sem.acquire(Duration.ofSeconds(10))));
            d.runUntilIdle();
            d.advance(Duration.ofSeconds(1));
            assertThat(log).containsExactly("first:false");
            sem.release();
            d.runUntilIdle();
            assertThat(log).containsExactly("first:false", "second:true");
            assertThat(sem.availablePermits()).isZero();
        }
    }

    @Test
    void aKilledWaiterHoldsNoPermit() {
        try (DrivenHub d = new DrivenHub()) {
            Semaphore sem = new Semaphore(0);
            Greenlet<Void> g = d.hub.spawn(() -> sem.acquire());
            d.runUntilIdle();
            g.killAsync();
            d.runUntilIdle();
            assertThat(g.dead()).isTrue();
            assertThat(sem.release()).isEqualTo(1);
            assertThat(sem.queueLength()).isZero();
        }
    }

    @Test
    void overReleaseIsAllowedButNotForABoundedSemaphore() {
        Semaphore sem = new Semaphore(1);
        assertThat(sem.release()).isEqualTo(2);
        BoundedSemaphore b = new BoundedSemaphore(1);
        assertThat(b.tryAcquire()).isTrue();
        assertThat(b.tryAcquire()).isFalse();
        b.release();
        assertThatThrownBy(b::release).isInstanceOf(IllegalStateException.class).hasMessageContaining("too many times");
        assertThatThrownBy(() -> new Semaphore(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void holdReleasesOnCloseAndReadinessFollowsPermits() {
        Semaphore sem = new Semaphore(1);
        AtomicInteger readies = new AtomicInteger();
        try (var permit = sem.hold()) {
            assertThat(sem.locked()).isTrue();
            assertThat(sem.ready()).isFalse();
            sem.whenReady(readies::incrementAndGet);
            assertThat(readies).hasValue(0);
        }
        assertThat(readies).hasValue(1);
        assertThat(sem.availablePermits()).isEqualTo(1);
    }

    @Test
    void greenletsOnTwoHubsAndAPlainThreadNeverOverlapInsideAOnePermitSemaphore() throws Exception {
        Semaphore sem = new Semaphore(1);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        Runnable work = () -> {
            for (int i = 0; i < 200; i++) {
                try (var p = sem.hold()) {
                    maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                    Gevent.sleep();
                    inside.decrementAndGet();
                }
            }
        };
        try (Hub h1 = Hub.start("s1"); Hub h2 = Hub.start("s2")) {
            List<Greenlet<Void>> gs = List.of(h1.spawn(work), h1.spawn(work), h2.spawn(work), h2.spawn(work));
            Thread t = Thread.ofPlatform().start(work);
            assertThat(Gevent.joinAll(gs, Delays.LONG.multipliedBy(4))).hasSize(4);
            t.join();
            gs.forEach(Greenlet::result);
        }
        assertThat(maxInside).hasValue(1);
        assertThat(sem.availablePermits()).isEqualTo(1);
    }

    @Test
    void awaitAvailableWaitsForAFreePermitWithoutTakingIt() {
        try (DrivenHub d = new DrivenHub()) {
            Semaphore sem = new Semaphore(0);
            List<Integer> log = new ArrayList<>();
            d.hub.spawn(() -> log.add(sem.awaitAvailable(Duration.ofSeconds(1))));
            d.runUntilIdle();
            d.advance(Duration.ofSeconds(1));
            assertThat(log).containsExactly(0);
            d.hub.spawn(() -> log.add(sem.awaitAvailable(Duration.ofSeconds(1))));
            d.runUntilIdle();
            sem.release();
            d.runUntilIdle();
            assertThat(log).containsExactly(0, 1);
            assertThat(sem.availablePermits()).isEqualTo(1);
        }
    }
}
