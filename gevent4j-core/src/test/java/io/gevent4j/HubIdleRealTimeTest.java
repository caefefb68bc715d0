package io.gevent4j;

import static io.gevent4j.testkit.Delays.LONG;
import static io.gevent4j.testkit.Delays.SHORT;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Hub#awaitIdle and Gevent.await() on real hubs and real time (STYLE.md: scaled delays, elapsed
 * asserted from below only): waiting from a plain thread and from greenlets, for work the driven
 * hub cannot show (JDK calls, the thread pool).
 */
class HubIdleRealTimeTest {

    private static long elapsedSince(long t0) {
        return System.nanoTime() - t0;
    }

    @Test
    void aPlainThreadWaitsUntilTheGreenletsHaveFinished() {
        try (Hub hub = Hub.start("idle-plain")) {
            long t0 = System.nanoTime();
            List<Greenlet<Void>> sleepers = IntStream.range(0, 3)
                    .mapToObj(i -> hub.spawn(() -> Gevent.sleep(SHORT))).toList();
            assertThat(hub.awaitIdle(LONG)).isTrue();
            assertThat(elapsedSince(t0)).isGreaterThanOrEqualTo(SHORT.toNanos());
            assertThat(sleepers).allMatch(Greenlet::isDone);
        }
    }

    @Test
    void geventAwaitInAGreenletWaitsForTheRestOfItsHub() {
        try (Hub hub = Hub.start("idle-gevent-await")) {
            Greenlet<Void> sleeper = hub.spawn(() -> Gevent.sleep(SHORT));
            Greenlet<Boolean> waiter = hub.spawn(() -> {
                boolean idle = Gevent.await(LONG);
                return idle && sleeper.isDone();
            });
            assertThat(waiter.result(LONG)).isTrue();
        }
    }

    @Test
    void geventAwaitWithoutTimeOutInAGreenlet() {
        try (Hub hub = Hub.start("idle-gevent-await-forever")) {
            Greenlet<Void> sleeper = hub.spawn(() -> Gevent.sleep(SHORT));
            Greenlet<Boolean> waiter = hub.spawn(() -> {
                Gevent.await();
                return sleeper.isDone();
            });
            assertThat(waiter.result(LONG)).isTrue();
        }
    }

    @Test
    void aGreenletBlockedInAJdkCallIsWork() {
        try (Hub hub = Hub.start("idle-jdk")) {
            long t0 = System.nanoTime();
            Greenlet<Void> sleeper = hub.spawn(() -> {
                try {
                    Thread.sleep(SHORT);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(hub.awaitIdle(LONG)).isTrue();
            assertThat(elapsedSince(t0)).isGreaterThanOrEqualTo(SHORT.toNanos());
            assertThat(sleeper.isDone()).isTrue();
        }
    }

    @Test
    void aThreadPoolTaskIsWork() {
        try (Hub hub = Hub.start("idle-pool")) {
            long t0 = System.nanoTime();
            AsyncResult<String> r = hub.threadPool().submit(() -> {
                Thread.sleep(SHORT);
                return "done";
            });
            assertThat(hub.awaitIdle(LONG)).isTrue();
            assertThat(elapsedSince(t0)).isGreaterThanOrEqualTo(SHORT.toNanos());
            assertThat(r.ready()).isTrue();
        }
    }

    @Test
    void timesOutWhileAReferencedCallbackIsPendingAndNotOnceItIsUnreferenced() {
        try (Hub hub = Hub.start("idle-callback")) {
            Hub.Scheduled later = hub.callLater(Duration.ofHours(1), () -> {});
            long t0 = System.nanoTime();
            assertThat(hub.awaitIdle(SHORT)).isFalse();
            assertThat(elapsedSince(t0)).isGreaterThanOrEqualTo(SHORT.toNanos());
            later.unref();
            assertThat(hub.awaitIdle(LONG)).isTrue();
            later.cancel();
        }
    }

    @Test
    void anUnreferencedSleepDoesNotHoldAPlainThreadBack() {
        try (Hub hub = Hub.start("idle-unref")) {
            Greenlet<Void> sleeper = hub.spawn(() -> Gevent.sleep(Duration.ofHours(1), false));
            assertThat(hub.awaitIdle(LONG)).isTrue();
            assertThat(sleeper.isDone()).isFalse();
        }
    }

    @Test
    void closingTheHubEndsTheWait() throws Exception {
        Hub hub = Hub.start("idle-close");
        hub.spawn(() -> Gevent.sleep(Duration.ofHours(1)));
        Thread closer = Thread.ofPlatform().start(() -> {
            hub.awaitIdle(SHORT); // times out: the sleep is work
            hub.close();
        });
        assertThat(hub.awaitIdle(LONG)).isTrue();
        closer.join();
        assertThat(hub.isTerminated()).isTrue();
    }
}
