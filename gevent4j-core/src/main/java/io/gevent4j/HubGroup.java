package io.gevent4j;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * N hubs, one loop thread each, for using several cores: greenlets spawned through the group
 * go to its hubs in turn. The no-locks promise holds within one hub only: greenlets on different
 * hubs run in parallel and share state only through thread-safe objects (every primitive of
 * this library is one).
 *
 * {@snippet :
 * try (HubGroup hubs = HubGroup.start(Runtime.getRuntime().availableProcessors())) {
 *     var jobs = IntStream.range(0, 100).mapToObj(i -> hubs.spawn(() -> i * i)).toList();
 *     Gevent.joinAll(jobs);
 * }
 * }
 */
public final class HubGroup implements AutoCloseable {
    private final List<Hub> hubs;
    private final AtomicInteger next = new AtomicInteger();

    private HubGroup(List<Hub> hubs) {
        this.hubs = List.copyOf(hubs);
    }

    /** Starts {@code size} hubs named {@code hub-0}... (daemon loop threads). */
    public static HubGroup start(int size) {
        if (size <= 0) {
            throw new IllegalArgumentException("a hub group needs at least one hub: " + size);
        }
        List<Hub> hubs = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            hubs.add(Hub.startDaemon("hub-" + i));
        }
        return new HubGroup(hubs);
    }

    /** The hubs, in order. */
    public List<Hub> hubs() {
        return hubs;
    }

    /** The number of hubs in the group. */
    public int size() {
        return hubs.size();
    }

    /** The next hub in turn (round robin). Thread-safe. */
    public Hub next() {
        return hubs.get(Math.floorMod(next.getAndIncrement(), hubs.size()));
    }

    /** Spawns on the next hub in turn. */
    public <T> Greenlet<T> spawn(Callable<T> task) {
        return next().spawn(task);
    }

    /** Spawns a task with no result on the next hub in turn. */
    public Greenlet<Void> spawn(Runnable task) {
        return next().spawn(task);
    }

    /** Closes every hub (killing their greenlets) and waits for their loops to end. */
    @Override
    public void close() {
        for (Hub h : hubs) {
            h.close(Duration.ZERO);
        }
        for (Hub h : hubs) {
            h.close();
        }
    }
}
