package io.gevent4j;

import io.gevent4j.internal.Loop;
import io.gevent4j.internal.LoopStrand;

/**
 * A loop's view of its {@link Hub} (the engine names nothing above it, so it talks back through
 * this): failures go to the hub's error handler, a close kills the hub's greenlets, the hub's
 * thread pool counts as work, long slices become JFR events.
 */
final class HubHost implements Loop.Host {
    final Hub hub;

    HubHost(Hub hub) {
        this.hub = hub;
    }

    @Override
    public void reportError(LoopStrand strand, Throwable error) {
        hub.reportError(strand instanceof GreenletStrand gs ? gs.greenlet : null, error);
    }

    @Override
    public boolean busyElsewhere() {
        ThreadPool p = hub.threadPoolIfMade();
        return p != null && p.pending() > 0;
    }

    @Override
    public void longSlice(long nanos) {
        HubEvents.longRunSlice(hub, nanos, true);
    }

    @Override
    public void killAll() {
        for (Greenlet<?> g : hub.liveGreenlets()) {
            g.killAsync();
        }
    }
}
