package io.gevent4j;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A hub driven step by step by the test thread, on a {@link ManualClock}: greenlets run only
 * inside {@link #runUntilIdle()} / {@link #advance(Duration)}, so order and timer tests are
 * deterministic and need no real sleeps. Records what its error handler receives.
 */
final class DrivenHub implements AutoCloseable {
    final ManualClock clock = new ManualClock();
    final Hub hub = Hub.driven("driven", clock);
    final List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());

    DrivenHub() {
        hub.setErrorHandler((h, g, e) -> errors.add(e));
    }

    /** Runs everything runnable now, and timers due now. */
    void runUntilIdle() {
        hub.runUntilIdle();
    }

    /** Moves the clock forward and runs what became due. */
    void advance(Duration d) {
        clock.advance(d);
        hub.runUntilIdle();
    }

    @Override
    public void close() {
        hub.closeDriven();
    }
}
