package io.gevent4j.bench;

import io.gevent4j.Semaphore;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Uncontended acquire + release, on the benchmark thread, of a gevent4j {@link Semaphore} against
 * a fair and a non-fair {@link java.util.concurrent.Semaphore}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/java.lang=ALL-UNNAMED")
public class SemaphoreBench {
    final Semaphore gevent = new Semaphore(1);
    final java.util.concurrent.Semaphore jdkFair = new java.util.concurrent.Semaphore(1, true);
    final java.util.concurrent.Semaphore jdk = new java.util.concurrent.Semaphore(1);

    @Benchmark
    public int gevent4jAcquireRelease() {
        gevent.acquire();
        return gevent.release();
    }

    @Benchmark
    public int jdkFairAcquireRelease() throws InterruptedException {
        jdkFair.acquire();
        jdkFair.release();
        return 1;
    }

    @Benchmark
    public int jdkNonFairAcquireRelease() throws InterruptedException {
        jdk.acquire();
        jdk.release();
        return 1;
    }
}
