package io.gevent4j.bench;

import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.Queue;
import java.util.concurrent.ArrayBlockingQueue;
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
 * One round trip of an item between two greenlets through two gevent4j {@link Queue}s of
 * capacity 1, against the same between two default virtual threads through two
 * {@link ArrayBlockingQueue}s of capacity 1. Score: time per round trip.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/java.lang=ALL-UNNAMED")
public class QueuePingPongBench {
    static final int ROUNDS = 10_000;

    Hub hub;

    @Setup(Level.Trial)
    public void setUp() {
        hub = Hub.startDaemon("bench-queue");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        hub.close();
    }

    @Benchmark
    @OperationsPerInvocation(ROUNDS)
    public int gevent4jQueue() {
        Queue<Integer> ping = new Queue<>(1);
        Queue<Integer> pong = new Queue<>(1);
        Greenlet<Void> echo = hub.spawn(() -> {
            for (int i = 0; i < ROUNDS; i++) {
                pong.put(ping.get());
            }
        });
        Greenlet<Integer> driver = hub.spawn(() -> {
            int sum = 0;
            for (int i = 0; i < ROUNDS; i++) {
                ping.put(i);
                sum += pong.get();
            }
            return sum;
        });
        echo.join();
        return driver.result();
    }

    @Benchmark
    @OperationsPerInvocation(ROUNDS)
    public int jdkArrayBlockingQueueVirtualThreads() throws Exception {
        ArrayBlockingQueue<Integer> ping = new ArrayBlockingQueue<>(1);
        ArrayBlockingQueue<Integer> pong = new ArrayBlockingQueue<>(1);
        Thread echo = Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; i < ROUNDS; i++) {
                    pong.put(ping.take());
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        int[] sum = new int[1];
        Thread driver = Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; i < ROUNDS; i++) {
                    ping.put(i);
                    sum[0] += pong.take();
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        echo.join();
        driver.join();
        return sum[0];
    }
}
