package io.gevent4j;

/** The hub's notion of "now", in nanoseconds; a test replaces it with a clock it advances by hand. */
interface HubClock {
    HubClock SYSTEM = System::nanoTime;

    long nanoTime();
}
