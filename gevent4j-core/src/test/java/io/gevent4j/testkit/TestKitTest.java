package io.gevent4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.Event;
import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The kit works from a package other than the core's: the hand-driven hub and the parked probe. */
class TestKitTest {

    @Test
    void theManualHubRunsGreenletsOnlyWhenDrivenAndTimeOnlyWhenAdvanced() {
        try (ManualHub m = new ManualHub()) {
            List<String> out = new ArrayList<>();
            m.hub().spawn(() -> {
                out.add("started");
                Gevent.sleep(Duration.ofSeconds(1));
                out.add("woke");
            });
            assertThat(out).as("nothing runs before the test drives the hub").isEmpty();
            m.runUntilIdle();
            assertThat(out).containsExactly("started");
            long before = m.nanoTime();
            m.advance(Duration.ofMillis(999));
            assertThat(out).containsExactly("started");
            m.advance(Duration.ofMillis(1));
            assertThat(out).containsExactly("started", "woke");
            assertThat(m.nanoTime() - before).isEqualTo(Duration.ofSeconds(1).toNanos());
        }
    }

    @Test
    void theManualHubRecordsWhatItsErrorHandlerReceives() {
        try (ManualHub m = new ManualHub()) {
            m.hub().spawn(() -> {
                throw new IllegalStateException("boom");
            });
            m.runUntilIdle();
            assertThat(m.errors()).singleElement().satisfies(e -> assertThat(e).hasMessage("boom"));
        }
    }

    @Test
    void theProbeSeesAGreenletParkedInAWaitOfTheLibraryAndNotOneThatRuns() throws Exception {
        try (Hub hub = Hub.startDaemon("probe")) {
            Event gate = new Event();
            CountDownLatch spinning = new CountDownLatch(1);
            AtomicBoolean stop = new AtomicBoolean();
            Greenlet<Void> spinner = hub.spawn(() -> {
                spinning.countDown();
                while (!stop.get()) {
                    Thread.onSpinWait();
                }
            });
            assertThat(spinning.await(Delays.LONG.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)).isTrue();
            assertThat(Probe.isParked(spinner)).isFalse();
            assertThatThrownBy(() -> Probe.awaitParked(spinner, Delays.SHORT))
                    .isInstanceOf(AssertionError.class).hasMessageContaining("to park");
            stop.set(true);
            assertThat(spinner.join(Delays.LONG)).isTrue();

            Greenlet<Boolean> waiter = hub.spawn(() -> gate.await(Delays.LONG));
            Probe.awaitParked(waiter, Delays.LONG);
            assertThat(Probe.isParked(waiter)).isTrue();
            gate.set();
            assertThat(waiter.join(Delays.LONG)).isTrue();
            assertThat(waiter.value()).isTrue();
            assertThat(Probe.isParked(waiter)).as("an ended greenlet is not parked").isFalse();
        }
    }

    @Test
    void theProbeSeesAPlainThreadParkedInAWaitOfTheLibrary() throws Exception {
        Event gate = new Event();
        Thread t = Thread.ofPlatform().start(() -> gate.await(Delays.LONG));
        try {
            Probe.awaitParked(t, Delays.LONG);
            assertThat(Probe.isParked(t)).isTrue();
        } finally {
            gate.set();
            t.join(Delays.LONG);
        }
        assertThat(t.isAlive()).isFalse();
        assertThat(Probe.isParked(t)).isFalse();
    }

    @Test
    void theProbeTellsAThreadBlockedInTheJdkFromOneThatRuns() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            Probe.awaitBlocked(t, Delays.LONG);
            assertThat(Probe.isParked(t)).as("blocked in the JDK, not in a wait of the library").isFalse();
        } finally {
            release.countDown();
            t.join(Delays.LONG);
        }
        assertThatThrownBy(() -> Probe.awaitBlocked(t, Delays.SHORT)).isInstanceOf(AssertionError.class);
    }
}
