package io.gevent4j.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * The live-strand registry of one {@link Loop}: the strands that have begun to run and have not
 * ended, in an intrusive doubly-linked list (no node objects). Confined to the loop's thread,
 * except {@link #racySnapshot()}, which the watchdog and RunInfo read from anywhere.
 */
final class LiveStrands {
    private LoopStrand head;
    private int count;
    private long added;
    private long removed;

    int count() {
        return count;
    }

    long added() {
        return added;
    }

    long removed() {
        return removed;
    }

    void add(LoopStrand s) {
        added++;
        count++;
        s.liveNext = head;
        if (head != null) {
            head.livePrev = s;
        }
        head = s;
    }

    void remove(LoopStrand s) {
        removed++;
        count--;
        LoopStrand prev = s.livePrev;
        LoopStrand next = s.liveNext;
        if (prev != null) {
            prev.liveNext = next;
        } else if (head == s) {
            head = next;
        }
        if (next != null) {
            next.livePrev = prev;
        }
        s.livePrev = null;
        s.liveNext = null;
    }

    /** Whether a live strand is outside a library wait: parked in a JDK call, or about to run. */
    boolean anyOutsideLibraryWait() {
        for (LoopStrand s = head; s != null; s = s.liveNext) {
            Waiter w = s.waiter;
            if (w == null || !w.isWaiting()) {
                return true;
            }
        }
        return false;
    }

    /** Exact on the loop thread. */
    List<LoopStrand> snapshot() {
        List<LoopStrand> out = new ArrayList<>(count);
        for (LoopStrand s = head; s != null; s = s.liveNext) {
            out.add(s);
        }
        return out;
    }

    /**
     * Read from any thread without the loop's cooperation: exact when the loop is stuck or on
     * the loop thread, otherwise racy (a strand that starts or ends meanwhile may be missed).
     * Bounded, so a torn list cannot loop forever.
     */
    List<LoopStrand> racySnapshot() {
        List<LoopStrand> out = new ArrayList<>();
        int bound = Math.max(16, count * 2 + 16);
        for (LoopStrand s = head; s != null && out.size() < bound; s = s.liveNext) {
            out.add(s);
        }
        return out;
    }
}
