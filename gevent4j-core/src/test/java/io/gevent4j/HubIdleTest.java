package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Hub#awaitIdle (gevent's hub.join) and unreferenced timers (gevent's ref=False), on the
 * hand-driven hub: what keeps a hub busy, and what does not.
 */
class HubIdleTest {
    private static final Duration SECOND = Duration.ofSeconds(1);

    /** Spawns a greenlet on the driven hub that waits for idleness, recording the result. */
    private static Greenlet<Boolean> idleWaiter(DrivenHub d, Duration timeout) {
        return d.hub.spawn(() -> d.hub.awaitIdle(timeout));
    }

    @Test
    void aReferencedSleepKeepsTheHubBusyUntilItEnds() {
        try (DrivenHub d = new DrivenHub()) {
            Greenlet<Void> sleeper = d.hub.spawn(() -> Gevent.sleep(SECOND));
            Greenlet<Boolean> waiter = idleWaiter(d, Duration.ofHours(1));
            d.runUntilIdle();
            assertThat(waiter.isDone()).isFalse();
            d.advance(SECOND);
            assertThat(sleeper.isDone()).isTrue();
            assertThat(waiter.isDone()).isTrue();
            assertThat(waiter.value()).isTrue();
        }
    }

    @Test
    void anUnreferencedSleepDoesNotKeepTheHubBusy() {
        try (DrivenHub d = new DrivenHub()) {
            Greenlet<Void> sleeper = d.hub.spawn(() -> Gevent.sleep(SECOND, false));
            Greenlet<Boolean> waiter = idleWaiter(d, Duration.ofHours(1));
            d.runUntilIdle();
            assertThat(waiter.isDone()).isTrue();
            assertThat(waiter.value()).isTrue();
            assertThat(sleeper.isDone()).isFalse();
            d.advance(SECOND); // and it still ends on time
            assertThat(sleeper.isDone()).isTrue();
            assertThat(d.errors).isEmpty();
        }
    }

    @Test
    void aReferencedCallLaterKeepsTheHubBusyAndAnUnreferencedOneDoesNot() {
        try (DrivenHub d = new DrivenHub()) {
            AtomicBoolean fired = new AtomicBoolean();
            Hub.Scheduled s = d.hub.callLater(SECOND, () -> fired.set(true));
            Greenlet<Boolean> waiter = idleWaiter(d, Duration.ofHours(1));
            d.runUntilIdle();
            assertThat(waiter.isDone()).isFalse();
            s.unref();
            d.runUntilIdle();
            assertThat(waiter.isDone()).isTrue();
            assertThat(fired).isFalse();
            d.advance(SECOND);
            assertThat(fired).isTrue();
        }
    }

    @Test
    void refUndoesUnref() {
        try (DrivenHub d = new DrivenHub()) {
            d.hub.callLater(SECOND, () -> {}).unref().ref();
            Greenlet<Boolean> waiter = idleWaiter(d, Duration.ofHours(1));
            d.runUntilIdle();
            assertThat(waiter.isDone()).isFalse();
            d.advance(SECOND);
            assertThat(waiter.value()).isTrue();
        }
    }

    @Test
    void aGreenletParkedOnAnEventWithoutTimeoutIsNotWork() {
        try (DrivenHub d = new DrivenHub()) {
            Event never = new Event();
            Greenlet<Void> parked = d.hub.spawn(() -> never.await());
            Greenlet<Boolean> waiter = idleWaiter(d, Duration.ofHours(1));
            d.runUntilIdle();
            assertThat(waiter.value()).isTrue();
            assertThat(parked.isDone()).isFalse();
        }
    }

    @Test
    void aTimedWaitOnAnEventIsWorkUntilItsTimeOut() {
        try (DrivenHub d = new DrivenHub()) {
            Event never = new Event();
            d.hub.spawn(() -> never.await(SECOND));
            Greenlet<Boolean> waiter = idleWaiter(d, Duration.ofHours(1));
            d.runUntilIdle();
            assertThat(waiter.isDone()).isFalse();
            d.advance(SECOND);
            assertThat(waiter.value()).isTrue();
        }
    }

    @Test
    void timesOutWithFalseWhileWorkRemains() {
        try (DrivenHub d = new DrivenHub()) {
            d.hub.spawn(() -> Gevent.sleep(Duration.ofHours(1)));
            Greenlet<Boolean> waiter = idleWaiter(d, SECOND);
            d.runUntilIdle();
            d.advance(SECOND);
            assertThat(waiter.isDone()).isTrue();
            assertThat(waiter.value()).isFalse();
        }
    }

    @Test
    void theWaitersOwnTimeOutIsNotWork() {
        try (DrivenHub d = new DrivenHub()) {
            Greenlet<Boolean> first = idleWaiter(d, Duration.ofHours(1));
            Greenlet<Boolean> second = idleWaiter(d, Duration.ofHours(2));
            d.runUntilIdle();
            assertThat(first.value()).isTrue();
            assertThat(second.value()).isTrue();
        }
    }

    @Test
    void workThatArrivesBeforeIdlenessIsWaitedFor() {
        try (DrivenHub d = new DrivenHub()) {
            AtomicReference<String> order = new AtomicReference<>("");
            d.hub.spawn(() -> {
                Gevent.sleep(SECOND);
                d.hub.spawn(() -> {
                    Gevent.sleep(SECOND);
                    order.updateAndGet(o -> o + "late;");
                });
            });
            Greenlet<Boolean> waiter = d.hub.spawn(() -> {
                boolean idle = d.hub.awaitIdle(Duration.ofHours(1));
                order.updateAndGet(o -> o + "idle;");
                return idle;
            });
            d.runUntilIdle();
            d.advance(SECOND);
            assertThat(waiter.isDone()).isFalse();
            d.advance(SECOND);
            assertThat(waiter.value()).isTrue();
            assertThat(order.get()).isEqualTo("late;idle;");
        }
    }

    @Test
    void aClosedHubIsIdle() {
        DrivenHub d = new DrivenHub();
        d.close();
        assertThat(d.hub.awaitIdle(Duration.ZERO)).isTrue();
    }
}
