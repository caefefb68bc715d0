package io.gevent4j.internal;

/** The hub's notion of "now", in nanoseconds; a test replaces it with a clock it advances by hand. */
public interface HubClock {
    HubClock SYSTEM = System::nanoTime;

    long nanoTime();
}
