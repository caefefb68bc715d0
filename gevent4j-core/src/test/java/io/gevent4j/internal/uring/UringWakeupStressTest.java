package io.gevent4j.internal.uring;

import static io.gevent4j.testkit.Delays.LONG;
import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.AsyncResult;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.internal.Loops;
import io.gevent4j.testkit.Delays;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Cross-thread wake-ups of a hub on io_uring, under load: platform threads and greenlets of other
 * io_uring hubs hand work to a hub that parks between hand-offs, thousands of times, each hand-off
 * racing the hub's park at a different point (a random pause between them). A lost wake-up shows
 * as a hand-off not served within {@link Delays#LONG}. Bounded: a count per source and a time
 * budget, whichever ends first.
 */
class UringWakeupStressTest {
    static final int HANDOFFS_PER_SOURCE = 3_000;
    static final Duration BUDGET = Delays.scaled(3_000);

    @Test
    void aParkedHubServesEveryHandOffFromThreadsAndFromGreenletsOfOtherHubs() throws Exception {
        UringAssumptions.assumeUringAvailable();
        Hub target = startOnUring("wake-target");
        Hub other1 = startOnUring("wake-source-1");
        Hub other2 = startOnUring("wake-source-2");
        try {
            assertThat(Loops.byId(target.id()).ioHandler()).isInstanceOf(UringIo.class);
            long stopAt = System.nanoTime() + BUDGET.toNanos();
            AtomicLong slowest = new AtomicLong();
            List<String> lost = java.util.Collections.synchronizedList(new ArrayList<>());
            long wakeupsBefore = target.stats().selectorWakeups();

            java.util.function.IntSupplier source = () -> {
                int done = 0;
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 0; i < HANDOFFS_PER_SOURCE && System.nanoTime() < stopAt; i++) {
                    AsyncResult<Integer> served = new AsyncResult<>();
                    int n = i;
                    long t0 = System.nanoTime();
                    target.callSoon(() -> served.set(n));
                    if (!served.await(LONG)) {
                        lost.add("hand-off " + i + " from " + Thread.currentThread() + " not served within " + LONG);
                        return done;
                    }
                    slowest.accumulateAndGet(System.nanoTime() - t0, Math::max);
                    done++;
                    // Hand the next one over at a different point of the hub's way into its park.
                    long pause = random.nextLong(0, 40_000);
                    long until = System.nanoTime() + pause;
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                }
                return done;
            };

            List<Thread> threads = new ArrayList<>();
            int[] byThread = new int[3];
            for (int t = 0; t < byThread.length; t++) {
                int slot = t;
                threads.add(Thread.ofPlatform().name("wake-producer-" + t).start(() -> byThread[slot] = source.getAsInt()));
            }
            Greenlet<Integer> g1 = other1.spawn(source::getAsInt);
            Greenlet<Integer> g2 = other2.spawn(source::getAsInt);

            Duration bound = BUDGET.plus(LONG).plus(LONG);
            int total = g1.result(bound) + g2.result(bound);
            for (Thread t : threads) {
                t.join(bound.toMillis());
                assertThat(t.isAlive()).as("%s ended", t).isFalse();
            }
            for (int n : byThread) {
                total += n;
            }
            assertThat(lost).as("lost wake-ups (slowest served hand-off: %d us)", slowest.get() / 1_000).isEmpty();
            assertThat(total).as("hand-offs served").isGreaterThanOrEqualTo(1_000);
            assertThat(target.stats().selectorWakeups() - wakeupsBefore)
                    .as("the hub really parked between hand-offs (it was woken from io_uring)").isPositive();
        } finally {
            assertThat(other1.close(LONG)).isTrue();
            assertThat(other2.close(LONG)).isTrue();
            assertThat(target.close(LONG)).isTrue();
        }
    }

    static Hub startOnUring(String name) {
        String before = System.getProperty(Pollers.PROPERTY);
        System.setProperty(Pollers.PROPERTY, "uring");
        try {
            return Hub.start(name);
        } finally {
            if (before == null) {
                System.clearProperty(Pollers.PROPERTY);
            } else {
                System.setProperty(Pollers.PROPERTY, before);
            }
        }
    }
}
