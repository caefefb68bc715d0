package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.testkit.Delays;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventTest {

    @Test
    void setWakesEveryWaiterInArrivalOrder() {
        try (DrivenHub d = new DrivenHub()) {
            Event e = new Event();
            List<Integer> woke = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int id = i;
                d.hub.spawn(() -> {
                    e.await();
                    woke.add(id);
                });
            }
            d.runUntilIdle();
            assertThat(woke).isEmpty();
            d.hub.spawn(e::set);
            d.runUntilIdle();
            assertThat(woke).containsExactly(0, 1, 2);
            assertThat(d.errors).isEmpty();
        }
    }

    @Test
    void awaitReturnsTrueIfSetAtAnyMomentEvenIfClearedBeforeTheWaiterRuns() {
        try (DrivenHub d = new DrivenHub()) {
            Event e = new Event();
            List<Boolean> got = new ArrayList<>();
            d.hub.spawn(() -> got.add(e.await(Duration.ofSeconds(5))));
            d.runUntilIdle();
            d.hub.spawn(() -> {
                e.set();
                e.clear();
            });
            d.runUntilIdle();
            assertThat(got).containsExactly(true);
            assertThat(e.isSet()).isFalse();
        }
    }

    @Test
    void awaitReturnsFalseAfterItsTimeoutOnTheHubClock() {
        try (DrivenHub d = new DrivenHub()) {
            Event e = new Event();
            List<Boolean> got = new ArrayList<>();
            d.hub.spawn(() -> got.add(e.await(Duration.ofSeconds(2))));
            d.runUntilIdle();
            d.advance(Duration.ofMillis(1999));
            assertThat(got).isEmpty();
            d.advance(Duration.ofMillis(1));
            assertThat(got).containsExactly(false);
            e.set(); // a set after the time-out wakes nobody and is kept
            assertThat(e.isSet()).isTrue();
        }
    }

    @Test
    void whenReadyActionRunsOnceOnSetAndNotAfterClose() {
        Event e = new Event();
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        e.whenReady(() -> log.add("a"));
        Waitable.Registration r = e.whenReady(() -> log.add("b"));
        r.close();
        e.set();
        e.set();
        e.whenReady(() -> log.add("c")); // already set: at once
        assertThat(log).containsExactly("a", "c");
    }

    @Test
    void topLevelAwaitReturnsEventsInTheOrderTheyAreSet() {
        try (DrivenHub d = new DrivenHub()) {
            Event a = new Event();
            Event b = new Event();
            List<List<Event>> got = new ArrayList<>();
            d.hub.spawn(() -> got.add(Gevent.await(List.of(a, b))));
            d.runUntilIdle();
            d.hub.spawn(() -> {
                b.set();
                Gevent.sleep();
                a.set();
            });
            d.runUntilIdle();
            assertThat(got).containsExactly(List.of(b, a));
        }
    }

    @Test
    void plainThreadsAndGreenletsOfTwoHubsShareOneEvent() throws Exception {
        Event e = new Event();
        try (Hub h1 = Hub.start("ev1"); Hub h2 = Hub.start("ev2")) {
            Greenlet<Boolean> g1 = h1.spawn(() -> e.await(Delays.LONG));
            Greenlet<Boolean> g2 = h2.spawn(() -> e.await(Delays.LONG));
            AsyncResult<Boolean> fromThread = new AsyncResult<>();
            Thread t = Thread.ofPlatform().start(() -> fromThread.set(e.await(Delays.LONG)));
            h1.spawn(() -> {
                Gevent.sleep(Delays.SHORT);
                e.set();
            });
            assertThat(g1.result(Delays.LONG)).isTrue();
            assertThat(g2.result(Delays.LONG)).isTrue();
            assertThat(fromThread.result(Delays.LONG)).isTrue();
            t.join();
        }
    }

    @Test
    void aCallerThatFindsItSetWhileWokenWaitersHaveNotRunGoesAfterThem() {
        // gevent #1520: the setter's own await on the set flag does not overtake the waiters it woke.
        try (DrivenHub d = new DrivenHub()) {
            Event e = new Event();
            List<String> log = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                String id = "waiter" + i;
                d.hub.spawn(() -> {
                    e.await();
                    log.add(id);
                });
            }
            d.runUntilIdle();
            d.hub.spawn(() -> {
                e.set();
                e.await();
                log.add("setter");
                e.await(); // everyone woken has run: no wait any more
                log.add("setter again");
            });
            d.runUntilIdle();
            assertThat(log).containsExactly("waiter0", "waiter1", "setter", "setter again");
            assertThat(d.errors).isEmpty();
        }
    }

    @Test
    void aWokenWaiterThatAwaitsAgainGoesBehindTheOthersItWasWokenWith() {
        try (DrivenHub d = new DrivenHub()) {
            Event e = new Event();
            List<String> log = new ArrayList<>();
            d.hub.spawn(() -> {
                e.await();
                log.add("first");
                assertThat(e.await(Duration.ofSeconds(1))).isTrue();
                log.add("first again");
            });
            d.hub.spawn(() -> {
                e.await();
                log.add("second");
            });
            d.runUntilIdle();
            e.set();
            d.runUntilIdle();
            assertThat(log).containsExactly("first", "second", "first again");
            assertThat(d.errors).isEmpty();
        }
    }

    @Test
    void aZeroWaitNeitherBlocksNorWaitsItsTurnAndWorksInAHubCallback() {
        try (DrivenHub d = new DrivenHub()) {
            Event e = new Event();
            List<Object> log = new ArrayList<>();
            d.hub.callSoon(() -> log.add(e.await(Duration.ZERO)));
            d.runUntilIdle();
            d.hub.spawn(() -> {
                e.await();
                log.add("waiter");
            });
            d.runUntilIdle();
            d.hub.spawn(() -> {
                e.set();
                log.add(e.await(Duration.ZERO));
            });
            d.hub.callSoon(() -> log.add("callback " + e.await(Duration.ZERO)));
            d.runUntilIdle();
            assertThat(log).containsExactlyInAnyOrder(false, true, "waiter", "callback true");
            assertThat(log.subList(0, 2)).containsExactly(false, true);
            assertThat(d.errors).isEmpty();
        }
    }
}
