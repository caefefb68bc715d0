package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The top-level API (joinAll, killAll, await, iwait, idle) on a driven hub. */
class GeventTest {
    private final DrivenHub d = new DrivenHub();
    private final Hub hub = d.hub;
    private final List<Object> log = new ArrayList<>();

    @AfterEach
    void close() {
        d.close();
    }

    private Greenlet<String> sleeper(String name, long millis) {
        return hub.spawn(() -> {
            Gevent.sleep(Duration.ofMillis(millis));
            return name;
        }).name(name);
    }

    private Greenlet<String> failer(String name, long millis) {
        return hub.spawn(() -> {
            Gevent.sleep(Duration.ofMillis(millis));
            throw new IllegalStateException(name);
        });
    }

    /** Runs {@code body} in a greenlet and steps the clock 1 ms at a time until it is done. */
    private <T> Greenlet<T> drive(java.util.concurrent.Callable<T> body) {
        Greenlet<T> g = hub.spawn(body);
        d.runUntilIdle();
        for (int i = 0; i < 10_000 && !g.ready(); i++) {
            d.advance(Duration.ofMillis(1));
        }
        assertThat(g.ready()).as("driven greenlet finished").isTrue();
        return g;
    }

    @Test
    void joinAllReturnsTheFinishedInCompletionOrder() {
        var a = sleeper("a", 30);
        var b = sleeper("b", 10);
        var c = sleeper("c", 20);
        var g = drive(() -> Gevent.joinAll(List.of(a, b, c)));
        assertThat(g.value()).containsExactly(b, c, a);
    }

    @Test
    void joinAllWithATimeoutReturnsAPartialListWithoutRaising() {
        var a = sleeper("a", 10);
        var b = sleeper("b", 1000);
        var g = drive(() -> Gevent.joinAll(List.of(a, b), Duration.ofMillis(50)));
        assertThat(g.value()).containsExactly(a);
        assertThat(b.ready()).isFalse();
    }

    @Test
    void joinAllStopsAfterCount() {
        var a = sleeper("a", 30);
        var b = sleeper("b", 10);
        var c = sleeper("c", 20);
        var g = drive(() -> Gevent.joinAll(List.of(a, b, c), Duration.ofSeconds(1), 2));
        assertThat(g.value()).containsExactly(b, c);
        assertThatThrownBy(() -> Gevent.joinAll(List.of(a), Duration.ofSeconds(1), 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void joinAllOrRaiseRaisesTheFirstErrorInCompletionOrder() {
        var ok = sleeper("ok", 5);
        var late = failer("late", 30);
        var early = failer("early", 20);
        var g = drive(() -> Gevent.joinAllOrRaise(List.of(ok, late, early)));
        assertThat(g.exception()).isInstanceOf(IllegalStateException.class).hasMessage("early");
        assertThat(late.ready()).as("raised as soon as the first failure finished").isFalse();
    }

    @Test
    void joinAllAcceptsDuplicates() {
        var a = sleeper("a", 10);
        var g = drive(() -> Gevent.joinAll(List.of(a, a)));
        assertThat(g.value()).containsExactly(a, a);
    }

    @Test
    void joinAllOfNothingReturnsAtOnce() {
        var g = drive(() -> Gevent.joinAll(List.<Greenlet<?>>of()));
        assertThat(g.value()).isEmpty();
    }

    @Test
    void killAllCancelsUnstartedOnesAndWaitsForTheRest() {
        var running = sleeper("running", 10_000);
        d.runUntilIdle();
        Greenlet<Object> unstarted = hub.greenlet(() -> {
            log.add("unstarted ran");
            return null;
        });
        var g = drive(() -> {
            var scheduled = Gevent.spawn(() -> log.add("scheduled ran")); // queued behind us: not run yet
            Gevent.killAll(List.of(running, unstarted, scheduled));
            return List.of(running.ready(), unstarted.ready(), scheduled.ready(), scheduled.hasRun());
        });
        assertThat(g.value()).containsExactly(true, true, true, false);
        d.runUntilIdle();
        assertThat(log).isEmpty();
        assertThat(running.exit()).isPresent();
    }

    @Test
    void killAllWithATimeoutReportsAGreenletThatIgnoresTheKill() {
        var stubborn = hub.spawn(() -> {
            for (;;) {
                try {
                    Gevent.sleep(Duration.ofSeconds(1));
                } catch (GreenletExit ignored) {
                    log.add("ignored a kill");
                }
            }
        });
        var obedient = sleeper("obedient", 10_000);
        d.runUntilIdle();
        var g = drive(() -> Gevent.killAll(List.of(stubborn, obedient), Duration.ofMillis(20)));
        assertThat(g.value()).isFalse();
        assertThat(obedient.ready()).isTrue();
        assertThat(stubborn.ready()).isFalse();
        assertThat(log).containsExactly("ignored a kill");
        stubborn.killAsync(new IllegalStateException("really stop"));
        d.runUntilIdle();
        assertThat(stubborn.ready()).isTrue();
    }

    @Test
    void killAllWithACustomException() {
        var a = sleeper("a", 10_000);
        d.runUntilIdle();
        var g = drive(() -> Gevent.killAll(List.of(a), () -> new IllegalStateException("custom"), Duration.ofSeconds(1)));
        assertThat(g.value()).isTrue();
        assertThat(a.exception()).hasMessage("custom");
    }

    @Test
    void awaitReturnsReadyObjectsInReadyOrderAndHonoursCountAndTimeout() {
        var a = sleeper("a", 30);
        var b = sleeper("b", 10);
        var c = sleeper("c", 2_000);
        var g = drive(() -> List.of(
                Gevent.await(List.of(a, b), Duration.ofSeconds(1), 1),
                Gevent.await(List.of(a, b, c), Duration.ofMillis(100)),
                Gevent.await(List.of(a))));
        assertThat(g.value()).containsExactly(List.of(b), List.of(b, a), List.of(a));
    }

    @Test
    void iwaitYieldsInReadyOrderEndsSilentlyOnTimeoutAndUnlinksOnClose() {
        var a = sleeper("a", 20);
        var b = sleeper("b", 10);
        var c = sleeper("c", 5_000);
        var g = drive(() -> {
            List<String> seen = new ArrayList<>();
            try (var it = Gevent.iwait(List.of(a, b, c), Duration.ofMillis(50))) {
                while (it.hasNext()) {
                    seen.add(it.next().value());
                }
            }
            return seen;
        });
        assertThat(g.value()).containsExactly("b", "a");
        assertThat(c.hasLinks()).as("iwait removed its registration").isFalse();
    }

    @Test
    void idleRunsOnlyWhenNothingElseIsRunnable() {
        hub.spawn(() -> {
            Gevent.idle();
            log.add("idle");
        });
        hub.spawn(() -> {
            log.add("busy 1");
            Gevent.sleep();
            log.add("busy 2");
            Gevent.sleep();
            log.add("busy 3");
        });
        d.runUntilIdle();
        assertThat(log).containsExactly("busy 1", "busy 2", "busy 3", "idle");
    }

    @Test
    void aKillReachesAGreenletWaitingInJoinAll() {
        var a = sleeper("a", 10_000);
        Greenlet<List<Greenlet<String>>> waiter = hub.spawn(() -> Gevent.joinAll(List.of(a)));
        d.runUntilIdle();
        waiter.killAsync(); // the test thread drives this hub: it must not block on it
        d.runUntilIdle();
        assertThat(waiter.exit()).isPresent();
        assertThat(a.hasLinks()).as("the killed waiter's registration is gone").isFalse();
    }

    @Test
    void runExecutesAMainGreenletOnAFreshHubAndReturnsItsValue() {
        AtomicReference<Hub> main = new AtomicReference<>();
        int v = Gevent.run(() -> {
            main.set(Hub.current());
            var child = Gevent.spawn(() -> 20);
            return child.result() + 22;
        });
        assertThat(v).isEqualTo(42);
        assertThat(main.get().isTerminated()).isTrue();
        assertThatThrownBy(() -> Gevent.run(() -> {
            throw new IllegalArgumentException("from main");
        })).isInstanceOf(IllegalArgumentException.class).hasMessage("from main");
    }
}
