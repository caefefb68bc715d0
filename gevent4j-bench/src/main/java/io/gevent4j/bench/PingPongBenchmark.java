package io.gevent4j.bench;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Yield ping-pong: two workers each yield {@value #ROUNDS} times. {@code greenlet}: two greenlets
 * of one hub alternating with {@code Gevent.sleep()}. {@code virtualThread}: two default virtual
 * threads calling {@code Thread.yield()} (on the default scheduler, with as many carriers as
 * cores, so the two run in parallel). {@code bareScheduler}: the same two virtual threads on a
 * scheduler that is only an {@code ArrayDeque} drained by the benchmark thread, the JDK's own
 * cost of a virtual-thread switch and so the floor under any hub (as
 * {@link YieldFloorBenchmark#yieldBareScheduler}, here in the same run as its peers). {@link YieldFloorBenchmark} adds context: the same on one
 * carrier, and the JDK's own floor for a virtual-thread switch. Score: time per yield (lower is
 * better).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.lang=ALL-UNNAMED"})
public class PingPongBenchmark {
    static final int ROUNDS = 10_000;

    @Param({"greenlet", "virtualThread", "bareScheduler"})
    public String on;

    private Hub hub;

    @Setup(Level.Trial)
    public void setUp() {
        if (on.equals("greenlet")) {
            hub = Hub.start("bench");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (hub != null) {
            hub.close();
        }
    }

    @Benchmark
    @OperationsPerInvocation(2 * ROUNDS)
    public void yieldPingPong() throws Exception {
        if (hub != null) {
            hub.spawn(() -> {
                Greenlet<Void> a = Gevent.spawn(PingPongBenchmark::sleepZeroLoop);
                Greenlet<Void> b = Gevent.spawn(PingPongBenchmark::sleepZeroLoop);
                a.join();
                b.join();
            }).result();
            return;
        }
        if (on.equals("bareScheduler")) {
            ArrayDeque<Runnable> queue = new ArrayDeque<>();
            Thread.Builder.OfVirtual builder = YieldFloorBenchmark.bareBuilder(queue::add);
            builder.start(PingPongBenchmark::yieldLoop);
            builder.start(PingPongBenchmark::yieldLoop);
            Runnable task;
            while ((task = queue.poll()) != null) {
                task.run();
            }
            return;
        }
        Thread a = Thread.ofVirtual().start(PingPongBenchmark::yieldLoop);
        Thread b = Thread.ofVirtual().start(PingPongBenchmark::yieldLoop);
        a.join();
        b.join();
    }

    private static void sleepZeroLoop() {
        for (int i = 0; i < ROUNDS; i++) {
            Gevent.sleep();
        }
    }

    static void yieldLoop() {
        for (int i = 0; i < ROUNDS; i++) {
            Thread.yield();
        }
    }
}
