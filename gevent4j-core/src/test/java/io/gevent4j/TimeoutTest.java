package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.testkit.Delays;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Timeout semantics on a driven hub (deterministic), plus one real-time check from a plain thread. */
class TimeoutTest {
    private final DrivenHub d = new DrivenHub();
    private final Hub hub = d.hub;
    private final List<Object> log = new ArrayList<>();

    @AfterEach
    void close() {
        d.close();
    }

    private Greenlet<Object> run(Gevent.Block<Object, Exception> body) {
        return hub.spawn(body::run);
    }

    @Test
    void firesAtTheWaitPointOfTheGreenletThatStartedIt() {
        Greenlet<Object> g = run(() -> {
            try (Timeout t = Timeout.start(Duration.ofMillis(100))) {
                log.add(t.pending());
                Gevent.sleep(Duration.ofSeconds(10));
                return "slept";
            }
        });
        d.runUntilIdle();
        d.advance(Duration.ofMillis(99));
        assertThat(g.ready()).isFalse();
        d.advance(Duration.ofMillis(1));
        assertThat(g.exception()).isInstanceOf(Timeout.class).hasMessage("timed out after 100 ms");
        assertThat(log).containsExactly(true);
        assertThat(hub.stats().timers()).isZero();
        // The stack trace is where it was raised, in the greenlet, not where it was created.
        assertThat(g.exception().getStackTrace()).anyMatch(e -> e.getMethodName().equals("sleep"));
    }

    @Test
    void isNotCaughtByCatchException() {
        Greenlet<Object> g = run(() -> {
            try (Timeout t = Timeout.start(Duration.ofMillis(10))) {
                try {
                    Gevent.sleep(Duration.ofSeconds(1));
                } catch (Exception e) {
                    log.add("swallowed");
                }
                return "went on";
            }
        });
        d.runUntilIdle();
        d.advance(Duration.ofMillis(10));
        assertThat(log).isEmpty();
        assertThat(g.exception()).isInstanceOf(Timeout.class);
    }

    @Test
    void neverFiresWithoutADeadline() {
        Greenlet<Object> g = run(() -> {
            Timeout t = Timeout.never().start();
            log.add(t.pending());
            log.add(t.duration().isPresent());
            Gevent.sleep(Duration.ofDays(1));
            return "slept";
        });
        d.runUntilIdle();
        d.advance(Duration.ofDays(1));
        assertThat(g.value()).isEqualTo("slept");
        assertThat(log).containsExactly(false, false);
    }

    @Test
    void zeroFiresAtTheNextWaitPoint() {
        Greenlet<Object> g = run(() -> {
            Timeout.start(Duration.ZERO);
            log.add("no wait point yet");
            Gevent.sleep(Duration.ofSeconds(1));
            return "slept";
        });
        d.runUntilIdle();
        assertThat(log).containsExactly("no wait point yet");
        assertThat(g.exception()).isInstanceOf(Timeout.class);
    }

    @Test
    void nestedTimeoutsTheOuterOnePropagatesThroughTheInner() {
        Timeout[] outer = new Timeout[1];
        Greenlet<Object> g = run(() -> {
            try (Timeout t1 = Timeout.start(Duration.ofMillis(10))) {
                outer[0] = t1;
                try (Timeout t2 = Timeout.start(Duration.ofMillis(200))) {
                    try {
                        Gevent.sleep(Duration.ofMillis(300));
                    } catch (Timeout e) {
                        log.add(e == t2 ? "inner" : "not mine");
                        throw e;
                    }
                }
            }
            return null;
        });
        d.runUntilIdle();
        d.advance(Duration.ofMillis(10));
        assertThat(g.exception()).isSameAs(outer[0]);
        assertThat(log).containsExactly("not mine");
        d.advance(Duration.ofMillis(500));
        assertThat(hub.stats().timers()).isZero();
    }

    @Test
    void theSilentFormSwallowsOnlyItsOwnTimeout() {
        Greenlet<Object> g = run(() -> {
            log.add(Timeout.silently(Duration.ofMillis(10), () -> Gevent.sleep(Duration.ofMillis(50))));
            log.add(Timeout.silently(Duration.ofMillis(50), () -> Gevent.sleep(Duration.ofMillis(10))));
            try (Timeout outer = Timeout.start(Duration.ofMillis(5))) {
                Timeout.silently(Duration.ofMillis(100), () -> Gevent.sleep(Duration.ofMillis(200)));
                log.add("outer swallowed by inner silent form");
            }
            return null;
        });
        d.runUntilIdle();
        for (int i = 0; i < 30; i++) {
            d.advance(Duration.ofMillis(5));
        }
        assertThat(log).containsExactly(false, true);
        assertThat(g.exception()).isInstanceOf(Timeout.class);
    }

    @Test
    void aCustomExceptionIsRaisedInsteadAndRecognisedByRaised() {
        Timeout[] t = new Timeout[1];
        Greenlet<Object> g = run(() -> {
            t[0] = Timeout.start(Duration.ofMillis(10), () -> new IllegalStateException("custom"));
            Gevent.sleep(Duration.ofSeconds(1));
            return null;
        });
        d.runUntilIdle();
        d.advance(Duration.ofMillis(10));
        assertThat(g.exception()).isInstanceOf(IllegalStateException.class).hasMessage("custom");
        assertThat(t[0].raised(g.exception())).isTrue();
        assertThat(t[0].raised(new IllegalStateException())).isFalse();
    }

    @Test
    void aFactoryThatReturnsNullRaisesAClearErrorAtTheWaitPointInsteadOfVanishing() {
        Timeout[] t = new Timeout[1];
        Greenlet<Object> g = run(() -> {
            t[0] = Timeout.start(Duration.ofMillis(10), () -> null);
            Gevent.sleep(Duration.ofSeconds(10));
            return "slept its full length";
        });
        d.runUntilIdle();
        d.advance(Duration.ofMillis(10));
        assertThat(g.ready()).as("the sleep is cut short at the deadline").isTrue();
        assertThat(g.exception()).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("exception factory").hasMessageContaining("returned null")
                .hasMessageContaining("timed out after 10 ms")
                .hasCause(t[0]);
        assertThat(t[0].raised(g.exception())).isTrue();
        assertThat(Timeout.raisedBy(g.exception())).containsSame(t[0]);
        assertThat(hub.stats().timers()).isZero();
    }

    @Test
    void aFactoryThatThrowsRaisesAClearErrorAtTheWaitPoint() {
        RuntimeException broken = new UnsupportedOperationException("broken factory");
        Timeout[] t = new Timeout[1];
        Greenlet<Object> g = run(() -> {
            t[0] = Timeout.start(Duration.ofMillis(10), () -> {
                throw broken;
            });
            Gevent.sleep(Duration.ofSeconds(10));
            return "slept its full length";
        });
        d.runUntilIdle();
        d.advance(Duration.ofMillis(10));
        assertThat(g.exception()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("exception factory").hasMessageContaining("broken factory")
                .hasCause(t[0]);
        assertThat(g.exception().getSuppressed()).containsExactly(broken);
        assertThat(d.errors).as("nothing lost in the hub's timer").doesNotContain(broken);
    }

    @Test
    void aNullFactoryIsRefusedAtOnce() {
        assertThatThrownBy(() -> Timeout.of(Duration.ofMillis(10), null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("exceptionFactory");
    }

    @Test
    void pendingCancelRestartAndCloseFollowTheStateMachine() {
        Greenlet<Object> g = run(() -> {
            Timeout t = Timeout.of(Duration.ofMillis(10));
            log.add(t.pending());
            t.start();
            log.add(t.pending());
            try {
                t.start();
            } catch (IllegalStateException e) {
                log.add("already pending");
            }
            t.cancel();
            log.add(t.pending());
            Gevent.sleep(Duration.ofMillis(20)); // cancelled: does not fire
            t.start(); // restartable after cancel
            t.close();
            Gevent.sleep(Duration.ofMillis(20)); // closed: does not fire
            try {
                t.start();
            } catch (IllegalStateException e) {
                log.add("closed");
            }
            return "done";
        });
        d.runUntilIdle();
        d.advance(Duration.ofMillis(20));
        d.advance(Duration.ofMillis(20));
        assertThat(g.value()).isEqualTo("done");
        assertThat(log).containsExactly(false, true, "already pending", false, "closed");
    }

    @Test
    void cancellingAFiredButUnseenTimeoutWithdrawsItsException() {
        // A plain thread's timeout fires from the default hub while the thread computes (no wait
        // point). Closing it before the next wait point withdraws the exception: gevent would
        // raise it later, at an unrelated wait.
        Timeout t = Timeout.start(Delays.SHORT);
        long giveUp = System.nanoTime() + Delays.LONG.toNanos();
        while (t.pending() && System.nanoTime() < giveUp) {
            Thread.onSpinWait();
        }
        assertThat(t.pending()).as("fired").isFalse();
        t.close();
        Gevent.sleep(Duration.ofMillis(1)); // a wait point: nothing stale is raised here
    }

    @Test
    void fromAPlainThreadItInterruptsABlockingCall() {
        long start = System.nanoTime();
        Timeout t = Timeout.of(Delays.SHORT);
        assertThatThrownBy(() -> {
            try (t) {
                t.start();
                Gevent.sleep(Delays.LONG);
            }
        }).isSameAs(t);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Delays.SHORT);
    }

    @Test
    void withTimeoutReturnsTheValueTheTimeoutValueOrRaises() {
        Greenlet<Object> g = run(() -> {
            log.add(Gevent.withTimeout(Duration.ofMillis(10), () -> "fast"));
            log.add(Gevent.withTimeout(Duration.ofMillis(10), () -> {
                Gevent.sleep(Duration.ofMillis(20));
                return "slow";
            }, "fallback"));
            try (Timeout outer = Timeout.start(Duration.ofMillis(5))) {
                log.add(Gevent.withTimeout(Duration.ofMillis(100), () -> {
                    Gevent.sleep(Duration.ofMillis(200));
                    return "slow";
                }, "inner fallback must not hide the outer timeout"));
            }
            return null;
        });
        d.runUntilIdle();
        for (int i = 0; i < 10; i++) {
            d.advance(Duration.ofMillis(5));
        }
        assertThat(log).containsExactly("fast", "fallback");
        assertThat(g.exception()).isInstanceOf(Timeout.class);
    }
}
