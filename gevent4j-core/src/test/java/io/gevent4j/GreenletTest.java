package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Greenlet semantics on a hub driven step by step: no real time, fully deterministic. */
class GreenletTest {
    private final DrivenHub d = new DrivenHub();
    private final Hub hub = d.hub;
    private final List<String> log = new ArrayList<>();

    @AfterEach
    void close() {
        d.close();
    }

    @Test
    void spawnRunsOnALaterPassNotSynchronously() {
        Greenlet<Integer> g = hub.spawn(() -> {
            log.add("ran");
            return 42;
        });
        assertThat(log).isEmpty();
        assertThat(g.started()).isTrue();
        assertThat(g.ready()).isFalse();
        d.runUntilIdle();
        assertThat(log).containsExactly("ran");
        assertThat(g.ready()).isTrue();
        assertThat(g.dead()).isTrue();
        assertThat(g.started()).isFalse();
        assertThat(g.successful()).isTrue();
        assertThat(g.value()).isEqualTo(42);
        assertThat(g.exception()).isNull();
        assertThat(g.result()).isEqualTo(42);
        assertThat(g.hasRun()).isTrue();
    }

    @Test
    void startIsIdempotentAndAFinishedGreenletNeverStartsAgain() {
        AtomicInteger runs = new AtomicInteger();
        Greenlet<Integer> g = hub.greenlet(runs::incrementAndGet);
        assertThat(g.started()).isFalse();
        g.start();
        g.start();
        d.runUntilIdle();
        g.start();
        d.runUntilIdle();
        assertThat(runs).hasValue(1);
        assertThat(g.value()).isEqualTo(1);
    }

    @Test
    void sleepZeroRoundRobinsFirstInFirstOut() {
        hub.spawn(() -> {
            log.add("1A");
            Gevent.sleep();
            log.add("1B");
            Gevent.sleep(Duration.ZERO);
            log.add("1C");
        });
        hub.spawn(() -> {
            log.add("2A");
            Gevent.sleep();
            log.add("2B");
            Gevent.sleep(Duration.ZERO);
            log.add("2C");
        });
        d.runUntilIdle();
        assertThat(log).containsExactly("1A", "2A", "1B", "2B", "1C", "2C");
    }

    @Test
    void timersWakeInDeadlineOrderAndEqualDeadlinesInArmingOrder() {
        int[] delays = {30, 10, 20, 10, 0};
        for (int i = 0; i < delays.length; i++) {
            int id = i;
            hub.spawn(() -> {
                Gevent.sleep(Duration.ofMillis(delays[id]));
                log.add(id + "@" + delays[id]);
            });
        }
        d.runUntilIdle();
        assertThat(log).containsExactly("4@0");
        d.advance(Duration.ofMillis(10));
        assertThat(log).containsExactly("4@0", "1@10", "3@10");
        d.advance(Duration.ofMillis(20));
        assertThat(log).containsExactly("4@0", "1@10", "3@10", "2@20", "0@30");
    }

    @Test
    void aGreenletWokenByItsTimerRunsAheadOfTheQueuedWork() {
        hub.spawn(() -> {
            Gevent.sleep(Duration.ofMillis(10));
            log.add("timer");
        });
        d.runUntilIdle();
        hub.spawn(() -> log.add("queued 1"));
        hub.spawn(() -> log.add("queued 2"));
        d.clock.advance(Duration.ofMillis(10));
        d.runUntilIdle();
        assertThat(log).containsExactly("timer", "queued 1", "queued 2");
    }

    @Test
    void uncaughtExceptionIsStoredReportedOnceAndRaisedOnlyToThoseWhoAsk() {
        IllegalStateException boom = new IllegalStateException("boom");
        Greenlet<Integer> g = hub.spawn(() -> {
            throw boom;
        });
        d.runUntilIdle();
        assertThat(g.ready()).isTrue();
        assertThat(g.successful()).isFalse();
        assertThat(g.exception()).isSameAs(boom);
        assertThat(g.value()).isNull();
        assertThat(d.errors).containsExactly(boom);
        assertThatThrownBy(g::result).isSameAs(boom);
        assertThatThrownBy(g::get).isInstanceOf(ExecutionException.class).hasCause(boom);
        assertThatThrownBy(g::result).isSameAs(boom);
        assertThat(d.errors).hasSize(1);
    }

    @Test
    void checkedExceptionArrivesWrappedInCompletionExceptionFromResult() {
        IOException io = new IOException("disk");
        Greenlet<Integer> g = hub.spawn(() -> {
            throw io;
        });
        d.runUntilIdle();
        assertThatThrownBy(g::result).isInstanceOf(CompletionException.class).hasCause(io);
        assertThatThrownBy(g::get).isInstanceOf(ExecutionException.class).hasCause(io);
        assertThat(g.exception()).isSameAs(io);
    }

    @Test
    void killOfAnUnstartedGreenletMeansItNeverRunsAndLinksStillFire() {
        Greenlet<String> g = hub.greenlet(() -> {
            log.add("ran");
            return "x";
        });
        g.rawlink(x -> log.add("link:" + x.successful()));
        g.kill();
        assertThat(g.ready()).isTrue();
        assertThat(g.successful()).isTrue();
        assertThat(g.exit()).isPresent();
        assertThat(g.isCancelled()).isTrue();
        g.start();
        d.runUntilIdle();
        assertThat(log).containsExactly("link:true");
        assertThat(g.hasRun()).isFalse();
        assertThat(g.value()).isNull();
        assertThatThrownBy(g::get).isInstanceOf(CancellationException.class);
        assertThat(g.result()).isNull();
        assertThat(d.errors).isEmpty();
    }

    @Test
    void killOfAScheduledGreenletCancelsItsStart() {
        Greenlet<Boolean> g = hub.spawn(() -> log.add("ran"));
        g.killAsync();
        d.runUntilIdle();
        assertThat(log).isEmpty();
        assertThat(g.dead()).isTrue();
        assertThat(g.hasRun()).isFalse();
        assertThat(hub.stats().spawned()).isZero();
    }

    @Test
    void killOfARunningGreenletRaisesGreenletExitAtItsWaitPointAndFinallyRuns() {
        Greenlet<Void> g = hub.spawn(() -> {
            try {
                log.add("sleeping");
                Gevent.sleep(Duration.ofHours(1));
                log.add("woke");
            } finally {
                log.add("finally");
            }
        });
        d.runUntilIdle();
        g.killAsync();
        assertThat(g.ready()).isFalse();
        d.runUntilIdle();
        assertThat(log).containsExactly("sleeping", "finally");
        assertThat(g.successful()).isTrue();
        assertThat(g.exit()).isPresent();
        assertThat(hub.stats().timers()).isZero();
        assertThat(d.errors).isEmpty();
    }

    @Test
    void killWithACustomExceptionFailsTheGreenletAndIsReported() {
        Greenlet<Void> g = hub.spawn(() -> Gevent.sleep(Duration.ofHours(1)));
        d.runUntilIdle();
        IllegalStateException stop = new IllegalStateException("stop");
        g.killAsync(stop);
        d.runUntilIdle();
        assertThat(g.exception()).isSameAs(stop);
        assertThat(g.successful()).isFalse();
        assertThat(d.errors).containsExactly(stop);
    }

    @Test
    void killRejectsCheckedExceptionsAndNeverRaisesOtherwise() {
        Greenlet<Void> g = hub.spawn(() -> Gevent.sleep(Duration.ofHours(1)));
        assertThatThrownBy(() -> g.killAsync(new IOException("x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unchecked");
        d.runUntilIdle();
        g.killAsync();
        g.killAsync();
        d.runUntilIdle();
        g.killAsync(); // dead already: a no-op
        assertThat(g.dead()).isTrue();
    }

    @Test
    void aGreenletThatKillsItselfGetsTheExceptionAtOnce() {
        Greenlet<Void> g = hub.spawn(() -> {
            log.add("before");
            Greenlet.current().orElseThrow().kill();
            log.add("after");
        });
        d.runUntilIdle();
        assertThat(log).containsExactly("before");
        assertThat(g.exit()).isPresent();
    }

    @Test
    void aGreenletCannotJoinItself() {
        Greenlet<Void> g = hub.spawn(() -> Greenlet.current().orElseThrow().join());
        d.runUntilIdle();
        assertThat(g.exception()).isInstanceOf(IllegalStateException.class).hasMessageContaining("cannot join itself");
    }

    @Test
    void spawnLaterStartsAfterItsDelayAndAKillBeforeThenMeansNever() {
        Greenlet<Void> later = hub.spawnLater(Duration.ofSeconds(5), () -> {
            log.add("later");
            return null;
        });
        Greenlet<Void> killed = hub.spawnLater(Duration.ofSeconds(5), () -> {
            log.add("killed");
            return null;
        });
        d.runUntilIdle();
        killed.kill();
        d.advance(Duration.ofSeconds(4));
        assertThat(log).isEmpty();
        assertThat(later.started()).isTrue();
        d.advance(Duration.ofSeconds(1));
        assertThat(log).containsExactly("later");
        assertThat(killed.hasRun()).isFalse();
        assertThat(hub.stats().timers()).isZero();
    }

    @Test
    void thousandLinksRunOnceInRegistrationOrder() {
        Greenlet<Integer> g = hub.greenlet(() -> 7);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            int n = i;
            g.rawlink(x -> order.add(n));
        }
        g.start();
        d.runUntilIdle();
        d.runUntilIdle();
        assertThat(order).hasSize(1000);
        for (int i = 0; i < 1000; i++) {
            assertThat(order.get(i)).isEqualTo(i);
        }
        assertThat(g.hasLinks()).isFalse();
    }

    @Test
    void aFailingLinkIsReportedAndDoesNotStopTheOthers() {
        Greenlet<Integer> g = hub.greenlet(() -> 1);
        RuntimeException linkFailure = new RuntimeException("link failed");
        g.rawlink(x -> log.add("first"));
        g.rawlink(x -> {
            throw linkFailure;
        });
        g.rawlink(x -> log.add("third"));
        g.start();
        d.runUntilIdle();
        assertThat(log).containsExactly("first", "third");
        assertThat(d.errors).containsExactly(linkFailure);
    }

    @Test
    void unlinkingALaterLinkFromAnEarlierOnePreventsIt() {
        Greenlet<Integer> g = hub.greenlet(() -> 1);
        Consumer<Greenlet<Integer>> later = x -> log.add("later");
        g.rawlink(x -> {
            log.add("earlier");
            x.unlink(later);
        });
        g.rawlink(later);
        g.rawlink(x -> log.add("last"));
        g.start();
        d.runUntilIdle();
        assertThat(log).containsExactly("earlier", "last");
        g.unlink(x -> {}); // unknown: silent
    }

    @Test
    void linkValueAndLinkExceptionFilterByOutcomeAndLinksRunInGreenletsThatMayBlock() {
        Greenlet<Integer> ok = hub.greenlet(() -> 1);
        Greenlet<Integer> bad = hub.greenlet(() -> {
            throw new IllegalStateException("bad");
        });
        for (Greenlet<Integer> g : List.of(ok, bad)) {
            String n = g == ok ? "ok" : "bad";
            g.linkValue(x -> log.add(n + ":value"));
            g.linkException(x -> log.add(n + ":exception"));
            g.link(x -> {
                Gevent.sleep(Duration.ofSeconds(1)); // links run in their own greenlet: they may block
                log.add(n + ":link " + Greenlet.current().isPresent());
            });
            g.start();
        }
        d.runUntilIdle();
        assertThat(log).containsExactlyInAnyOrder("ok:value", "bad:exception");
        d.advance(Duration.ofSeconds(1));
        assertThat(log).contains("ok:link true", "bad:link true");
    }

    @Test
    void aLinkAddedAfterCompletionRunsSoon() {
        Greenlet<Integer> g = hub.spawn(() -> 5);
        d.runUntilIdle();
        g.rawlink(x -> log.add("late " + x.value()));
        assertThat(log).isEmpty();
        d.runUntilIdle();
        assertThat(log).containsExactly("late 5");
    }

    @Test
    void aRawlinkThatBlocksGetsAClearErrorAndTheHubGoesOn() {
        Greenlet<Integer> g = hub.spawn(() -> 5);
        g.rawlink(x -> Gevent.sleep(Duration.ofSeconds(1)));
        d.runUntilIdle();
        assertThat(d.errors).singleElement().isInstanceOf(IllegalStateException.class)
                .extracting(Throwable::getMessage).asString().contains("must not block");
        Greenlet<Integer> after = hub.spawn(() -> 6);
        d.runUntilIdle();
        assertThat(after.value()).isEqualTo(6);
    }

    @Test
    void errorsInCallbacksAndTimersDoNotStopTheHub() {
        RuntimeException e1 = new RuntimeException("callback");
        RuntimeException e2 = new RuntimeException("timer");
        hub.callSoon(() -> {
            throw e1;
        });
        hub.callLater(Duration.ofMillis(5), () -> {
            throw e2;
        });
        hub.callLater(Duration.ofMillis(5), () -> log.add("timer after the failing one"));
        d.runUntilIdle();
        d.advance(Duration.ofMillis(5));
        assertThat(d.errors).containsExactly(e1, e2);
        assertThat(log).containsExactly("timer after the failing one");
    }

    @Test
    void aCancelledCallLaterNeverRuns() {
        Hub.Scheduled s = hub.callLater(Duration.ofMillis(5), () -> log.add("ran"));
        s.cancel();
        d.advance(Duration.ofMillis(10));
        assertThat(log).isEmpty();
        assertThat(s.isCancelled()).isTrue();
    }

    @Test
    void minimalIdentsAreSmallAndTheSmallestFreeOneIsReused() {
        Greenlet<Void> a = hub.spawn(() -> Gevent.sleep(Duration.ofSeconds(1)));
        Greenlet<Void> b = hub.spawn(() -> Gevent.sleep(Duration.ofSeconds(2)));
        Greenlet<Void> c = hub.spawn(() -> Gevent.sleep(Duration.ofSeconds(3)));
        assertThat(List.of(a.minimalIdent(), b.minimalIdent(), c.minimalIdent())).containsExactly(0, 1, 2);
        assertThat(a.name()).isEqualTo("Greenlet-0");
        d.runUntilIdle();
        d.advance(Duration.ofSeconds(1)); // a dies: 0 is free again
        Greenlet<Void> e = hub.spawn(() -> {});
        assertThat(e.minimalIdent()).isZero();
        assertThat(b.name("worker").name()).isEqualTo("worker");
        assertThat(b.toString()).contains("worker");
    }

    @Test
    void parentAndCurrentAreTheSpawningAndRunningGreenlets() {
        List<Object> seen = new ArrayList<>();
        Greenlet<Void> outer = hub.spawn(() -> {
            Greenlet<?> me = Greenlet.current().orElseThrow();
            Greenlet<Boolean> inner = Gevent.spawn(() -> seen.add(Greenlet.current().orElseThrow().parent().orElseThrow()));
            seen.add(inner.hub());
            inner.join();
            seen.add(me);
        });
        d.runUntilIdle();
        assertThat(seen).containsExactly(hub, outer, outer);
        assertThat(outer.parent()).isEmpty();
        assertThat(Greenlet.current()).isEmpty();
    }

    @Test
    void joinWithATimeoutReturnsFalseAndWithoutWaitsUntilTheEnd() {
        Greenlet<Integer> slow = hub.spawn(() -> {
            Gevent.sleep(Duration.ofSeconds(10));
            return 1;
        });
        hub.spawn(() -> {
            log.add("join(1s)=" + slow.join(Duration.ofSeconds(1)));
            slow.join();
            log.add("joined " + slow.value());
        });
        d.runUntilIdle();
        d.advance(Duration.ofSeconds(1));
        assertThat(log).containsExactly("join(1s)=false");
        d.advance(Duration.ofSeconds(9));
        assertThat(log).containsExactly("join(1s)=false", "joined 1");
    }

    @Test
    void resultWithATimeoutRaisesATimeout() {
        Greenlet<Integer> slow = hub.spawn(() -> {
            Gevent.sleep(Duration.ofSeconds(10));
            return 1;
        });
        Greenlet<Object> asker = hub.spawn(() -> slow.result(Duration.ofSeconds(1)));
        d.runUntilIdle();
        d.advance(Duration.ofSeconds(1));
        assertThat(asker.exception()).isInstanceOf(Timeout.class).hasMessageContaining("1000 ms");
    }

    @Test
    void futureCancelOfAnUnstartedGreenletSucceedsAndOfARunningOneOnlyWithInterrupt() {
        Greenlet<Integer> unstarted = hub.greenlet(() -> 1);
        assertThat(unstarted.cancel(false)).isTrue();
        assertThat(unstarted.isCancelled()).isTrue();
        assertThat(unstarted.isDone()).isTrue();
        assertThat(unstarted.cancel(true)).isFalse();
        Greenlet<Integer> running = hub.spawn(() -> {
            Gevent.sleep(Duration.ofHours(1));
            return 2;
        });
        d.runUntilIdle();
        assertThat(running.cancel(false)).isFalse();
        assertThat(running.isDone()).isFalse();
    }
}
