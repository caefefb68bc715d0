package io.gevent4j.dns;

import io.gevent4j.AsyncResult;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What the resolver knows of one name server's pace: how many queries may be in flight to it
 * (a window that grows while answers come back and halves on a loss, as TCP's congestion
 * window does), the queries waiting for room, and how long to wait for a reply before asking
 * again (TCP's retransmission time-out, RFC 6298: smoothed round-trip time plus four times its
 * variance, between {@link #MIN_RTO} and the configured per-try time-out).
 *
 * <p>Who may call it: the query greenlets of every hub, concurrently (one lock, held for a few
 * field updates, never while parked). {@link #acquire} parks the caller while the window is
 * full; queries get room in the order they asked for it.
 */
final class Pacer {
    /*
     * Implementation overview.
     *
     * A query holds one slot of its server's window for each try, from its send until it is
     * answered or times out; after a time-out it asks for a slot again, ahead of the queries
     * that never sent (so retransmits are paced by the shrunk window too, and go first).
     * The window starts at INITIAL_WINDOW and grows by one per answer (slow start) until the
     * first loss sets a threshold, then by 1/window per answer; it grows only while it is
     * used (half full or more, or queries waiting), so an idle stretch of single look-ups does
     * not leave a window a burst would overflow. A loss (a try that timed out) halves it once
     * per "epoch": a try remembers the epoch it was sent in, and only a loss from the current
     * epoch halves it, so the queries lost to one overflow shrink it once, not once each.
     */
    /** The window before any answer: queries a server is trusted to absorb at once. */
    static final int INITIAL_WINDOW = 64;
    /** The window never shrinks below this. */
    static final int MIN_WINDOW = 4;
    /** The window never grows beyond this (each query in flight is one open socket). */
    static final int MAX_WINDOW = 1024;
    /** The shortest wait before a retransmit, however fast the server has been. */
    static final Duration MIN_RTO = Duration.ofMillis(50);
    /** The wait before a retransmit until a first round trip is measured (RFC 6298 §2.1), at most the per-try time-out. */
    static final Duration INITIAL_RTO = Duration.ofSeconds(1);

    private final long maxRto;
    private final ReentrantLock lock = new ReentrantLock();
    /** The queries waiting for room, first served first; a set: a waiter gives up in O(1). */
    private final LinkedHashSet<AsyncResult<Boolean>> waiting = new LinkedHashSet<>();
    private double window = INITIAL_WINDOW;
    private double threshold = MAX_WINDOW;
    private int inFlight;
    private long epoch;
    /** Smoothed round-trip time and its mean deviation, in nanoseconds; srtt -1 before a sample. */
    private long srtt = -1;
    private long rttvar;
    // statistics, for tests and `gevent4j resolve`
    private long answers;
    private long losses;
    private int maxInFlight;

    /** @param maxRto the longest wait for one reply (the configured per-try time-out), in nanoseconds */
    Pacer(long maxRto) {
        this.maxRto = maxRto;
    }

    /**
     * A slot in the window: at once if there is room and nobody waits, else after the queries
     * queued before. False if {@code deadline} (a {@link System#nanoTime()}) passed first. A
     * kill while waiting leaves no slot taken.
     */
    boolean acquire(long deadline) {
        return acquire(deadline, false);
    }

    /**
     * {@link #acquire(long)}, ahead of every waiting query if {@code retransmit}: a query that
     * lost its try asks again as soon as the (shrunk) window has room, before new queries.
     */
    boolean acquire(long deadline, boolean retransmit) {
        AsyncResult<Boolean> mine;
        lock.lock();
        try {
            if ((retransmit || waiting.isEmpty()) && inFlight < (int) window) {
                take();
                return true;
            }
            mine = new AsyncResult<>();
            if (retransmit) {
                waiting.addFirst(mine);
            } else {
                waiting.addLast(mine);
            }
        } finally {
            lock.unlock();
        }
        try {
            mine.await(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        } catch (Throwable killed) {
            if (!withdraw(mine)) {
                release(); // the slot was granted on the way: give it back
            }
            throw killed;
        }
        return !withdraw(mine); // not queued any more: a release granted it
    }

    /** Takes {@code w} out of the queue; false if it was not there (granted already). */
    private boolean withdraw(AsyncResult<Boolean> w) {
        lock.lock();
        try {
            return waiting.remove(w);
        } finally {
            lock.unlock();
        }
    }

    /** Gives a slot back: the next waiting query gets it if the window has room. */
    void release() {
        lock.lock();
        try {
            inFlight--;
        } finally {
            lock.unlock();
        }
        grant();
    }

    /** The epoch a try is sent in: only a loss of the current epoch shrinks the window. */
    long epoch() {
        lock.lock();
        try {
            return epoch;
        } finally {
            lock.unlock();
        }
    }

    /** How long to wait for a reply before asking again, in nanoseconds (before the query's own back-off). */
    long rto() {
        lock.lock();
        try {
            long rto = srtt < 0 ? INITIAL_RTO.toNanos() : srtt + Math.max(TimeUnit.MILLISECONDS.toNanos(1), 4 * rttvar);
            return Math.min(maxRto, Math.max(MIN_RTO.toNanos(), rto));
        } finally {
            lock.unlock();
        }
    }

    /**
     * A reply came {@code rttNanos} after the try it answers was sent (each try has its own
     * ID, so the sample is never ambiguous: Karn's problem does not arise). Updates the
     * round-trip estimate (RFC 6298 §2) and grows the window if it is in use.
     */
    void answered(long rttNanos) {
        long r = Math.max(0, rttNanos);
        lock.lock();
        try {
            answers++;
            if (srtt < 0) {
                srtt = r;
                rttvar = r / 2;
            } else {
                rttvar = (3 * rttvar + Math.abs(srtt - r)) / 4;
                srtt = (7 * srtt + r) / 8;
            }
            if (!waiting.isEmpty() || inFlight * 2 >= (int) window) {
                window = Math.min(MAX_WINDOW, window + (window < threshold ? 1 : 1 / window));
            }
        } finally {
            lock.unlock();
        }
        grant();
    }

    /** A try sent in {@code sentEpoch} timed out: the window halves, once per epoch. */
    void lost(long sentEpoch) {
        lock.lock();
        try {
            losses++;
            if (sentEpoch == epoch) {
                threshold = Math.max(MIN_WINDOW, window / 2);
                window = threshold;
                epoch++;
            }
        } finally {
            lock.unlock();
        }
    }

    /** What the pacer has seen so far. */
    record Stats(int window, int inFlight, int maxInFlight, int queued, long answers, long losses, Duration srtt,
            Duration rto) {}

    Stats stats() {
        long rto = rto();
        lock.lock();
        try {
            return new Stats((int) window, inFlight, maxInFlight, waiting.size(), answers, losses,
                    Duration.ofNanos(Math.max(0, srtt)), Duration.ofNanos(rto));
        } finally {
            lock.unlock();
        }
    }

    private void take() {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
    }

    /** Hands free slots to waiting queries, first come first served; wakes them outside the lock. */
    private void grant() {
        for (;;) {
            AsyncResult<Boolean> next;
            lock.lock();
            try {
                if (waiting.isEmpty() || inFlight >= (int) window) {
                    return;
                }
                next = waiting.removeFirst();
                take();
            } finally {
                lock.unlock();
            }
            next.set(Boolean.TRUE);
        }
    }
}
