package io.gevent4j.bench;

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
 * Spawn + join throughput: one parent spawns {@value #BATCH} children that return at once, then
 * joins each. {@code greenlet}: the parent and children are greenlets of one hub.
 * {@code virtualThread}: the same on the JDK's default virtual-thread scheduler.
 * {@code bareScheduler}: the same virtual threads on a scheduler that is nothing but an
 * {@code ArrayDeque} drained by the benchmark thread: what the JDK itself charges for creating,
 * starting, running, ending and joining a virtual thread on one thread, the floor under any hub.
 * Score: time per spawn+join (lower is better).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.lang=ALL-UNNAMED", "-Xmx4g"})
public class SpawnJoinBenchmark {
    static final int BATCH = 1000;

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
    @OperationsPerInvocation(BATCH)
    public int spawnJoin() throws Exception {
        if (hub != null) {
            return hub.spawn(SpawnJoinBenchmark::greenletBatch).result();
        }
        int[] out = new int[1];
        if (on.equals("bareScheduler")) {
            ArrayDeque<Runnable> queue = new ArrayDeque<>();
            Thread.Builder.OfVirtual builder = YieldFloorBenchmark.bareBuilder(queue::add);
            Thread parent = builder.start(() -> out[0] = threadBatch(builder));
            Runnable task;
            while ((task = queue.poll()) != null) {
                task.run();
            }
            if (parent.isAlive()) {
                throw new IllegalStateException("the bare scheduler ran dry before the batch ended");
            }
            return out[0];
        }
        Thread parent = Thread.ofVirtual().start(() -> out[0] = threadBatch(Thread.ofVirtual()));
        parent.join();
        return out[0];
    }

    private static int greenletBatch() {
        @SuppressWarnings("unchecked")
        Greenlet<Integer>[] children = new Greenlet[BATCH];
        for (int i = 0; i < BATCH; i++) {
            int v = i;
            children[i] = Greenlet.spawn(() -> v);
        }
        int sum = 0;
        for (Greenlet<Integer> g : children) {
            sum += g.result();
        }
        return sum;
    }

    private static int threadBatch(Thread.Builder.OfVirtual builder) {
        Thread[] children = new Thread[BATCH];
        int[] values = new int[BATCH];
        for (int i = 0; i < BATCH; i++) {
            int v = i;
            children[i] = builder.start(() -> values[v] = v);
        }
        int sum = 0;
        try {
            for (int i = 0; i < BATCH; i++) {
                children[i].join();
                sum += values[i];
            }
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
        return sum;
    }
}
