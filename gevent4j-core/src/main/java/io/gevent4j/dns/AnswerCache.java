package io.gevent4j.dns;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The resolver's cache of answers by {@link Question}: positive answers for the smallest TTL of
 * their records (CNAMEs followed included), negative ones (NXDOMAIN, NO_DATA) for their SOA's
 * negative TTL (RFC 2308); an answer without a TTL (no SOA, or TTL 0) is not kept. Bounded to
 * {@link #MAX_CACHED} entries.
 *
 * <p>Who may call it: any thread, concurrently (a {@link ConcurrentHashMap}); it never blocks.
 */
final class AnswerCache {
    /** At most this many cached answers (positive and negative). */
    static final int MAX_CACHED = 50_000;

    private record Entry(Outcome outcome, long expiresAt) {}

    private final ConcurrentHashMap<Question, Entry> entries = new ConcurrentHashMap<>();

    /** The cached outcome of {@code q}, or null if there is none or it expired (then it is dropped). */
    Outcome get(Question q) {
        Entry e = entries.get(q);
        if (e == null) {
            return null;
        }
        if (System.nanoTime() - e.expiresAt() < 0) {
            return e.outcome();
        }
        entries.remove(q, e);
        return null;
    }

    /** Keeps {@code o} as the answer to {@code q} for its TTL, if it has one. */
    void put(Question q, Outcome o) {
        long ttl = o.ttlSeconds();
        if (ttl <= 0) {
            return;
        }
        entries.put(q, new Entry(o, System.nanoTime() + Duration.ofSeconds(ttl).toNanos()));
        if (entries.size() > MAX_CACHED) {
            trim();
        }
    }

    void clear() {
        entries.clear();
    }

    /**
     * Keeps the cache bounded: drops expired answers, then (if names keep being new) arbitrary
     * ones down to 90% of the bound. Runs on the query's greenlet, O(size) once per overflow.
     */
    private void trim() {
        long now = System.nanoTime();
        entries.values().removeIf(e -> now - e.expiresAt() >= 0);
        var it = entries.keySet().iterator();
        while (entries.size() > MAX_CACHED * 9 / 10 && it.hasNext()) {
            it.next();
            it.remove();
        }
    }
}
