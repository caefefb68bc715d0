package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SpawnTreeLocalTest {

    @Test
    void aValueIsSharedByTheWholeSpawnTreeButNotWithAnotherTree() {
        try (DrivenHub d = new DrivenHub()) {
            SpawnTreeLocal<String> id = SpawnTreeLocal.withInitial(() -> "none");
            List<Object> log = new ArrayList<>();
            d.hub.spawn(() -> {
                id.set("req-1");
                Gevent.spawn(() -> {
                    log.add("child " + id.get().orElseThrow());
                    Gevent.spawn(() -> id.set("changed by grandchild")).join();
                }).join();
                log.add("root " + id.get().orElseThrow());
            });
            d.hub.spawn(() -> log.add("other tree " + id.get().orElseThrow()));
            d.runUntilIdle();
            assertThat(log).containsExactlyInAnyOrder("child req-1", "other tree none", "root changed by grandchild");
        }
    }

    @Test
    void threadLocalsArePerGreenlet() {
        try (DrivenHub d = new DrivenHub()) {
            ThreadLocal<String> local = new ThreadLocal<>();
            List<Object> log = new ArrayList<>();
            d.hub.spawn(() -> {
                local.set("parent");
                Gevent.spawn(() -> log.add(Optional.ofNullable(local.get()))).join();
                log.add(local.get());
            });
            d.runUntilIdle();
            assertThat(log).containsExactly(Optional.empty(), "parent");
        }
    }

    @Test
    void emptyUntilSetAndRemovable() {
        try (DrivenHub d = new DrivenHub()) {
            SpawnTreeLocal<Integer> n = new SpawnTreeLocal<>();
            List<Object> log = new ArrayList<>();
            d.hub.spawn(() -> {
                log.add(n.get());
                n.set(1);
                log.add(n.get());
                n.remove();
                log.add(n.get());
            });
            d.runUntilIdle();
            assertThat(log).containsExactly(Optional.empty(), Optional.of(1), Optional.empty());
            assertThatThrownBy(n::get).isInstanceOf(IllegalStateException.class).hasMessageContaining("inside a greenlet");
        }
    }
}
