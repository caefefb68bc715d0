package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.testkit.Delays;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.Test;

class HubMetricsTest {

    @Test
    void countersFollowTheLoop() {
        try (DrivenHub d = new DrivenHub()) {
            Hub.Stats before = d.hub.stats();
            assertThat(before.spawned()).isZero();
            assertThat(before.longestSlice()).isEqualTo(Duration.ZERO);
            List<Greenlet<Void>> sleepers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                sleepers.add(d.hub.spawn(() -> Gevent.sleep(Duration.ofSeconds(10))));
            }
            d.hub.spawn(() -> {});
            assertThat(d.hub.stats().runnable()).isEqualTo(4);
            d.runUntilIdle();
            Hub.Stats s = d.hub.stats();
            assertThat(s.live()).isEqualTo(3);
            assertThat(s.spawned()).isEqualTo(4);
            assertThat(s.finished()).isEqualTo(1);
            assertThat(s.runnable()).isZero();
            assertThat(s.timers()).isEqualTo(3);
            assertThat(s.slices()).isGreaterThanOrEqualTo(4);
            assertThat(s.loopIterations()).isGreaterThanOrEqualTo(1);
            assertThat(s.crossThreadTasks()).isZero(); // the driver is the loop thread
            d.advance(Duration.ofSeconds(10));
            Hub.Stats after = d.hub.stats();
            assertThat(after.live()).isZero();
            assertThat(after.finished()).isEqualTo(4);
            assertThat(after.timers()).isZero();
            assertThat(after.slices()).isGreaterThan(s.slices());
            assertThat(after.loopIterations()).isGreaterThan(s.loopIterations());
            assertThat(sleepers).allMatch(Greenlet::ready);
        }
    }

    @Test
    void crossThreadTrafficIsCounted() {
        Hub hub = Hub.startDaemon("metrics");
        try {
            long deadline = System.nanoTime() + Delays.LONG.toNanos();
            int spawnedHere = 0;
            // A spawn from this thread crosses the inbox; it wakes the selector if the loop is parked.
            while (hub.stats().selectorWakeups() == 0 && System.nanoTime() - deadline < 0) {
                assertThat(hub.spawn(() -> {}).join(Delays.LONG)).isTrue();
                spawnedHere++;
            }
            Hub.Stats s = hub.stats();
            assertThat(s.selectorWakeups()).isPositive();
            assertThat(s.crossThreadTasks()).isGreaterThanOrEqualTo(spawnedHere);
            assertThat(s.spawned()).isEqualTo(spawnedHere);
        } finally {
            assertThat(hub.close(Delays.LONG)).isTrue();
        }
    }

    static void spinFor(Duration d) {
        long end = System.nanoTime() + d.toNanos();
        while (System.nanoTime() - end < 0) {
            Thread.onSpinWait();
        }
    }

    @Test
    void sliceTimingMeasuresTheLongestSlice() {
        Watchdog.measureSlices(true);
        try (DrivenHub d = new DrivenHub()) {
            d.hub.spawn(() -> spinFor(Delays.SHORT));
            d.runUntilIdle();
            assertThat(d.hub.stats().longestSlice()).isGreaterThanOrEqualTo(Delays.SHORT);
        } finally {
            Watchdog.measureSlices(false);
        }
    }

    @Test
    void sliceTimingIsOffByDefault() {
        assertThat(Watchdog.isMeasuringSlices()).isFalse();
        try (DrivenHub d = new DrivenHub()) {
            d.hub.spawn(() -> spinFor(Delays.SHORT));
            d.runUntilIdle();
            assertThat(d.hub.stats().longestSlice()).isEqualTo(Duration.ZERO);
        }
    }

    static volatile boolean spin;

    static void spinUntilReleased() {
        while (spin) {
            Thread.onSpinWait();
        }
    }

    @Test
    void jfrShowsBlockedHubsLongSlicesAndStatistics() throws Exception {
        Hub hub = Hub.startDaemon("jfr");
        List<RecordedEvent> blocked = Collections.synchronizedList(new ArrayList<>());
        List<RecordedEvent> slices = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch gotBlocked = new CountDownLatch(1);
        CountDownLatch gotSlice = new CountDownLatch(1);
        CountDownLatch gotStats = new CountDownLatch(1);
        CountDownLatch reported = new CountDownLatch(1);
        try (RecordingStream rs = new RecordingStream()) {
            rs.enable("io.gevent4j.HubBlocked");
            rs.enable("io.gevent4j.LongRunSlice");
            rs.enable("io.gevent4j.HubStatistics").withPeriod(Duration.ofMillis(100));
            rs.onEvent("io.gevent4j.HubBlocked", e -> {
                if (e.getString("hub").equals(hub.toString())) {
                    blocked.add(e);
                    gotBlocked.countDown();
                }
            });
            rs.onEvent("io.gevent4j.LongRunSlice", e -> {
                if (e.getString("hub").equals(hub.toString())) {
                    slices.add(e);
                    gotSlice.countDown();
                }
            });
            rs.onEvent("io.gevent4j.HubStatistics", e -> {
                if (e.getString("hub").equals(hub.toString()) && e.getLong("spawned") >= 1) {
                    gotStats.countDown();
                }
            });
            rs.startAsync();
            Watchdog.setListener(r -> {
                if (r.hub() == hub) {
                    reported.countDown();
                }
            });
            Watchdog.enable(Delays.SHORT);
            try {
                spin = true;
                Greenlet<Void> g = hub.greenlet(() -> {
                    spinUntilReleased();
                    return (Void) null;
                }).name("jfr-spinner").start();
                assertThat(reported.await(Delays.LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
                spin = false;
                assertThat(g.join(Delays.LONG)).isTrue();
                assertThat(gotBlocked.await(Delays.LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
                assertThat(gotSlice.await(Delays.LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
                assertThat(gotStats.await(Delays.LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            } finally {
                spin = false;
                Watchdog.disable();
                Watchdog.setListener(Watchdog.loggingListener());
                Watchdog.setThreshold(Watchdog.DEFAULT_THRESHOLD);
            }
        } finally {
            assertThat(hub.close(Delays.LONG)).isTrue();
        }
        RecordedEvent b = blocked.getFirst();
        assertThat(b.getString("greenlet")).isEqualTo("jfr-spinner");
        assertThat(b.getString("stack")).contains("spinUntilReleased");
        assertThat(b.getDuration("blockedFor")).isGreaterThanOrEqualTo(Delays.SHORT);
        assertThat(blocked).hasSize(1);
        RecordedEvent s = slices.getFirst();
        assertThat(s.getBoolean("exact")).isFalse(); // estimated by the watchdog: slice timing is off
        assertThat(s.getDuration("sliceDuration")).isGreaterThanOrEqualTo(Delays.SHORT);
    }

    @Test
    void timedSlicesBeyondTheLongSliceThresholdBecomeExactJfrEvents() throws Exception {
        List<RecordedEvent> slices = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch got = new CountDownLatch(1);
        Watchdog.measureSlices(true);
        Watchdog.setLongSliceThreshold(Delays.SHORT);
        try (DrivenHub d = new DrivenHub(); RecordingStream rs = new RecordingStream()) {
            rs.enable("io.gevent4j.LongRunSlice");
            rs.onEvent("io.gevent4j.LongRunSlice", e -> {
                if (e.getString("hub").equals(d.hub.toString())) {
                    slices.add(e);
                    got.countDown();
                }
            });
            rs.startAsync();
            d.hub.spawn(() -> spinFor(Delays.SHORT.dividedBy(10))); // below the threshold: no event
            d.hub.spawn(() -> spinFor(Delays.SHORT.multipliedBy(2)));
            d.runUntilIdle();
            assertThat(got.await(Delays.LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        } finally {
            Watchdog.measureSlices(false);
            Watchdog.setLongSliceThreshold(Duration.ofMillis(10));
        }
        assertThat(slices).singleElement().satisfies(e -> {
            assertThat(e.getBoolean("exact")).isTrue();
            assertThat(e.getDuration("sliceDuration")).isGreaterThanOrEqualTo(Delays.SHORT.multipliedBy(2));
        });
    }
}
