package io.gevent4j.bench;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;

/**
 * Measurements that are not throughput: heap per parked greenlet (vs a parked default virtual
 * thread) and the timer storm. Run:
 * {@code java --add-opens java.base/java.lang=ALL-UNNAMED -Xmx8g -cp gevent4j-bench/target/benchmarks.jar io.gevent4j.bench.CoreMeasurements}
 */
public final class CoreMeasurements {
    private CoreMeasurements() {}

    public static void main(String[] args) throws Exception {
        int parked = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int storm = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        System.out.printf("JDK %s, %d cores%n", Runtime.version(), Runtime.getRuntime().availableProcessors());
        memoryPerParkedGreenlet(parked);
        memoryPerParkedVirtualThread(parked, false);
        memoryPerParkedVirtualThread(parked, true);
        // The first storms are warm-up: 100,000 frames frozen in code that C2 compiled before any
        // greenlet ever woke each hit an uncommon trap ("unstable_if") on resume, one
        // deoptimisation per greenlet, until the method is recompiled with a complete profile.
        for (int run = 1; run <= 5; run++) {
            timerStorm(storm, run);
        }
    }

    static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static void memoryPerParkedGreenlet(int n) throws Exception {
        try (Hub hub = Hub.start("memory")) {
            long before = usedHeapAfterGc();
            List<Greenlet<Void>> all = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                all.add(hub.spawn(() -> Gevent.sleep(Duration.ofHours(1))));
            }
            // Wait until every one of them is parked in its sleep.
            while (hub.spawn(() -> hub.stats()).result().timers() < n) {
                Thread.sleep(50);
            }
            long after = usedHeapAfterGc();
            long listBytes = 16L + 4L * n; // the ArrayList holding them, not part of a greenlet
            System.out.printf("heap per parked greenlet (Gevent.sleep): %d bytes (%d greenlets)%n",
                    (after - before - listBytes) / n, n);
            Gevent.killAll(all, Duration.ofMinutes(1));
        }
    }

    static void memoryPerParkedVirtualThread(int n, boolean sleeping) throws Exception {
        long before = usedHeapAfterGc();
        List<Thread> all = new ArrayList<>(n);
        CountDownLatch parked = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            all.add(Thread.ofVirtual().start(() -> {
                parked.countDown();
                if (sleeping) {
                    try {
                        Thread.sleep(Duration.ofHours(1));
                    } catch (InterruptedException e) {
                        return;
                    }
                } else {
                    LockSupport.park();
                }
            }));
        }
        parked.await();
        Thread.sleep(500); // the last ones reach their park
        long after = usedHeapAfterGc();
        long listBytes = 16L + 4L * n;
        System.out.printf("heap per parked default virtual thread (%s): %d bytes (%d threads)%n",
                sleeping ? "Thread.sleep" : "LockSupport.park", (after - before - listBytes) / n, n);
        for (Thread t : all) {
            if (sleeping) {
                t.interrupt();
            } else {
                LockSupport.unpark(t);
            }
        }
        for (Thread t : all) {
            t.join();
        }
    }

    /**
     * n greenlets each sleep a random 0-100 ms from the moment they run. Records, in wake order,
     * each one's deadline and wake time: are wake-ups in deadline order, how late is the latest,
     * and how long did the whole storm take from the first spawn to the last wake-up.
     */
    static void timerStorm(int n, int run) throws Exception {
        SplittableRandom random = new SplittableRandom(run);
        long[] sleeps = new long[n];
        for (int i = 0; i < n; i++) {
            sleeps[i] = random.nextLong(100_000_000L + 1);
        }
        try (Hub hub = Hub.start("storm")) {
            long[] deadlineInWakeOrder = new long[n];
            long[] lateness = new long[n];
            int[] woken = new int[1];
            long[] elapsed = new long[1];
            hub.spawn(() -> {
                long start = System.nanoTime();
                List<Greenlet<Void>> all = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    long d = sleeps[i];
                    all.add(Gevent.spawn(() -> {
                        long deadline = System.nanoTime() + d;
                        Gevent.sleep(Duration.ofNanos(d));
                        long now = System.nanoTime();
                        int k = woken[0]++;
                        deadlineInWakeOrder[k] = deadline;
                        lateness[k] = now - deadline;
                    }));
                }
                Gevent.joinAll(all);
                elapsed[0] = System.nanoTime() - start;
            }).result();
            // A greenlet reads the clock for its recorded deadline a moment before the hub reads it
            // to arm the timer; neighbouring deadlines are ~1 µs apart, so jitter between those two
            // reads swaps neighbours. Count exact inversions, and those by more than 0.1 ms.
            int inversions = 0;
            int realInversions = 0;
            long latestSoFar = Long.MIN_VALUE;
            for (int i = 1; i < n; i++) {
                if (deadlineInWakeOrder[i] < deadlineInWakeOrder[i - 1]) {
                    inversions++;
                }
                latestSoFar = Math.max(latestSoFar, deadlineInWakeOrder[i - 1]);
                if (deadlineInWakeOrder[i] < latestSoFar - 100_000) {
                    realInversions++;
                }
            }
            java.util.Arrays.sort(lateness);
            System.out.printf((run <= 2 ? "(warm-up) " : "") + "timer storm run %d: %d greenlets sleeping 0-100 ms: storm ended %.1f ms after the first spawn;"
                            + " wake-ups out of deadline order: %d (by more than 0.1 ms: %d); lateness p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                    run, n, elapsed[0] / 1e6, inversions, realInversions, lateness[n / 2] / 1e6, lateness[n * 99 / 100] / 1e6, lateness[n - 1] / 1e6);
        }
    }
}
