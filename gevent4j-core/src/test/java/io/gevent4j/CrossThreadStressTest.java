package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.testkit.Delays;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Races that only show across threads: time-outs and enclosing Timeouts that end waits while
 * other hubs and threads hand items and permits over. Bounded in count (and by Delays.LONG).
 * What must hold: nothing is lost or duplicated, and no permit leaks.
 */
class CrossThreadStressTest {
    static final int ITEMS = 3_000;

    /** Waits at most a few hundred microseconds, sometimes under an enclosing Timeout instead. */
    static <T> Optional<T> briefly(java.util.function.Function<Duration, Optional<T>> op) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        Duration d = Duration.ofNanos(r.nextLong(1_000, 300_000));
        if (r.nextBoolean()) {
            return op.apply(d);
        }
        Timeout t = Timeout.of(d);
        try (t) {
            t.start();
            return op.apply(Duration.ofDays(1));
        } catch (Timeout e) {
            if (e != t) {
                throw e;
            }
            return Optional.empty();
        }
    }

    @Test
    void gettersThatTimeOutNeverLoseOrDuplicateAnItem() throws Exception {
        Queue<Integer> q = new Queue<>(8);
        List<Integer> got = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger produced = new AtomicInteger();
        Runnable consumer = () -> {
            while (!q.isShutDown() || !q.isEmpty()) {
                try {
                    briefly(q::poll).ifPresent(got::add);
                } catch (Queue.ShutDownException e) {
                    return;
                }
            }
        };
        Runnable producer = () -> {
            for (int i = produced.getAndIncrement(); i < ITEMS; i = produced.getAndIncrement()) {
                q.put(i);
            }
        };
        try (Hub h1 = Hub.start("stress1"); Hub h2 = Hub.start("stress2")) {
            List<Greenlet<Void>> consumers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                consumers.add(h1.spawn(consumer));
                consumers.add(h2.spawn(consumer));
            }
            Thread threadConsumer = Thread.ofPlatform().start(consumer);
            Greenlet<Void> p1 = h1.spawn(producer);
            Thread p2 = Thread.ofPlatform().start(producer);
            p1.result(Delays.LONG);
            p2.join();
            q.shutdown();
            assertThat(Gevent.joinAll(consumers, Delays.LONG)).hasSize(consumers.size());
            threadConsumer.join();
            consumers.forEach(Greenlet::result);
        }
        assertThat(got).hasSize(ITEMS).doesNotHaveDuplicates();
    }

    @Test
    void semaphorePermitsNeverLeakWhenWaitsEndByTimeout() throws Exception {
        Semaphore sem = new Semaphore(3);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        AtomicInteger acquired = new AtomicInteger();
        Runnable worker = () -> {
            for (int i = 0; i < 300; i++) {
                if (briefly(d -> sem.acquire(d) ? Optional.of(true) : Optional.empty()).isPresent()) {
                    acquired.incrementAndGet();
                    maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                    Gevent.sleep();
                    inside.decrementAndGet();
                    sem.release();
                }
            }
        };
        try (Hub h1 = Hub.start("stress3"); Hub h2 = Hub.start("stress4")) {
            List<Greenlet<Void>> gs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                gs.add(h1.spawn(worker));
                gs.add(h2.spawn(worker));
            }
            Thread t = Thread.ofPlatform().start(worker);
            assertThat(Gevent.joinAll(gs, Delays.LONG)).hasSize(gs.size());
            t.join();
            gs.forEach(Greenlet::result);
        }
        assertThat(acquired.get()).isPositive();
        assertThat(maxInside.get()).isLessThanOrEqualTo(3);
        assertThat(sem.availablePermits()).isEqualTo(3);
        assertThat(sem.queueLength()).isZero();
    }

    /**
     * A plain thread's timeouts fire on the default hub's thread, so a close can meet the firing
     * half-way: the close must still withdraw it. A timeout raised after its scope ended (at the
     * next, unrelated wait point) was a permit leak in the test above.
     */
    @Test
    void aTimeoutClosedWhileItFiresNeverSurfacesAfterItsScope() throws Exception {
        AtomicInteger fired = new AtomicInteger();
        AtomicInteger endedFirst = new AtomicInteger();
        List<Throwable> strays = Collections.synchronizedList(new ArrayList<>());
        Runnable racer = () -> {
            ThreadLocalRandom r = ThreadLocalRandom.current();
            for (int i = 0; i < 20_000 && strays.isEmpty(); i++) {
                Timeout t = Timeout.of(Duration.ofNanos(r.nextLong(0, 30_000)));
                try (t) {
                    t.start();
                    long until = System.nanoTime() + r.nextLong(0, 30_000);
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait(); // no wait point: the firing can only be withdrawn
                    }
                    endedFirst.incrementAndGet();
                } catch (Timeout e) {
                    if (e != t) {
                        strays.add(e);
                    }
                    fired.incrementAndGet();
                }
                try {
                    Gevent.sleep(); // a wait point after the scope: nothing may be pending here
                } catch (Timeout late) {
                    strays.add(late);
                }
            }
        };
        Thread a = Thread.ofPlatform().start(racer);
        Thread b = Thread.ofPlatform().start(racer);
        a.join();
        b.join();
        assertThat(strays).isEmpty();
        assertThat(endedFirst.get()).isPositive();
    }
}
