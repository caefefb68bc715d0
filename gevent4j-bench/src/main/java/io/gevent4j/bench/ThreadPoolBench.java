package io.gevent4j.bench;

import io.gevent4j.Hub;
import io.gevent4j.ThreadPool;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A round trip to a platform thread and back: a greenlet that {@code apply}s a trivial task on
 * its hub's {@link ThreadPool}, against a default virtual thread that does
 * {@code CompletableFuture.supplyAsync(task).join()} (the common pool). Score: time per round trip.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/java.lang=ALL-UNNAMED")
public class ThreadPoolBench {
    static final int ROUNDS = 1_000;

    Hub hub;

    @Setup(Level.Trial)
    public void setUp() {
        hub = Hub.startDaemon("bench-threadpool");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        hub.close();
    }

    @Benchmark
    @OperationsPerInvocation(ROUNDS)
    public int gevent4jThreadPoolFromGreenlet() {
        return hub.spawn(() -> {
            ThreadPool pool = ThreadPool.current();
            int sum = 0;
            for (int i = 0; i < ROUNDS; i++) {
                int n = i;
                sum += pool.apply(() -> n);
            }
            return sum;
        }).result();
    }

    @Benchmark
    @OperationsPerInvocation(ROUNDS)
    public int jdkSupplyAsyncFromVirtualThread() throws InterruptedException {
        int[] sum = new int[1];
        Thread t = Thread.ofVirtual().start(() -> {
            for (int i = 0; i < ROUNDS; i++) {
                int n = i;
                sum[0] += CompletableFuture.supplyAsync(() -> n).join();
            }
        });
        t.join();
        return sum[0];
    }
}
