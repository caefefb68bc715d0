package io.gevent4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.Watchdog;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DiagnosticsOptionsTest {

    /** A stream that says when a complete dump has been printed. */
    static final class Capture extends PrintStream {
        final ByteArrayOutputStream bytes;
        final java.util.concurrent.CountDownLatch printed = new java.util.concurrent.CountDownLatch(1);

        Capture(ByteArrayOutputStream bytes) {
            super(bytes, true, StandardCharsets.UTF_8);
            this.bytes = bytes;
        }

        @Override
        public void flush() {
            super.flush();
            printed.countDown();
        }

        String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void aSignalPrintsEveryHubAndItsGreenlets() throws Exception {
        Hub hub = Hub.startDaemon("cli-signal");
        try {
            Greenlet<Void> sleeper = hub.greenlet(() -> {
                Gevent.sleep(Duration.ofHours(1));
                return (Void) null;
            }).name("signal-sleeper").start();
            Capture out = new Capture(new ByteArrayOutputStream());
            DiagnosticsOptions options = new DiagnosticsOptions();
            new CommandLine(options).parseArgs("--run-info-signal=SIGUSR2", "--run-info-format=json");
            assertThat(options.apply(out)).contains("USR2");
            Process kill = new ProcessBuilder("kill", "-USR2", Long.toString(ProcessHandle.current().pid()))
                    .inheritIO().start();
            assertThat(kill.waitFor(5, TimeUnit.SECONDS)).isTrue();
            assertThat(out.printed.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(out.text()).startsWith("{\"capturedAt\":").contains("\"cli-signal\"", "\"signal-sleeper\"");
            sleeper.kill();
        } finally {
            assertThat(hub.close(Duration.ofSeconds(5))).isTrue();
        }
    }

    @Test
    void watchdogOptionEnablesTheWatchdogWithItsThreshold() {
        DiagnosticsOptions options = new DiagnosticsOptions();
        new CommandLine(options).parseArgs("--watchdog=50ms", "--run-info-signal=none");
        try {
            assertThat(options.apply(System.err)).isEmpty();
            assertThat(Watchdog.isEnabled()).isTrue();
            assertThat(Watchdog.threshold()).isEqualTo(Duration.ofMillis(50));
        } finally {
            Watchdog.disable();
            Watchdog.setThreshold(Watchdog.DEFAULT_THRESHOLD);
        }
        DiagnosticsOptions bare = new DiagnosticsOptions();
        new CommandLine(bare).parseArgs("--watchdog");
        assertThat(bare.watchdog).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void theCommandAcceptsTheOptionsBeforeASubcommand() {
        try {
            assertThat(Main.run("--watchdog=200ms", "--run-info-signal=none", "example", "-n", "1")).isZero();
            assertThat(Watchdog.threshold()).isEqualTo(Duration.ofMillis(200));
        } finally {
            Watchdog.disable();
            Watchdog.setThreshold(Watchdog.DEFAULT_THRESHOLD);
        }
    }
}
