package io.gevent4j.bench;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.Watchdog;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What the blocking watchdog costs a hub that never blocks: spawn+join and sleep(0) ping-pong
 * with the watchdog off, on, and on with slice timing, beside plain JDK virtual threads on the
 * default scheduler (the peer), all in one run.
 *
 * <p>Each invocation runs {@value #N} operations inside the hub (one cross-thread round trip
 * from the JMH thread per invocation, amortised), so the numbers are per in-hub operation.
 * {@code java --add-opens java.base/java.lang=ALL-UNNAMED -jar gevent4j-bench/target/benchmarks.jar
 * WatchdogOverhead -f 1 -wi 2 -i 3 -w 1s -r 1s}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class WatchdogOverheadBench {
    static final int N = 1000;

    /** hub-off: watchdog off; hub-on: watchdog on (100 ms); hub-slices: on, and every slice timed; jdk: the peer. */
    @Param({"hub-off", "hub-on", "hub-slices", "jdk"})
    public String mode;

    Hub hub;

    @Setup(Level.Trial)
    public void setUp() {
        Watchdog.disable();
        Watchdog.measureSlices(false);
        if (!mode.equals("jdk")) {
            hub = Hub.startDaemon("bench");
        }
        if (mode.equals("hub-on") || mode.equals("hub-slices")) {
            Watchdog.enable(Duration.ofMillis(100));
        }
        if (mode.equals("hub-slices")) {
            Watchdog.measureSlices(true);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Watchdog.disable();
        Watchdog.measureSlices(false);
        if (hub != null) {
            hub.close();
        }
    }

    static final Runnable NOOP = () -> {};

    @Benchmark
    @OperationsPerInvocation(N)
    public void spawnJoin() throws InterruptedException {
        if (hub == null) {
            Thread.ofVirtual().start(() -> {
                for (int i = 0; i < N; i++) {
                    try {
                        Thread.ofVirtual().start(NOOP).join();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }).join();
            return;
        }
        hub.spawn(() -> {
            for (int i = 0; i < N; i++) {
                Greenlet.spawn(NOOP).join();
            }
        }).join();
    }

    /** Two greenlets take turns with sleep(0), N switches each (the peer: two virtual threads yielding). */
    @Benchmark
    @OperationsPerInvocation(2 * N)
    public void sleep0PingPong() throws InterruptedException {
        if (hub == null) {
            Thread a = Thread.ofVirtual().start(WatchdogOverheadBench::yieldN);
            Thread b = Thread.ofVirtual().start(WatchdogOverheadBench::yieldN);
            a.join();
            b.join();
            return;
        }
        hub.spawn(() -> {
            Greenlet<Void> a = Greenlet.spawn(WatchdogOverheadBench::sleepN);
            Greenlet<Void> b = Greenlet.spawn(WatchdogOverheadBench::sleepN);
            a.join();
            b.join();
        }).join();
    }

    static void sleepN() {
        for (int i = 0; i < N; i++) {
            Gevent.sleep();
        }
    }

    static void yieldN() {
        for (int i = 0; i < N; i++) {
            Thread.yield();
        }
    }
}
