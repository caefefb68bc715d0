package io.gevent4j.dns;

import static io.gevent4j.testkit.Delays.LONG;
import static io.gevent4j.testkit.Delays.SHORT;
import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PacerTest {
    static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    Hub hub = Hub.start("pacer-test");

    @AfterEach
    void stop() {
        assertThat(hub.close(LONG)).isTrue();
    }

    @Test
    void theRetransmissionTimeOutFollowsTheMeasuredRoundTripBetweenItsFloorAndTheTryTimeOut() {
        Pacer p = new Pacer(Duration.ofSeconds(5).toNanos());
        assertThat(p.rto()).as("before a sample").isEqualTo(Pacer.INITIAL_RTO.toNanos());
        p.answered(100 * MS); // srtt 100, rttvar 50: 100 + 4 x 50
        assertThat(p.rto()).isEqualTo(300 * MS);
        p.answered(100 * MS); // rttvar 3/4 x 50: 100 + 4 x 37.5
        assertThat(p.rto()).isEqualTo(250 * MS);
        for (int i = 0; i < 50; i++) {
            p.answered(MS / 10); // a fast loopback server
        }
        assertThat(p.rto()).as("the floor").isEqualTo(Pacer.MIN_RTO.toNanos());
        Pacer slow = new Pacer(2_000 * MS);
        slow.answered(3_000 * MS);
        assertThat(slow.rto()).as("never beyond the per-try time-out").isEqualTo(2_000 * MS);
        assertThat(new Pacer(300 * MS).rto()).as("the initial RTO, capped too").isEqualTo(300 * MS);
    }

    @Test
    void theWindowGrowsWhileAnswersComeBackAndHalvesOncePerLossEpoch() {
        Pacer p = new Pacer(Duration.ofSeconds(5).toNanos());
        long far = System.nanoTime() + LONG.toNanos();
        for (int i = 0; i < Pacer.INITIAL_WINDOW; i++) {
            assertThat(p.acquire(far)).isTrue();
        }
        assertThat(p.acquire(System.nanoTime())).as("the window is full").isFalse();
        long epoch = p.epoch();
        for (int i = 0; i < 10; i++) {
            p.answered(MS); // in use: slow start, one more per answer
            p.release();
        }
        assertThat(p.stats().window()).isEqualTo(Pacer.INITIAL_WINDOW + 10);
        // Every query of one overflow is lost: the window halves once, not once per loss.
        for (int i = 0; i < 20; i++) {
            p.lost(epoch);
        }
        assertThat(p.stats().window()).isEqualTo((Pacer.INITIAL_WINDOW + 10) / 2);
        assertThat(p.stats().losses()).isEqualTo(20);
        p.lost(p.epoch()); // a loss of a try sent after the halving halves again
        assertThat(p.stats().window()).isEqualTo((Pacer.INITIAL_WINDOW + 10) / 4);
        for (int i = 0; i < 100; i++) {
            p.lost(p.epoch());
        }
        assertThat(p.stats().window()).isEqualTo(Pacer.MIN_WINDOW);
    }

    @Test
    void anIdleWindowDoesNotGrow() {
        Pacer p = new Pacer(Duration.ofSeconds(5).toNanos());
        for (int i = 0; i < 1_000; i++) {
            assertThat(p.acquire(System.nanoTime() + LONG.toNanos())).isTrue();
            p.answered(MS); // one look-up at a time: a burst later must not find a huge window
            p.release();
        }
        assertThat(p.stats().window()).isEqualTo(Pacer.INITIAL_WINDOW);
    }

    @Test
    void queriesBeyondTheWindowWaitInOrderAndGiveUpAtTheirDeadline() {
        Pacer p = new Pacer(Duration.ofSeconds(5).toNanos());
        for (int i = 0; i < Pacer.INITIAL_WINDOW; i++) {
            p.acquire(System.nanoTime() + LONG.toNanos());
        }
        List<Integer> order = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        List<Greenlet<Boolean>> waiters = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int me = i;
            waiters.add(hub.spawn(() -> {
                boolean got = p.acquire(System.nanoTime() + LONG.toNanos());
                order.add(me);
                return got;
            }));
        }
        hub.spawn(() -> null).join(LONG); // the waiters are queued
        assertThat(p.stats().queued()).isEqualTo(3);
        for (int i = 0; i < 3; i++) {
            p.release();
        }
        for (Greenlet<Boolean> w : waiters) {
            assertThat(w.result(LONG)).isTrue();
        }
        assertThat(order).containsExactly(0, 1, 2);
        long t0 = System.nanoTime();
        Greenlet<Boolean> late = hub.spawn(() -> p.acquire(System.nanoTime() + SHORT.toNanos()));
        assertThat(late.result(LONG)).as("the window stayed full").isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(SHORT);
        assertThat(p.stats().queued()).isZero();
    }

    @Test
    void aKillWhileWaitingLeavesNoSlotTaken() {
        Pacer p = new Pacer(Duration.ofSeconds(5).toNanos());
        for (int i = 0; i < Pacer.INITIAL_WINDOW; i++) {
            p.acquire(System.nanoTime() + LONG.toNanos());
        }
        Greenlet<Boolean> waiter = hub.spawn(() -> p.acquire(System.nanoTime() + LONG.toNanos()));
        hub.spawn(() -> null).join(LONG);
        waiter.kill(LONG);
        assertThat(p.stats().queued()).isZero();
        p.release();
        assertThat(p.stats().inFlight()).isEqualTo(Pacer.INITIAL_WINDOW - 1);
        assertThat(p.acquire(System.nanoTime())).isTrue();
    }
}
