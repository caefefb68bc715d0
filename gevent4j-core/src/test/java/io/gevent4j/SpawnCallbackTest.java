package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class SpawnCallbackTest {

    @Test
    void aSpawnCallbackRunsOnEveryStartBeforeTheGreenletRunsUntilRemoved() {
        List<String> log = new ArrayList<>();
        Consumer<Greenlet<?>> cb = g -> log.add("callback " + g.name() + (g.hasRun() ? " (had run!)" : ""));
        try (DrivenHub d = new DrivenHub()) {
            Gevent.addSpawnCallback(cb);
            Gevent.addSpawnCallback(cb); // duplicates collapse
            d.hub.spawn(() -> log.add("a runs")).name("a");
            d.hub.spawnLater(Duration.ofSeconds(1), () -> "b").name("b");
            Greenlet<Integer> c = d.hub.greenlet(() -> 3).name("c");
            new Group().start(c);
            c.start(); // a second start is no start
            d.runUntilIdle();
            d.advance(Duration.ofSeconds(1));
            assertThat(Gevent.removeSpawnCallback(cb)).isTrue();
            assertThat(Gevent.removeSpawnCallback(cb)).isFalse();
            d.hub.spawn(() -> log.add("d runs")).name("d");
            d.runUntilIdle();
            // The name is set after spawn returned, so the callback sees the default one; count instead.
            assertThat(log).filteredOn(l -> l.startsWith("callback")).hasSize(3)
                    .noneMatch(l -> l.contains("had run"));
            assertThat(log).contains("a runs", "d runs", "callback c");
            assertThat(d.errors).isEmpty();
        } finally {
            Gevent.removeSpawnCallback(cb);
        }
    }

    @Test
    void aCallbackThatThrowsIsReportedAndTheGreenletStillStarts() {
        IllegalStateException boom = new IllegalStateException("boom");
        Consumer<Greenlet<?>> bad = g -> {
            throw boom;
        };
        try (DrivenHub d = new DrivenHub()) {
            Gevent.addSpawnCallback(bad);
            Greenlet<Integer> g = d.hub.spawn(() -> 7);
            d.runUntilIdle();
            assertThat(g.value()).isEqualTo(7);
            assertThat(d.errors).containsExactly(boom);
        } finally {
            Gevent.removeSpawnCallback(bad);
        }
    }
}
