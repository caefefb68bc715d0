package io.gevent4j.bench;

import io.gevent4j.Hub;
import io.gevent4j.Pool;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Spawn 100,000 trivial tasks through a {@link Pool} of size 100 and join them, from a greenlet;
 * against the JDK way of bounding the same: a virtual-thread-per-task executor gated by a
 * {@link java.util.concurrent.Semaphore} of 100 permits, from the benchmark thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/java.lang=ALL-UNNAMED")
public class PoolBench {
    static final int TASKS = 100_000;
    static final int SIZE = 100;

    Hub hub;

    @Setup(Level.Trial)
    public void setUp() {
        hub = Hub.startDaemon("bench-pool");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        hub.close();
    }

    @Benchmark
    public long gevent4jPoolSpawnJoin() {
        return hub.spawn(() -> {
            LongAdder done = new LongAdder();
            Pool pool = new Pool(SIZE);
            for (int i = 0; i < TASKS; i++) {
                pool.spawn(done::increment);
            }
            pool.join();
            return done.sum();
        }).result();
    }

    @Benchmark
    public long jdkVirtualThreadsWithSemaphore() throws InterruptedException {
        LongAdder done = new LongAdder();
        java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(SIZE);
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < TASKS; i++) {
                slots.acquire();
                executor.execute(() -> {
                    done.increment();
                    slots.release();
                });
            }
        }
        return done.sum();
    }
}
