package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gevent4j.testkit.Delays;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RunInfoTest {
    final Hub hub = Hub.startDaemon("info");

    @AfterEach
    void closeHub() {
        assertThat(hub.close(Delays.LONG)).isTrue();
    }

    static RunInfo.HubInfo only(RunInfo info) {
        assertThat(info.hubs()).hasSize(1);
        return info.hubs().getFirst();
    }

    /** Spawns parent -> child (both waiting) and a separate sleeper; returns once all wait. */
    void spawnTree(CountDownLatch ready) {
        hub.greenlet(() -> {
            Greenlet<Object> child = Greenlet.create(() -> {
                ready.countDown();
                Gevent.sleep(Duration.ofHours(1));
                return null;
            }).name("child").start();
            child.join();
            return null;
        }).name("parent").start();
        hub.greenlet(() -> {
            ready.countDown();
            Gevent.sleep(Duration.ofHours(1));
            return null;
        }).name("sleeper").start();
    }

    @Test
    void greenletsAreShownAsASpawnTreeWithStatesAndWaitPoints() throws Exception {
        CountDownLatch ready = new CountDownLatch(2);
        spawnTree(ready);
        assertThat(ready.await(Delays.LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        RunInfo.HubInfo h = awaitStable(2);
        assertThat(h.name()).isEqualTo("info");
        assertThat(h.answered()).isTrue();
        assertThat(h.blocked()).isFalse();
        assertThat(h.stats().live()).isEqualTo(3);
        assertThat(h.greenlets()).extracting(RunInfo.GreenletInfo::name).containsExactly("parent", "sleeper");

        RunInfo.GreenletInfo parent = h.greenlets().get(0);
        assertThat(parent.state()).isEqualTo("waiting");
        assertThat(parent.waitingOn()).hasValueSatisfying(w -> assertThat(w).contains("Greenlet.join"));
        assertThat(parent.children()).singleElement().satisfies(child -> {
            assertThat(child.name()).isEqualTo("child");
            assertThat(child.parent()).contains("parent");
            assertThat(child.waitingOn()).hasValueSatisfying(w -> assertThat(w).contains("Gevent.sleep"));
            assertThat(child.stack()).anyMatch(f -> f.getMethodName().equals("sleep"));
        });
        RunInfo.GreenletInfo sleeper = h.greenlets().get(1);
        assertThat(sleeper.parent()).isEmpty();
        assertThat(sleeper.children()).isEmpty();

        String text = RunInfo.capture(hub).toText();
        assertThat(text).contains("Hub info", "\"parent\" [waiting]", "\"child\" [waiting]",
                "spawned by \"parent\"", "waits on gevent4j wait in io.gevent4j.Gevent.sleep", "live 3");
        assertThat(text.indexOf("\"child\"")).isGreaterThan(text.indexOf("\"parent\""));
    }

    /** Captures until both sleepers are parked (a greenlet between countDown and park is runnable). */
    RunInfo.HubInfo awaitStable(int roots) {
        long deadline = System.nanoTime() + Delays.LONG.toNanos();
        while (true) {
            RunInfo.HubInfo h = only(RunInfo.capture(hub));
            boolean stable = h.greenlets().size() == roots
                    && h.greenlets().stream().allMatch(g -> g.state().equals("waiting"))
                    && h.greenlets().getFirst().children().stream().allMatch(g -> g.state().equals("waiting"));
            if (stable || System.nanoTime() - deadline > 0) {
                return h;
            }
        }
    }

    @Test
    void jsonParsesAndCarriesTheSameTree() throws Exception {
        CountDownLatch ready = new CountDownLatch(2);
        spawnTree(ready);
        assertThat(ready.await(Delays.LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        awaitStable(2);
        hub.greenlet(() -> {
            Gevent.sleep(Duration.ofHours(1));
            return null;
        }).name("odd \"name\"\n\twith\u0001controls\\").start();
        JsonNode root = new ObjectMapper().readTree(RunInfo.capture().toJson());
        JsonNode info = null;
        for (JsonNode h : root.get("hubs")) {
            if (h.get("id").asInt() == hub.id()) {
                info = h;
            }
        }
        assertThat(info).isNotNull();
        assertThat(info.get("name").asText()).isEqualTo("info");
        assertThat(info.get("stats").get("live").asInt()).isGreaterThanOrEqualTo(3);
        JsonNode parent = info.get("greenlets").get(0);
        assertThat(parent.get("name").asText()).isEqualTo("parent");
        assertThat(parent.get("parent").isNull()).isTrue();
        assertThat(parent.get("children").get(0).get("name").asText()).isEqualTo("child");
        assertThat(parent.get("children").get(0).get("parent").asText()).isEqualTo("parent");
        assertThat(parent.get("stack").size()).isPositive();
        assertThat(info.get("greenlets").findValuesAsText("name")).contains("odd \"name\"\n\twith\u0001controls\\");
    }

    static volatile boolean spin;

    static void spinUntilReleased() {
        while (spin) {
            Thread.onSpinWait();
        }
    }

    @Test
    void aBlockedHubIsStillDumpedWithTheRunningGreenletsStack() throws Exception {
        spin = true;
        CountDownLatch started = new CountDownLatch(1);
        Greenlet<Void> g = hub.greenlet(() -> {
            started.countDown();
            spinUntilReleased();
            return (Void) null;
        }).name("spinner").start();
        try {
            assertThat(started.await(Delays.LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            long t0 = System.nanoTime();
            RunInfo.HubInfo h = only(RunInfo.capture(hub));
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(RunInfo.ANSWER_TIMEOUT);
            assertThat(h.answered()).isFalse();
            assertThat(h.blocked()).isTrue();
            assertThat(h.greenlets()).singleElement().satisfies(s -> {
                assertThat(s.name()).isEqualTo("spinner");
                assertThat(s.state()).isEqualTo("running");
                assertThat(s.stack()).anyMatch(f -> f.getMethodName().equals("spinUntilReleased"));
            });
            assertThat(RunInfo.capture(hub).toText()).contains("BLOCKED", "spinUntilReleased");
        } finally {
            spin = false;
        }
        assertThat(g.join(Delays.LONG)).isTrue();
    }

    @Test
    void aGreenletCanDumpItsOwnHubWithoutWaiting() {
        Greenlet<RunInfo> g = hub.greenlet(() -> RunInfo.capture(hub)).name("self-dump").start();
        RunInfo.HubInfo h = only(g.result(Delays.LONG));
        assertThat(h.answered()).isTrue();
        assertThat(h.greenlets()).singleElement().satisfies(s -> {
            assertThat(s.name()).isEqualTo("self-dump");
            assertThat(s.state()).isEqualTo("running");
        });
    }

    @Test
    void everyLiveHubIsListedAndAClosedOneIsNot() {
        Hub other = Hub.startDaemon("info-other");
        assertThat(RunInfo.capture().hubs()).extracting(RunInfo.HubInfo::id).contains(hub.id(), other.id());
        assertThat(other.close(Delays.LONG)).isTrue();
        assertThat(Hub.all()).doesNotContain(other).contains(hub);
        assertThat(RunInfo.capture().hubs()).extracting(RunInfo.HubInfo::id).doesNotContain(other.id());
    }

    @Test
    void aGreenletOnAnotherHubWaitsForTheAnswerWithoutBlockingItsHub() {
        CountDownLatch ready = new CountDownLatch(2);
        spawnTree(ready);
        awaitStable(2);
        Hub other = Hub.startDaemon("info-asker");
        try {
            Greenlet<Integer> ticks = other.spawn(() -> {
                int n = 0;
                for (; n < 5; n++) {
                    Gevent.sleep();
                }
                return n;
            });
            Greenlet<RunInfo> asker = other.spawn(() -> RunInfo.capture(hub));
            RunInfo.HubInfo h = only(asker.result(Delays.LONG));
            assertThat(h.answered()).isTrue();
            assertThat(h.greenlets()).extracting(RunInfo.GreenletInfo::name).containsExactly("parent", "sleeper");
            assertThat(ticks.result(Delays.LONG)).isEqualTo(5);
        } finally {
            assertThat(other.close(Delays.LONG)).isTrue();
        }
    }
}
