package io.gevent4j.testkit;

import io.gevent4j.Hub;
import io.gevent4j.TestKitAccess;
import java.time.Duration;
import java.util.List;

/**
 * A hub whose clock and loop the test drives, usable from any test package: greenlets run only
 * inside {@link #runUntilIdle()} and {@link #advance(Duration)}, on the calling thread, and time
 * moves only when {@link #advance(Duration)} moves it. Order and timer tests are deterministic and
 * need no real sleeps (Netty's {@code MockTicker}, OkHttp's {@code TaskFaker}).
 *
 * <p>Who may call it: the one test thread that created it; never from inside one of its
 * greenlets. It records what its error handler receives in {@link #errors()}. Closing kills its
 * greenlets and runs the hub until they are done.
 *
 * {@snippet :
 * try (ManualHub m = new ManualHub()) {
 *     List<String> out = new ArrayList<>();
 *     m.hub().spawn(() -> { Gevent.sleep(Duration.ofSeconds(1)); out.add("woke"); });
 *     m.runUntilIdle();
 *     m.advance(Duration.ofSeconds(1)); // out is now [woke]
 * }
 * }
 */
public final class ManualHub implements AutoCloseable {
    private final TestKitAccess.Driven driven = new TestKitAccess.Driven();

    /** The hub itself, for spawning and every other public operation. */
    public Hub hub() {
        return driven.hub();
    }

    /** What the hub's error handler received, in order (a synchronized list). */
    public List<Throwable> errors() {
        return driven.errors();
    }

    /** The hub's clock now, in nanoseconds: only {@link #advance(Duration)} moves it. */
    public long nanoTime() {
        return driven.nanoTime();
    }

    /** Runs everything runnable now, and the timers due now. */
    public void runUntilIdle() {
        driven.runUntilIdle();
    }

    /** Moves the clock forward by {@code d}, then runs what became due. */
    public void advance(Duration d) {
        driven.advance(d);
    }

    @Override
    public void close() {
        driven.close();
    }
}
