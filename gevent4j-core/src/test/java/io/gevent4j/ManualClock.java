package io.gevent4j;

import io.gevent4j.internal.HubClock;

import java.time.Duration;

/** A hub clock that only moves when a test advances it. */
final class ManualClock implements HubClock {
    private volatile long now = 1_000_000_000L;

    @Override
    public long nanoTime() {
        return now;
    }

    void advance(Duration d) {
        now += d.toNanos();
    }
}
