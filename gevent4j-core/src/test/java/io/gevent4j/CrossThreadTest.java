package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.testkit.Delays;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Real hubs on their own threads: calls from plain threads and from other hubs, leaks, errors. */
class CrossThreadTest {
    private Hub a;
    private Hub b;
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        a = Hub.start("a");
        b = Hub.start("b");
        a.setErrorHandler((h, g, e) -> errors.add(e));
        b.setErrorHandler((h, g, e) -> errors.add(e));
    }

    @AfterEach
    void stop() {
        assertThat(a.close(Delays.LONG)).isTrue();
        assertThat(b.close(Delays.LONG)).isTrue();
    }

    @Test
    void aPlainThreadJoinsAndGetsResults() throws Exception {
        Greenlet<String> g = a.spawn(() -> {
            Gevent.sleep(Delays.SHORT);
            return "from a";
        });
        assertThat(g.result(Delays.LONG)).isEqualTo("from a");
        assertThat(g.get()).isEqualTo("from a");
        assertThat(Greenlet.current()).isEmpty();
    }

    @Test
    void greenletsJoinKillAndTimeOutAcrossHubs() {
        Greenlet<String> onA = a.spawn(() -> {
            Gevent.sleep(Delays.SHORT);
            return "a";
        });
        Greenlet<String> onB = b.spawn(() -> onA.result() + "+b");
        assertThat(onB.result(Delays.LONG)).isEqualTo("a+b");

        Greenlet<Void> sleeper = a.spawn(() -> Gevent.sleep(Delays.LONG.multipliedBy(10)));
        Greenlet<Boolean> killer = b.spawn(() -> {
            Gevent.sleep(Delays.SHORT);
            return sleeper.kill(Delays.LONG);
        });
        assertThat(killer.result(Delays.LONG)).isTrue();
        assertThat(sleeper.exit()).isPresent();

        Greenlet<Boolean> timedJoin = b.spawn(() -> a.spawn(() -> Gevent.sleep(Delays.LONG)).join(Delays.SHORT));
        assertThat(timedJoin.result(Delays.LONG)).isFalse();
        assertThat(errors).isEmpty();
    }

    @Test
    void aTimeoutStartedOnAPlainThreadInterruptsAJoin() {
        Greenlet<Void> forever = a.spawn(() -> Gevent.sleep(Delays.LONG.multipliedBy(10)));
        long start = System.nanoTime();
        boolean timedOut = false;
        try (Timeout t = Timeout.start(Delays.SHORT)) {
            forever.join();
        } catch (Timeout e) {
            timedOut = true;
        }
        assertThat(timedOut).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Delays.SHORT);
        forever.kill();
    }

    @Test
    void jdkBlockingCallsCooperateInsideGreenlets() {
        // 100 greenlets on ONE hub each block in Thread.sleep and on a ReentrantLock; they overlap,
        // which proves the JDK parks them instead of pinning the hub's thread.
        int n = 100;
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        ReentrantLock lock = new ReentrantLock();
        List<Greenlet<Void>> jobs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            jobs.add(a.spawn(() -> {
                maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                try {
                    Thread.sleep(Delays.SHORT);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                lock.lock();
                try {
                    Thread.yield();
                } finally {
                    lock.unlock();
                }
                inside.decrementAndGet();
            }));
        }
        assertThat(Gevent.joinAll(jobs, Delays.LONG)).hasSize(n);
        assertThat(maxInside).hasValue(n);
        assertThat(errors).isEmpty();
    }

    @Test
    void aHundredThousandGreenletsLeaveNothingBehind() throws Exception {
        int n = 100_000;
        Greenlet<Integer> parent = a.spawn(() -> {
            List<Greenlet<Integer>> batch = new ArrayList<>(1000);
            int sum = 0;
            for (int i = 0; i < n; i++) {
                int v = i;
                batch.add(Gevent.spawn(() -> {
                    Gevent.sleep();
                    return v & 1;
                }));
                if (batch.size() == 1000) {
                    for (Greenlet<Integer> g : Gevent.joinAll(batch)) {
                        sum += g.value();
                    }
                    batch.clear();
                }
            }
            return sum;
        });
        assertThat(parent.result(Delays.LONG.multipliedBy(6))).isEqualTo(n / 2);
        Hub.Stats stats = a.spawn(() -> a.stats()).result(Delays.LONG);
        assertThat(stats.live()).isEqualTo(1); // the greenlet that read the stats
        assertThat(stats.spawned()).isEqualTo(n + 2);
        assertThat(stats.finished()).isEqualTo(n + 1);
        assertThat(stats.timers()).isZero();
        assertThat(stats.runnable()).isZero();
        Thread loop = loopThreadOf(a);
        assertThat(a.close(Delays.LONG)).isTrue();
        loop.join(Delays.LONG.toMillis());
        assertThat(loop.isAlive()).isFalse();
    }

    private static Thread loopThreadOf(Hub hub) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("gevent4j-hub-" + hub.name()))
                .findFirst().orElseThrow();
    }

    @Test
    void aFailingErrorHandlerDoesNotStopTheHub() {
        a.setErrorHandler((h, g, e) -> {
            throw new IllegalStateException("handler broke");
        });
        Greenlet<Object> bad = a.spawn(() -> {
            throw new IllegalArgumentException("bad");
        });
        bad.join(Delays.LONG);
        assertThat(a.spawn(() -> "still running").result(Delays.LONG)).isEqualTo("still running");
    }

    @Test
    void theErrorHandlerGetsTheGreenletAndTheError() {
        List<Optional<Greenlet<?>>> who = new CopyOnWriteArrayList<>();
        a.setErrorHandler((h, g, e) -> who.add(g));
        Greenlet<Object> bad = a.spawn(() -> {
            throw new IllegalArgumentException("bad");
        });
        bad.join(Delays.LONG);
        a.callSoon(() -> {
            throw new IllegalStateException("callback");
        });
        a.spawn(() -> "flush").result(Delays.LONG);
        assertThat(who).containsExactly(Optional.of(bad), Optional.empty());
    }

    @Test
    void closingAHubKillsItsGreenletsAndEndsTheLoop() {
        Hub c = Hub.start("c");
        List<String> log = new CopyOnWriteArrayList<>();
        Greenlet<Void> g = c.spawn(() -> {
            try {
                Gevent.sleep(Delays.LONG.multipliedBy(10));
            } finally {
                log.add("cleaned up");
            }
        });
        c.spawn(() -> "warm").result(Delays.LONG);
        assertThat(c.close(Delays.LONG)).isTrue();
        assertThat(c.isTerminated()).isTrue();
        assertThat(g.exit()).isPresent();
        assertThat(log).containsExactly("cleaned up");
        assertThatThrownBy(() -> c.spawn(() -> "never"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");
    }

    @Test
    void aHubGroupSpreadsGreenletsOverItsHubs() {
        try (HubGroup group = HubGroup.start(3)) {
            List<Greenlet<Hub>> jobs = new ArrayList<>();
            for (int i = 0; i < 9; i++) {
                jobs.add(group.spawn(Hub::current));
            }
            Gevent.joinAll(jobs, Delays.LONG);
            assertThat(jobs.stream().map(Greenlet::value).distinct()).containsExactlyInAnyOrderElementsOf(group.hubs());
        }
    }

    @Test
    void theDefaultHubServesPlainThreadsAndIsADaemon() {
        Greenlet<Hub> g = Gevent.spawn(Hub::current);
        assertThat(g.result(Delays.LONG)).isSameAs(Hub.defaultHub());
        assertThat(loopThreadOf(Hub.defaultHub()).isDaemon()).isTrue();
    }
}
