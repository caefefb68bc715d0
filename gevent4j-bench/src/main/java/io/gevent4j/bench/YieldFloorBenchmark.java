package io.gevent4j.bench;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Context for {@link PingPongBenchmark}: two virtual threads yielding {@value PingPongBenchmark#ROUNDS}
 * times each, {@code yieldOneCarrier} on the default scheduler limited to one carrier (one core, as a
 * hub has), and {@code yieldBareScheduler} on a scheduler that is nothing but an {@code ArrayDeque}
 * drained in a loop: the JDK's own cost of a virtual-thread switch, the floor under any hub.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.lang=ALL-UNNAMED"})
public class YieldFloorBenchmark {

    /** The default scheduler with a single carrier: both virtual threads share one core, as greenlets do. */
    @Benchmark
    @OperationsPerInvocation(2 * PingPongBenchmark.ROUNDS)
    @Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.lang=ALL-UNNAMED",
            "-Djdk.virtualThreadScheduler.parallelism=1"})
    public void yieldOneCarrier() throws Exception {
        Thread a = Thread.ofVirtual().start(PingPongBenchmark::yieldLoop);
        Thread b = Thread.ofVirtual().start(PingPongBenchmark::yieldLoop);
        a.join();
        b.join();
    }

    /** The floor: a scheduler that is only an ArrayDeque, drained by the benchmark thread. */
    @Benchmark
    @OperationsPerInvocation(2 * PingPongBenchmark.ROUNDS)
    public void yieldBareScheduler() throws Exception {
        ArrayDeque<Runnable> queue = new ArrayDeque<>();
        Thread.Builder.OfVirtual builder = bareBuilder(queue::add);
        builder.start(PingPongBenchmark::yieldLoop);
        builder.start(PingPongBenchmark::yieldLoop);
        Runnable task;
        while ((task = queue.poll()) != null) {
            task.run();
        }
    }

    /** A virtual-thread builder whose scheduler is {@code scheduler} (the JDK's package-private constructor). */
    static Thread.Builder.OfVirtual bareBuilder(Executor scheduler) throws Exception {
        var ctor = Class.forName("java.lang.ThreadBuilders$VirtualThreadBuilder")
                .getDeclaredConstructor(Executor.class);
        ctor.setAccessible(true);
        return (Thread.Builder.OfVirtual) ctor.newInstance(scheduler);
    }

}
