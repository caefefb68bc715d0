package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.testkit.Delays;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class QueueTest {

    @Test
    void getWaitsForAPutAndWaitingGettersAreServedInArrivalOrder() {
        try (DrivenHub d = new DrivenHub()) {
            Queue<String> q = new Queue<>();
            List<String> log = new ArrayList<>();
            for (String name : List.of("g1", "g2", "g3")) {
                d.hub.spawn(() -> log.add(name + "=" + q.get()));
            }
            d.runUntilIdle();
            d.hub.spawn(() -> {
                q.put("a");
                q.put("b");
                q.put("c");
            });
            d.runUntilIdle();
            assertThat(log).containsExactly("g1=a", "g2=b", "g3=c");
            assertThat(q.isEmpty()).isTrue();
        }
    }

    @Test
    void boundedPutWaitsAndBlockedPuttersAreServedInArrivalOrder() {
        try (DrivenHub d = new DrivenHub()) {
            Queue<Integer> q = new Queue<>(1);
            List<String> log = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                int item = i;
                d.hub.spawn(() -> {
                    q.put(item);
                    log.add("put " + item);
                });
            }
            d.runUntilIdle();
            assertThat(log).containsExactly("put 1");
            assertThat(q.isFull()).isTrue();
            assertThat(q.waitingPutters()).isEqualTo(2);
            List<Integer> got = new ArrayList<>();
            d.hub.spawn(() -> {
                for (int i = 0; i < 3; i++) {
                    got.add(q.get());
                }
            });
            d.runUntilIdle();
            assertThat(got).containsExactly(1, 2, 3);
            assertThat(log).containsExactly("put 1", "put 2", "put 3");
        }
    }

    @Test
    void aGetterThatTimesOutNeverConsumesAnItem() {
        try (DrivenHub d = new DrivenHub()) {
            Queue<String> q = new Queue<>();
            List<Object> log = new ArrayList<>();
            d.hub.spawn(() -> {
                try {
                    log.add(q.get(Duration.ofSeconds(1)));
                } catch (Queue.EmptyException e) {
                    log.add("empty");
                }
            });
            d.hub.spawn(() -> log.add(q.poll(Duration.ofSeconds(1))));
            d.runUntilIdle();
            d.advance(Duration.ofSeconds(1));
            assertThat(log).containsExactly("empty", Optional.empty());
            q.put("kept");
            assertThat(q.size()).isEqualTo(1);
            assertThat(q.peek()).contains("kept");
            assertThat(q.poll()).contains("kept");
        }
    }

    @Test
    void putTimesOutWithFullAndOfferReturnsFalse() {
        try (DrivenHub d = new DrivenHub()) {
            Queue<String> q = new Queue<>(1);
            assertThat(q.offer("a")).isTrue();
            assertThat(q.offer("b")).isFalse();
            List<Object> log = new ArrayList<>();
            d.hub.spawn(() -> {
                try {
                    q.put("c", Duration.ofMillis(100));
                } catch (Queue.FullException e) {
                    log.add("full");
                }
            });
            d.runUntilIdle();
            d.advance(Duration.ofMillis(100));
            assertThat(log).containsExactly("full");
            assertThat(q.poll()).contains("a");
            assertThat(q.poll()).isEmpty(); // the timed-out put left nothing behind
        }
    }

    @Test
    void peekWaitsWithoutTaking() {
        try (DrivenHub d = new DrivenHub()) {
            Queue<String> q = new Queue<>();
            List<Object> log = new ArrayList<>();
            d.hub.spawn(() -> log.add(q.peek(Duration.ofSeconds(1))));
            d.runUntilIdle();
            q.put("x");
            d.runUntilIdle();
            assertThat(log).containsExactly(Optional.of("x"));
            assertThat(q.size()).isEqualTo(1);
        }
    }

    @Test
    void shutdownWakesBlockedPuttersAndGettersWithAClearException() {
        try (DrivenHub d = new DrivenHub()) {
            Queue<String> empty = new Queue<>();
            Queue<String> full = new Queue<>(1);
            full.put("x");
            List<String> log = new ArrayList<>();
            d.hub.spawn(() -> {
                try {
                    empty.get();
                } catch (Queue.ShutDownException e) {
                    log.add("getter: " + e.getMessage());
                }
            });
            d.hub.spawn(() -> {
                try {
                    full.put("y");
                } catch (Queue.ShutDownException e) {
                    log.add("putter: " + e.getMessage());
                }
            });
            d.runUntilIdle();
            empty.shutdown();
            full.shutdown();
            d.runUntilIdle();
            assertThat(log).containsExactlyInAnyOrder(
                    "getter: the queue was shut down while getting", "putter: the queue was shut down while putting");
            // after a drain shutdown the items left can still be taken, then gets fail
            assertThat(full.get()).isEqualTo("x");
            assertThatThrownBy(full::get).isInstanceOf(Queue.ShutDownException.class);
            assertThatThrownBy(() -> full.put("z")).isInstanceOf(Queue.ShutDownException.class);
        }
    }

    @Test
    void immediateShutdownDropsTheItemsAndCountsThemDone() {
        JoinableQueue<String> q = new JoinableQueue<>();
        q.put("a");
        q.put("b");
        assertThat(q.unfinishedTasks()).isEqualTo(2);
        q.shutdown(true);
        assertThat(q.size()).isZero();
        assertThat(q.unfinishedTasks()).isZero();
        assertThat(q.join(Duration.ZERO)).isTrue();
        assertThatThrownBy(q::get).isInstanceOf(Queue.ShutDownException.class);
    }

    @Test
    void iterationEndsAtShutdownOrAtTheSentinel() {
        Queue<String> q = new Queue<>();
        q.put("a");
        q.put("b");
        q.shutdown();
        List<String> all = new ArrayList<>();
        q.forEach(all::add);
        assertThat(all).containsExactly("a", "b");

        Queue<String> s = new Queue<>();
        s.put("a");
        s.put("STOP");
        s.put("after");
        List<String> untilStop = new ArrayList<>();
        s.until("STOP").forEach(untilStop::add);
        assertThat(untilStop).containsExactly("a");
        assertThat(s.poll()).contains("after");
    }

    @Test
    void lifoAndPriorityOrders() {
        LifoQueue<Integer> lifo = new LifoQueue<>();
        PriorityQueue<Integer> prio = new PriorityQueue<>();
        PriorityQueue<String> byLength = new PriorityQueue<>(Comparator.comparingInt(String::length));
        for (int i : new int[] {2, 3, 1}) {
            lifo.put(i);
            prio.put(i);
        }
        byLength.put("ccc");
        byLength.put("a");
        assertThat(List.of(lifo.get(), lifo.get(), lifo.get())).containsExactly(1, 3, 2);
        assertThat(List.of(prio.get(), prio.get(), prio.get())).containsExactly(1, 2, 3);
        assertThat(byLength.get()).isEqualTo("a");
        assertThatThrownBy(() -> new Queue<>(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Channel");
    }

    @Test
    void joinableQueueJoinWaitsForEveryTaskDone() {
        try (DrivenHub d = new DrivenHub()) {
            JoinableQueue<Integer> q = new JoinableQueue<>();
            List<String> log = new ArrayList<>();
            assertThat(q.join(Duration.ZERO)).isTrue();
            d.hub.spawn(() -> {
                for (int i = 0; i < 2; i++) {
                    int item = q.get();
                    Gevent.sleep(Duration.ofSeconds(1));
                    log.add("done " + item);
                    q.taskDone();
                }
            });
            d.hub.spawn(() -> {
                q.put(1);
                q.put(2);
                q.join();
                log.add("joined");
            });
            d.runUntilIdle();
            d.advance(Duration.ofSeconds(1));
            assertThat(log).containsExactly("done 1");
            d.advance(Duration.ofSeconds(1));
            assertThat(log).containsExactly("done 1", "done 2", "joined");
            assertThatThrownBy(q::taskDone).isInstanceOf(IllegalStateException.class).hasMessageContaining("too many times");
        }
    }

    @Test
    void channelPutWaitsForAGetter() {
        try (DrivenHub d = new DrivenHub()) {
            Channel<String> ch = new Channel<>();
            List<String> log = new ArrayList<>();
            assertThat(ch.offer("nobody waits")).isFalse();
            d.hub.spawn(() -> {
                ch.put("hello");
                log.add("put returned");
            });
            d.runUntilIdle();
            assertThat(log).isEmpty();
            assertThat(ch.ready()).isTrue();
            assertThat(ch.size()).isZero();
            assertThat(ch.isFull()).isTrue();
            d.hub.spawn(() -> log.add("got " + ch.get()));
            d.runUntilIdle();
            assertThat(log).containsExactlyInAnyOrder("got hello", "put returned");
            assertThat(ch.ready()).isFalse();
            d.hub.spawn(() -> log.add("got " + ch.get()));
            d.runUntilIdle();
            assertThat(ch.offer("to the waiting getter")).isTrue();
            d.runUntilIdle();
            assertThat(log).contains("got to the waiting getter");
        }
    }

    @Test
    void channelPutTimesOutWithFull() {
        try (DrivenHub d = new DrivenHub()) {
            Channel<String> ch = new Channel<>();
            List<String> log = new ArrayList<>();
            d.hub.spawn(() -> {
                try {
                    ch.put("x", Duration.ofSeconds(1));
                } catch (Queue.FullException e) {
                    log.add("full");
                }
            });
            d.runUntilIdle();
            d.advance(Duration.ofSeconds(1));
            assertThat(log).containsExactly("full");
            assertThat(ch.poll()).isEmpty();
        }
    }

    @Test
    void producersAndConsumersOnTwoHubsAndAThreadLoseAndDuplicateNothing() throws Exception {
        Queue<Integer> q = new Queue<>(4);
        int perProducer = 500;
        List<Integer> consumed = java.util.Collections.synchronizedList(new ArrayList<>());
        try (Hub h1 = Hub.start("q1"); Hub h2 = Hub.start("q2")) {
            List<Greenlet<Void>> gs = new ArrayList<>();
            gs.add(h1.spawn(() -> {
                for (int i = 0; i < perProducer; i++) {
                    q.put(i);
                }
            }));
            Thread producer = Thread.ofPlatform().start(() -> {
                for (int i = perProducer; i < 2 * perProducer; i++) {
                    q.put(i);
                }
            });
            for (Hub h : List.of(h1, h2, h2)) {
                gs.add(h.spawn(() -> {
                    for (Integer x : q) {
                        consumed.add(x);
                    }
                }));
            }
            producer.join();
            gs.get(0).join(Delays.LONG);
            q.shutdown();
            assertThat(Gevent.joinAll(gs, Delays.LONG)).hasSize(gs.size());
            gs.forEach(Greenlet::result);
        }
        assertThat(consumed).hasSize(2 * perProducer).doesNotHaveDuplicates();
    }

    @Test
    void queuesSemaphoresAndLocksAreWaitablesOfTheTopLevelAwait() {
        try (DrivenHub d = new DrivenHub()) {
            Queue<String> q = new Queue<>();
            Semaphore sem = new Semaphore(0);
            Channel<String> ch = new Channel<>();
            List<List<Waitable>> got = new ArrayList<>();
            d.hub.spawn(() -> got.add(Gevent.await(List.<Waitable>of(q, sem, ch))));
            d.runUntilIdle();
            assertThat(got).isEmpty();
            d.hub.spawn(() -> {
                sem.release();
                Gevent.sleep();
                q.put("x");
                Gevent.sleep();
                ch.put("y"); // stays blocked: nobody gets; the channel is ready while it waits
            });
            d.runUntilIdle();
            assertThat(got).containsExactly(List.of(sem, q, ch));
            assertThat(q.size()).as("waiting for readiness takes nothing").isEqualTo(1);
            assertThat(sem.availablePermits()).isEqualTo(1);
        }
    }

    @Test
    void aKilledGetterTakesNothingAndTheNextGetterIsServed() {
        try (DrivenHub d = new DrivenHub()) {
            Queue<String> q = new Queue<>();
            List<String> log = new ArrayList<>();
            Greenlet<String> killed = d.hub.spawn(() -> q.get());
            d.hub.spawn(() -> log.add("second got " + q.get()));
            d.runUntilIdle();
            killed.killAsync();
            d.runUntilIdle();
            q.put("only");
            d.runUntilIdle();
            assertThat(killed.isCancelled()).isTrue();
            assertThat(log).containsExactly("second got only");
            assertThat(q.waitingGetters()).isZero();
        }
    }

    @Test
    void channelIsARendezvousInBothDirectionsAsInGevent() {
        // gevent's test__queue TestChannel.test_send: the getter runs before the put returns.
        try (DrivenHub d = new DrivenHub()) {
            Channel<String> ch = new Channel<>();
            List<String> events = new ArrayList<>();
            d.hub.spawn(() -> {
                Greenlet<Void> g = Gevent.spawn(() -> {
                    events.add(ch.get());
                    events.add(ch.get());
                });
                events.add("sending");
                ch.put("hello");
                events.add("sent hello");
                ch.put("world");
                events.add("sent world");
                g.join();
            });
            d.runUntilIdle();
            assertThat(events).containsExactly("sending", "hello", "sent hello", "world", "sent world");
            assertThat(d.errors).isEmpty();
        }
    }

    @Test
    void zeroTimeOutsNeverBlockAndSoWorkInAHubCallback() {
        try (DrivenHub d = new DrivenHub()) {
            Queue<String> q = new Queue<>(1);
            Semaphore sem = new Semaphore(0);
            AsyncResult<String> r = new AsyncResult<>();
            Greenlet<Void> sleeper = d.hub.spawn(() -> Gevent.sleep(Duration.ofSeconds(1)));
            d.runUntilIdle();
            List<Object> log = new ArrayList<>();
            d.hub.callSoon(() -> {
                q.put("a", Duration.ZERO);
                log.add(q.offer("b", Duration.ZERO));
                try {
                    q.put("b", Duration.ZERO);
                } catch (Queue.FullException e) {
                    log.add("full");
                }
                log.add(q.peek(Duration.ZERO).orElseThrow());
                log.add(q.get(Duration.ZERO));
                log.add(q.poll(Duration.ZERO).isPresent());
                try {
                    q.get(Duration.ZERO);
                } catch (Queue.EmptyException e) {
                    log.add("empty");
                }
                log.add(sem.acquire(Duration.ZERO));
                log.add(r.await(Duration.ZERO));
                log.add(sleeper.join(Duration.ZERO));
                log.add(Gevent.await(List.<Waitable>of(sem, r), Duration.ZERO).isEmpty());
            });
            d.runUntilIdle();
            assertThat(log).containsExactly(false, "full", "a", "a", false, "empty", false, false, false, true);
            assertThat(d.errors).isEmpty();
        }
    }
}
