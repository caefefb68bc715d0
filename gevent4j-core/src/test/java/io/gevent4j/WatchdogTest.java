package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.testkit.Delays;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WatchdogTest {
    /** Short, so that tests are quick; the real default is 100 ms. */
    static final Duration THRESHOLD = Delays.SHORT;

    Hub hub;
    final Recorder recorder = new Recorder();

    /** Records what the watchdog reports about {@link #hub} (other tests' hubs are ignored). */
    final class Recorder implements BlockingListener {
        final List<BlockingReport> reports = Collections.synchronizedList(new ArrayList<>());
        final List<Duration> recoveries = Collections.synchronizedList(new ArrayList<>());
        volatile CountDownLatch nextReport = new CountDownLatch(1);
        volatile CountDownLatch nextRecovery = new CountDownLatch(1);

        @Override
        public void hubBlocked(BlockingReport report) {
            if (report.hub() == hub) {
                reports.add(report);
                nextReport.countDown();
            }
        }

        @Override
        public void hubRecovered(Hub h, Duration blockedFor) {
            if (h == hub) {
                recoveries.add(blockedFor);
                nextRecovery.countDown();
            }
        }

        BlockingReport awaitReport() throws InterruptedException {
            assertThat(nextReport.await(Delays.LONG.toMillis(), TimeUnit.MILLISECONDS))
                    .as("the watchdog reports the blocked hub").isTrue();
            nextReport = new CountDownLatch(1);
            return reports.getLast();
        }

        void awaitRecovery() throws InterruptedException {
            assertThat(nextRecovery.await(Delays.LONG.toMillis(), TimeUnit.MILLISECONDS))
                    .as("the watchdog sees the episode end").isTrue();
            nextRecovery = new CountDownLatch(1);
        }
    }

    static final AtomicLong SAMPLES = new AtomicLong();

    @BeforeEach
    void startWatchdog() {
        hub = Hub.startDaemon("watched");
        Watchdog.afterSample = SAMPLES::incrementAndGet;
        Watchdog.setListener(recorder);
        Watchdog.enable(THRESHOLD);
    }

    @AfterEach
    void stopWatchdog() {
        Watchdog.disable();
        Watchdog.afterSample = null;
        Watchdog.setListener(Watchdog.loggingListener());
        Watchdog.setThreshold(Watchdog.DEFAULT_THRESHOLD);
        assertThat(hub.close(Delays.LONG)).isTrue();
    }

    /** Waits until the watchdog has sampled every hub {@code n} more times (no sleeping). */
    static void awaitSamples(int n) {
        long target = SAMPLES.get() + n;
        long deadline = System.nanoTime() + Delays.LONG.toNanos();
        while (SAMPLES.get() < target) {
            assertThat(System.nanoTime() - deadline).as("the watchdog samples").isNegative();
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    static volatile boolean spin;

    static void spinUntilReleased() {
        while (spin) {
            Thread.onSpinWait();
        }
    }

    @Test
    void aBusyLoopIsReportedOncePerEpisodeWithItsNameAndStack() throws Exception {
        for (int episode = 1; episode <= 2; episode++) {
            spin = true;
            Greenlet<Void> g = hub.spawn(WatchdogTest::spinUntilReleased).name("spinner-" + episode);
            BlockingReport r = recorder.awaitReport();
            assertThat(r.greenlet()).contains(g);
            assertThat(r.greenletName()).isEqualTo("spinner-" + episode);
            assertThat(r.blockedFor()).isGreaterThanOrEqualTo(THRESHOLD);
            assertThat(r.stack()).anyMatch(f -> f.getMethodName().equals("spinUntilReleased"));
            assertThat(r.format()).contains("spinner-" + episode, "spinUntilReleased");
            awaitSamples(8); // two thresholds more of the same episode: no second report
            assertThat(recorder.reports).hasSize(episode);
            spin = false;
            assertThat(g.join(Delays.LONG)).isTrue();
            recorder.awaitRecovery();
            assertThat(recorder.recoveries).hasSize(episode);
            assertThat(recorder.recoveries.getLast()).isGreaterThanOrEqualTo(THRESHOLD);
        }
        assertThat(hub.stats().longestSlice()).isGreaterThanOrEqualTo(THRESHOLD);
    }

    /** Holds the latch outside the class being initialised, so the test can touch it freely. */
    static final class InitGate {
        static final CountDownLatch RELEASE = new CountDownLatch(1);
    }

    /** A class whose initialiser waits: a virtual thread that initialises it pins its carrier. */
    static final class SlowToInitialise {
        static final int VALUE;

        static {
            try {
                InitGate.RELEASE.await();
            } catch (InterruptedException e) {
                throw new ExceptionInInitializerError(e);
            }
            VALUE = 42;
        }
    }

    @Test
    void aGreenletParkedInAClassInitialiserIsReported() throws Exception {
        Greenlet<Integer> g = hub.spawn(() -> SlowToInitialise.VALUE).name("initialiser");
        BlockingReport r = recorder.awaitReport();
        assertThat(r.greenletName()).isEqualTo("initialiser");
        assertThat(r.stack()).anyMatch(f -> f.getMethodName().equals("<clinit>")
                && f.getClassName().endsWith("SlowToInitialise"));
        awaitSamples(8);
        assertThat(recorder.reports).hasSize(1);
        InitGate.RELEASE.countDown();
        assertThat(g.result(Delays.LONG)).isEqualTo(42);
        recorder.awaitRecovery();
        assertThat(recorder.reports).hasSize(1);
    }

    static int readFromFifo(Path fifo) throws IOException {
        try (FileInputStream in = new FileInputStream(fifo.toFile())) {
            return in.read();
        }
    }

    @Test
    void aGreenletBlockedInAFileReadIsReported(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("fifo");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertThat(mk.waitFor(Delays.LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(mk.exitValue()).isZero();
        // Opened read-write first, the FIFO has a writer, so the reader's open() returns and its
        // read() blocks in native code, pinning the hub's thread.
        try (RandomAccessFile writer = new RandomAccessFile(fifo.toFile(), "rw")) {
            Greenlet<Integer> g = hub.spawn(() -> readFromFifo(fifo)).name("file-reader");
            BlockingReport r = recorder.awaitReport();
            assertThat(r.greenletName()).isEqualTo("file-reader");
            assertThat(r.stack()).anyMatch(f -> f.getMethodName().equals("readFromFifo"));
            assertThat(r.stack()).anyMatch(f -> f.getClassName().equals("java.io.FileInputStream"));
            awaitSamples(8);
            assertThat(recorder.reports).hasSize(1);
            writer.write(7);
            assertThat(g.result(Delays.LONG)).isEqualTo(7);
        }
        recorder.awaitRecovery();
        assertThat(recorder.reports).hasSize(1);
    }

    @Test
    void aBlockingCallbackIsReportedWithTheLoopThread() throws Exception {
        spin = true;
        hub.callSoon(WatchdogTest::spinUntilReleased);
        BlockingReport r = recorder.awaitReport();
        assertThat(r.greenlet()).isEmpty();
        assertThat(r.threadName()).isEqualTo("gevent4j-hub-watched");
        assertThat(r.stack()).anyMatch(f -> f.getMethodName().equals("spinUntilReleased"));
        spin = false;
        recorder.awaitRecovery();
        assertThat(recorder.reports).hasSize(1);
    }

    @Test
    void aHealthyHubUnderLoadIsNeverReported() {
        // A generous threshold: only a real stall (or the OS descheduling the hub's thread for
        // that long on an overloaded machine) can trip it.
        Watchdog.setThreshold(Delays.MEDIUM);
        long until = System.nanoTime() + Delays.MEDIUM.multipliedBy(3).toNanos();
        List<Greenlet<Integer>> workers = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            workers.add(hub.spawn(() -> {
                int switches = 0;
                while (System.nanoTime() - until < 0 && switches < 1_000_000) {
                    Gevent.sleep();
                    if (++switches % 100 == 0) {
                        Gevent.sleep(Duration.ofMillis(1));
                    }
                }
                return switches;
            }));
        }
        long samplesBefore = SAMPLES.get();
        assertThat(Gevent.joinAll(workers, Delays.LONG)).hasSize(200);
        assertThat(SAMPLES.get() - samplesBefore).as("the watchdog sampled meanwhile").isGreaterThanOrEqualTo(4);
        assertThat(workers).allMatch(w -> w.value() > 0);
        assertThat(recorder.reports).isEmpty();
        assertThat(hub.stats().slices()).isGreaterThan(200);
    }

    @Test
    void disableStopsTheThreadAndEnableIsIdempotent() {
        Watchdog.enable();
        assertThat(Watchdog.isEnabled()).isTrue();
        assertThat(Watchdog.threshold()).isEqualTo(THRESHOLD);
        Watchdog.disable();
        assertThat(Watchdog.isEnabled()).isFalse();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("gevent4j-watchdog"));
    }

    @Test
    void propertiesAreParsed() {
        assertThat(Watchdog.parseDuration("100ms")).isEqualTo(Duration.ofMillis(100));
        assertThat(Watchdog.parseDuration("0.5s")).isEqualTo(Duration.ofMillis(500));
        assertThatThrownBy(() -> Watchdog.parseDuration("250")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'250' could be 250s or 250ms");
        assertThat(Watchdog.parseDuration("0")).isEqualTo(Duration.ZERO);
        assertThat(Watchdog.parseDuration("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Watchdog.parseDuration("PT0.1S")).isEqualTo(Duration.ofMillis(100));
        assertThat(Watchdog.parseDuration("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Watchdog.parseDuration("750us")).isEqualTo(Duration.ofNanos(750_000));
        assertThatThrownBy(() -> Watchdog.parseDuration("soon")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("soon");
        assertThat(Watchdog.parseBoolean("on")).isTrue();
        assertThat(Watchdog.parseBoolean("0")).isFalse();
        assertThat(Watchdog.parseBoolean(null)).isFalse();
        assertThatThrownBy(() -> Watchdog.parseBoolean("maybe")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Watchdog.setThreshold(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void onlyTheBlockedHubOfSeveralIsReported() throws Exception {
        List<BlockingReport> all = Collections.synchronizedList(new ArrayList<>());
        Watchdog.setListener(new BlockingListener() {
            @Override
            public void hubBlocked(BlockingReport report) {
                all.add(report);
                recorder.hubBlocked(report);
            }

            @Override
            public void hubRecovered(Hub h, Duration blockedFor) {
                recorder.hubRecovered(h, blockedFor);
            }
        });
        try (HubGroup group = HubGroup.start(2)) {
            Hub healthy = group.hubs().get(0);
            Greenlet<Void> ticker = healthy.spawn(() -> {
                while (true) {
                    Gevent.sleep(Duration.ofMillis(1));
                }
            });
            spin = true;
            Greenlet<Void> g = hub.greenlet(() -> {
                spinUntilReleased();
                return (Void) null;
            }).name("among-many").start();
            BlockingReport r = recorder.awaitReport();
            assertThat(r.greenletName()).isEqualTo("among-many");
            awaitSamples(8);
            spin = false;
            assertThat(g.join(Delays.LONG)).isTrue();
            recorder.awaitRecovery();
            ticker.kill();
            assertThat(all).noneMatch(x -> group.hubs().contains(x.hub()));
        } finally {
            spin = false;
        }
    }

    @Test
    void systemPropertiesSwitchItOnWithAThreshold() {
        Watchdog.disable();
        System.setProperty("gevent4j.watchdog", "yes");
        System.setProperty("gevent4j.watchdog.threshold", "75ms");
        System.setProperty("gevent4j.watchdog.longSlice", "5ms");
        try {
            Watchdog.configureFromProperties();
            assertThat(Watchdog.isEnabled()).isTrue();
            assertThat(Watchdog.threshold()).isEqualTo(Duration.ofMillis(75));
            assertThat(Watchdog.longSliceThreshold()).isEqualTo(Duration.ofMillis(5));
            assertThat(Watchdog.isMeasuringSlices()).isFalse();
        } finally {
            System.clearProperty("gevent4j.watchdog");
            System.clearProperty("gevent4j.watchdog.threshold");
            System.clearProperty("gevent4j.watchdog.longSlice");
            Watchdog.setLongSliceThreshold(Duration.ofMillis(10));
        }
    }
}
