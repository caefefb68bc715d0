package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** gevent's per-member kill rules of Group, and Pool's bounded start (issue #13). */
class GroupKillTest {

    @Test
    void killOneOfAMemberAlreadyDyingThatIgnoresTheKillReturnsAtOnce() {
        try (DrivenHub d = new DrivenHub()) {
            Group group = new Group();
            List<String> log = new ArrayList<>();
            Greenlet<Void> stubborn = d.hub.greenlet(() -> {
                try {
                    Gevent.sleep(Duration.ofSeconds(10));
                } catch (GreenletExit ignored) {
                    log.add("ignored the kill");
                }
                Gevent.sleep(Duration.ofSeconds(10));
                return null;
            });
            group.start(stubborn);
            d.runUntilIdle();
            group.killAsync();
            d.runUntilIdle();
            assertThat(log).containsExactly("ignored the kill");
            d.hub.spawn(() -> {
                group.killOne(stubborn);
                log.add("killOne returned, dead=" + stubborn.ready());
                log.add("with a time-out: " + group.killOne(stubborn, Duration.ofSeconds(60)));
            });
            d.runUntilIdle();
            assertThat(log).containsExactly("ignored the kill", "killOne returned, dead=false", "with a time-out: false");
            d.advance(Duration.ofSeconds(10));
            assertThat(group.isEmpty()).isTrue();
            assertThat(d.errors).isEmpty();
        }
    }

    @Test
    void killOneAsyncSendsOneKillAndDoesNotWait() {
        try (DrivenHub d = new DrivenHub()) {
            Group group = new Group();
            Greenlet<Void> g = d.hub.greenlet(() -> {
                Gevent.sleep(Duration.ofSeconds(10));
                return null;
            });
            group.start(g);
            d.runUntilIdle();
            assertThat(group.killOneAsync(g)).isTrue();
            assertThat(group.killOneAsync(g)).isFalse(); // already dying: not sent again
            assertThat(group.killOneAsync(d.hub.greenlet(() -> 1))).isFalse(); // not a member
            assertThat(g.ready()).isFalse();
            d.runUntilIdle();
            assertThat(g.exit()).isPresent();
            assertThat(group.isEmpty()).isTrue();
        }
    }

    @Test
    void killAsyncRemovesMembersThatNeverRanWhenTheLoopRuns() {
        try (DrivenHub d = new DrivenHub()) {
            Group group = new Group();
            List<String> ran = new ArrayList<>();
            Greenlet<Void> g = group.start(d.hub.greenlet(() -> {
                ran.add("ran");
                return null;
            }));
            group.killAsync();
            assertThat(g.ready()).isTrue(); // it will never run
            assertThat(group.size()).isEqualTo(1); // but leaves the group on the loop, as in gevent
            assertThat(group.contains(g)).isTrue();
            d.runUntilIdle();
            assertThat(group.isEmpty()).isTrue();
            assertThat(ran).isEmpty();
        }
    }

    @Test
    void poolStartWithATimeOutOrNoneFailsWithPoolFullWhenFull() {
        try (DrivenHub d = new DrivenHub()) {
            Pool pool = new Pool(1);
            pool.start(d.hub.greenlet(() -> {
                Gevent.sleep(Duration.ofSeconds(2));
                return null;
            }));
            Greenlet<Integer> second = d.hub.greenlet(() -> 2);
            assertThatThrownBy(() -> pool.start(second, Duration.ZERO)).isInstanceOf(Pool.PoolFullException.class);
            assertThat(second.started()).isFalse();
            assertThat(pool.contains(second)).isFalse();
            List<Object> log = new ArrayList<>();
            d.hub.callSoon(() -> { // a zero time-out never blocks: fine in a hub callback
                try {
                    pool.start(second, Duration.ZERO);
                } catch (Pool.PoolFullException e) {
                    log.add("full in a callback");
                }
            });
            d.runUntilIdle();
            d.hub.spawn(() -> {
                try {
                    pool.start(second, Duration.ofSeconds(1));
                } catch (Pool.PoolFullException e) {
                    log.add("still full after 1 s");
                }
                log.add("started: " + pool.start(second, Duration.ofSeconds(5)).result());
            });
            d.runUntilIdle();
            d.advance(Duration.ofSeconds(1));
            assertThat(log).containsExactly("full in a callback", "still full after 1 s");
            d.advance(Duration.ofSeconds(1));
            assertThat(log).containsExactly("full in a callback", "still full after 1 s", "started: 2");
            assertThat(d.errors).isEmpty();
        }
    }
}
