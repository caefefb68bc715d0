package io.gevent4j.internal;

import java.util.Set;

/**
 * The timers of one {@link Loop}: its {@link TimerHeap}, which the loop thread alone touches, and
 * the doors to it from any thread (they cross to the loop through its inbox, in order). The pass
 * fires the due ones (Loop.fireTimers).
 */
public final class LoopTimers {
    private final Loop loop;
    private final HubClock clock;
    /** The heap; the loop thread only. */
    final TimerHeap heap = new TimerHeap();

    LoopTimers(Loop loop, HubClock clock) {
        this.loop = loop;
        this.clock = clock;
    }

    /** Adds a timer whose deadline is set; the caller is on the loop thread. */
    public void add(Timer t) {
        heap.add(t);
    }

    /** Removes a timer; the caller is on the loop thread. */
    public void remove(Timer t) {
        heap.remove(t);
    }

    /** Marks a timer referenced or not, from any thread (in order with its adding). */
    public void setReferenced(Timer t, boolean referenced) {
        if (loop.inLoop()) {
            heap.setReferenced(t, referenced);
        } else {
            loop.post(() -> heap.setReferenced(t, referenced));
        }
    }

    /** Adds a timer from any thread, {@code nanos} from now. */
    public void addFromAnyThread(Timer t, long nanos) {
        if (loop.inLoop()) {
            t.deadline = clock.nanoTime() + nanos;
            heap.add(t);
        } else {
            long requested = System.nanoTime();
            loop.post(() -> {
                // Account for the time the request spent crossing to the loop.
                long elapsed = System.nanoTime() - requested;
                t.deadline = clock.nanoTime() + Math.max(0, nanos - elapsed);
                heap.add(t);
            });
        }
    }

    /** Removes a timer from any thread. */
    public void removeFromAnyThread(Timer t) {
        if (loop.inLoop()) {
            heap.remove(t);
        } else {
            loop.post(() -> heap.remove(t));
        }
    }

    /** Whether a pending timer ends a wait of one of {@code strands} by an exception. Loop thread. */
    public boolean interruptAny(Set<? extends Strand> strands) {
        return heap.interruptsAny(strands);
    }

    /** Pending timers; racy from another thread. */
    public int count() {
        return heap.size();
    }

    /** Whether the earliest timer is due at the loop's clock. Loop thread. */
    boolean due() {
        Timer t = heap.peek();
        return t != null && t.deadline - clock.nanoTime() <= 0;
    }
}
