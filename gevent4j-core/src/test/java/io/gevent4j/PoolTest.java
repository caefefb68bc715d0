package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.testkit.Delays;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PoolTest {

    @Test
    void groupTracksMembersUntilTheyFinishAndJoinWaitsForEmpty() {
        try (DrivenHub d = new DrivenHub()) {
            Group group = new Group();
            List<String> log = new ArrayList<>();
            d.hub.spawn(() -> {
                group.spawn(() -> Gevent.sleep(Duration.ofSeconds(1)));
                group.spawn(() -> Gevent.sleep(Duration.ofSeconds(2)));
                log.add("size " + group.size());
                group.join();
                log.add("joined, size " + group.size());
            });
            d.runUntilIdle();
            assertThat(log).containsExactly("size 2");
            d.advance(Duration.ofSeconds(1));
            assertThat(group.size()).isEqualTo(1);
            d.advance(Duration.ofSeconds(1));
            assertThat(log).containsExactly("size 2", "joined, size 0");
            assertThat(group.ready()).isTrue();
        }
    }

    @Test
    void joinTimesOutAndRaiseErrorRethrowsAMembersFailure() {
        try (DrivenHub d = new DrivenHub()) {
            Group group = new Group();
            List<Object> log = new ArrayList<>();
            IllegalStateException boom = new IllegalStateException("boom");
            d.hub.spawn(() -> {
                group.spawn(() -> Gevent.sleep(Duration.ofSeconds(5)));
                log.add(group.join(Duration.ofSeconds(1)));
                group.spawn((Runnable) () -> {
                    throw boom;
                });
                try {
                    group.join(Duration.ofSeconds(10), true);
                } catch (IllegalStateException e) {
                    log.add(e);
                }
            });
            d.runUntilIdle();
            d.advance(Duration.ofSeconds(1));
            assertThat(log).containsExactly(false);
            d.advance(Duration.ofSeconds(4));
            assertThat(log).containsExactly(false, boom);
        }
    }

    @Test
    void killKillsEveryMemberOnceAndWaits() {
        try (DrivenHub d = new DrivenHub()) {
            Group group = new Group();
            AtomicInteger exits = new AtomicInteger();
            for (int i = 0; i < 3; i++) {
                group.add(d.hub.spawn(() -> {
                    try {
                        Gevent.sleep(Duration.ofDays(1));
                    } catch (GreenletExit e) {
                        exits.incrementAndGet();
                        throw e;
                    }
                }));
            }
            d.runUntilIdle();
            List<String> log = new ArrayList<>();
            d.hub.spawn(() -> {
                group.kill();
                log.add("killed");
            });
            d.runUntilIdle();
            assertThat(log).containsExactly("killed");
            assertThat(exits).hasValue(3);
            assertThat(group.isEmpty()).isTrue();
        }
    }

    @Test
    void killOneKillsOnlyThatMember() {
        try (DrivenHub d = new DrivenHub()) {
            Group group = new Group();
            Greenlet<Void> a = d.hub.spawn(() -> Gevent.sleep(Duration.ofDays(1)));
            Greenlet<Void> b = d.hub.spawn(() -> Gevent.sleep(Duration.ofDays(1)));
            group.add(a);
            group.add(b);
            d.runUntilIdle();
            d.hub.spawn(() -> group.killOne(a));
            d.runUntilIdle();
            assertThat(a.dead()).isTrue();
            assertThat(b.dead()).isFalse();
            assertThat(group.greenlets()).containsExactly(b);
            group.discard(b);
            assertThat(group.isEmpty()).isTrue();
            b.killAsync();
            d.runUntilIdle();
        }
    }

    @Test
    void poolSpawnWaitsWhileFullAndNeverRunsMoreThanItsSize() {
        try (DrivenHub d = new DrivenHub()) {
            Pool pool = new Pool(2);
            AtomicInteger running = new AtomicInteger();
            AtomicInteger maxRunning = new AtomicInteger();
            List<String> log = new ArrayList<>();
            d.hub.spawn(() -> {
                for (int i = 0; i < 5; i++) {
                    pool.spawn(() -> {
                        maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                        Gevent.sleep(Duration.ofSeconds(1));
                        running.decrementAndGet();
                    });
                    log.add("spawned " + i);
                }
                pool.join();
                log.add("joined");
            });
            d.runUntilIdle();
            assertThat(log).containsExactly("spawned 0", "spawned 1");
            assertThat(pool.full()).isTrue();
            assertThat(pool.freeCount()).isZero();
            d.advance(Duration.ofSeconds(1));
            d.advance(Duration.ofSeconds(1));
            d.advance(Duration.ofSeconds(1));
            assertThat(log).endsWith("spawned 4", "joined");
            assertThat(maxRunning).hasValue(2);
            assertThat(pool.freeCount()).isEqualTo(2);
        }
    }

    @Test
    void addTimesOutWithPoolFullAndAwaitAvailableReturnsZero() {
        try (DrivenHub d = new DrivenHub()) {
            Pool pool = new Pool(1);
            List<Object> log = new ArrayList<>();
            d.hub.spawn(() -> {
                pool.spawn(() -> Gevent.sleep(Duration.ofSeconds(10)));
                log.add(pool.awaitAvailable(Duration.ofSeconds(1)));
                try {
                    pool.add(Greenlet.create(() -> 1), Duration.ofSeconds(1));
                } catch (Pool.PoolFullException e) {
                    log.add("full");
                }
                log.add(pool.awaitAvailable());
            });
            d.runUntilIdle();
            d.advance(Duration.ofSeconds(1));
            d.advance(Duration.ofSeconds(1));
            assertThat(log).containsExactly(0, "full");
            d.advance(Duration.ofSeconds(8));
            assertThat(log).containsExactly(0, "full", 1);
            assertThatThrownBy(() -> new Pool(-1)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void applyIsReentrantInsideAFullPool() {
        try (DrivenHub d = new DrivenHub()) {
            Pool pool = new Pool(1);
            List<Object> log = new ArrayList<>();
            d.hub.spawn(() -> log.add(pool.apply(() -> pool.apply(() -> "inner"))));
            d.runUntilIdle();
            assertThat(log).containsExactly("inner");
        }
    }

    @Test
    void applyAsyncNeverBlocksTheCaller() {
        try (DrivenHub d = new DrivenHub()) {
            Pool pool = new Pool(1);
            List<Object> log = new ArrayList<>();
            d.hub.spawn(() -> {
                Greenlet<String> first = pool.applyAsync(() -> {
                    Gevent.sleep(Duration.ofSeconds(1));
                    return "first";
                });
                Greenlet<String> second = pool.applyAsync(() -> "second");
                log.add("returned at once, second tracked: " + pool.contains(second));
                log.add(first.result() + "," + second.result());
            });
            d.runUntilIdle();
            assertThat(log).containsExactly("returned at once, second tracked: false");
            d.advance(Duration.ofSeconds(1));
            assertThat(log).containsExactly("returned at once, second tracked: false", "first,second");
        }
    }

    @Test
    void mapReturnsResultsInInputOrder() {
        try (DrivenHub d = new DrivenHub()) {
            Pool pool = new Pool(3);
            List<Object> log = new ArrayList<>();
            d.hub.spawn(() -> log.add(pool.map(i -> {
                Gevent.sleep(Duration.ofMillis(10L * (5 - i)));
                return i * i;
            }, List.of(1, 2, 3, 4))));
            d.runUntilIdle();
            for (int i = 0; i < 10; i++) {
                d.advance(Duration.ofMillis(10));
            }
            assertThat(log).containsExactly(List.of(1, 4, 9, 16));
        }
    }

    @Test
    void imapYieldsInInputOrderAndRaisesEachFailureFromItsOwnElement() {
        try (DrivenHub d = new DrivenHub()) {
            Pool pool = new Pool(4);
            List<String> log = new ArrayList<>();
            d.hub.spawn(() -> {
                try (var it = pool.imap((Integer i) -> {
                    Gevent.sleep(Duration.ofMillis(10L * (4 - i)));
                    if (i == 2) {
                        throw new IllegalArgumentException("bad " + i);
                    }
                    return "r" + i;
                }, List.of(0, 1, 2, 3))) {
                    while (it.hasNext()) {
                        try {
                            log.add(it.next());
                        } catch (IllegalArgumentException e) {
                            log.add(e.getMessage());
                        }
                    }
                }
            });
            for (int i = 0; i < 6; i++) {
                d.advance(Duration.ofMillis(10));
            }
            assertThat(log).containsExactly("r0", "r1", "bad 2", "r3");
        }
    }

    @Test
    void imapUnorderedYieldsInCompletionOrder() {
        try (DrivenHub d = new DrivenHub()) {
            Pool pool = new Pool(4);
            List<Integer> log = new ArrayList<>();
            d.hub.spawn(() -> {
                try (var it = pool.imapUnordered((Integer i) -> {
                    Gevent.sleep(Duration.ofMillis(10L * (4 - i)));
                    return i;
                }, List.of(0, 1, 2, 3))) {
                    it.forEachRemaining(log::add);
                }
            });
            for (int i = 0; i < 6; i++) {
                d.advance(Duration.ofMillis(10));
            }
            assertThat(log).containsExactly(3, 2, 1, 0);
        }
    }

    @Test
    void imapBuffersBoundedlyAndASourceFailureComesAfterEarlierResults() {
        try (DrivenHub d = new DrivenHub()) {
            Group group = new Group();
            AtomicInteger started = new AtomicInteger();
            Iterable<Integer> source = () -> new Iterator<>() {
                int i;

                @Override
                public boolean hasNext() {
                    return true;
                }

                @Override
                public Integer next() {
                    if (i == 5) {
                        throw new IllegalStateException("source broke");
                    }
                    return i++;
                }
            };
            List<Object> log = new ArrayList<>();
            Greenlet<Void> consumer = d.hub.spawn(() -> {
                try (var it = group.imap((Integer i) -> {
                    started.incrementAndGet();
                    return i;
                }, source, 2)) {
                    Gevent.sleep(Duration.ofSeconds(1)); // consume nothing yet
                    log.add("started before consuming: " + started.get());
                    while (it.hasNext()) {
                        try {
                            log.add(it.next());
                        } catch (IllegalStateException e) {
                            log.add(e.getMessage());
                        }
                    }
                }
            });
            d.runUntilIdle();
            d.advance(Duration.ofSeconds(1));
            assertThat(consumer.dead()).isTrue();
            assertThat(log).containsExactly("started before consuming: 2", 0, 1, 2, 3, 4, "source broke");
        }
    }

    @Test
    void closingAnImapEarlyKillsTheRunningTasks() {
        try (DrivenHub d = new DrivenHub()) {
            Pool pool = new Pool(3);
            d.hub.spawn(() -> {
                try (var it = pool.imap((Integer i) -> {
                    Gevent.sleep(Duration.ofMillis(i == 0 ? 1 : 1_000_000));
                    return i;
                }, List.of(0, 1, 2))) {
                    assertThat(it.next()).isZero();
                }
            });
            d.runUntilIdle();
            d.advance(Duration.ofMillis(1));
            assertThat(pool.isEmpty()).isTrue();
            assertThat(d.errors).isEmpty();
        }
    }

    @Test
    void poolSharedByTwoHubsAndAThreadStaysWithinItsSize() throws Exception {
        Pool pool = new Pool(3);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        Runnable job = () -> {
            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            Gevent.sleep();
            running.decrementAndGet();
        };
        try (Hub h1 = Hub.start("p1"); Hub h2 = Hub.start("p2")) {
            Runnable spawner = () -> IntStream.range(0, 100).forEach(i -> pool.spawn(job));
            Greenlet<Void> a = h1.spawn(spawner);
            Greenlet<Void> b = h2.spawn(spawner);
            Thread t = Thread.ofPlatform().start(spawner);
            a.result(Delays.LONG);
            b.result(Delays.LONG);
            t.join();
            assertThat(pool.join(Delays.LONG)).isTrue();
        }
        assertThat(maxRunning.get()).isBetween(1, 3);
        assertThat(pool.freeCount()).isEqualTo(3);
    }
}
