package io.gevent4j;

import io.gevent4j.internal.Strand;
import io.gevent4j.internal.Waiter;
import java.util.ArrayList;
import java.util.List;

/**
 * Deadlock detection among the greenlets of one hub (joins and {@link RLock} waits without a
 * time-out). Called on the hub's loop thread by the greenlet that is about to wait.
 */
final class Deadlocks {
    private Deadlocks() {}

    /**
     * The deadlock that {@code caller} (a greenlet of this hub, running) would enter by waiting
     * without a time-out on {@code on} (a {@link Greenlet} it joins, or an {@link RLock} it
     * acquires), or null if it is not certain. Certain: following who must act next (the joined
     * greenlet; the lock's owner) leads back to {@code caller}, through greenlets of this hub
     * that are all parked in such an untimed wait, and no {@link Timeout} is pending on any of
     * them. A greenlet finishes only by running, and an RLock is released only by its owner, so
     * no wait of the cycle can ever end normally; only an exception (a kill) could end one.
     * Reads the state of other greenlets: on the loop thread, none of them runs meanwhile.
     */
    static DeadlockException cycle(Greenlet<?> caller, Object on) {
        Hub hub = caller.hub();
        Greenlet<?> first = mustAct(on);
        if (first != caller && (first == null || first.strand().waitsFor == null)) {
            return null; // the common case (the target runs, or waits on something else): no allocation
        }
        List<Greenlet<?>> cycle = new ArrayList<>();
        List<Object> edges = new ArrayList<>();
        cycle.add(caller);
        edges.add(on);
        Greenlet<?> t = mustAct(on);
        while (t != caller) {
            if (t == null || t.hub() != hub || cycle.size() > 100_000) {
                return null;
            }
            Waiter w = t.strand().waiter();
            Object next = t.strand().waitsFor;
            if (w == null || !w.isWaiting() || next == null || cycle.contains(t)) {
                return null; // not parked in such a wait, or a cycle that does not pass through the caller
            }
            cycle.add(t);
            edges.add(next);
            t = mustAct(next);
        }
        if (hub.loop().timers().interruptAny(strandsOf(cycle))) {
            return null; // a time-out will end one of these waits
        }
        StringBuilder m = new StringBuilder("deadlock: ").append(caller).append(" would wait forever to ")
                .append(on instanceof Greenlet<?> ? "join " : "acquire ").append(on).append(": ");
        for (int i = 0; i < cycle.size(); i++) {
            Greenlet<?> next = cycle.get((i + 1) % cycle.size());
            m.append(i == 0 ? "" : ", ").append('"').append(cycle.get(i).name()).append('"');
            if (edges.get(i) instanceof RLock lock) {
                m.append(" waits for RLock@").append(Integer.toHexString(System.identityHashCode(lock)))
                        .append(" held by \"").append(next.name()).append('"');
            } else {
                m.append(" joins \"").append(next.name()).append('"');
            }
        }
        m.append(". None of these waits can ever end: none has a time-out, a greenlet finishes only by"
                + " running and a lock is released only by its owner. Wait with a time-out, take locks in"
                + " one order, or kill one of them.");
        return new DeadlockException(m.toString(), List.copyOf(cycle));
    }

    private static java.util.Set<Strand> strandsOf(List<Greenlet<?>> cycle) {
        java.util.Set<Strand> out = new java.util.HashSet<>();
        for (Greenlet<?> g : cycle) {
            out.add(g.strand());
        }
        return out;
    }

    /** The greenlet that must act to end a wait on {@code on}, or null if none is known. */
    private static Greenlet<?> mustAct(Object on) {
        if (on instanceof Greenlet<?> g) {
            return g;
        }
        if (on instanceof RLock lock) {
            return Greenlet.ofStrand(lock.currentOwner());
        }
        return null;
    }
}
