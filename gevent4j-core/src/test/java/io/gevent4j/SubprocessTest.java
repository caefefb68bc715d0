package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gevent4j.testkit.Delays;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SubprocessTest {

    @Test
    void communicateWritesInputAndCollectsOutputAndExitCode() {
        try (Subprocess p = Subprocess.start("sh", "-c", "cat; echo oops >&2; exit 3")) {
            Subprocess.Output out = p.communicate("hello\n".getBytes(), Delays.LONG);
            assertThat(out.stdoutText()).isEqualTo("hello\n");
            assertThat(out.stderrText()).isEqualTo("oops\n");
            assertThat(out.exitCode()).isEqualTo(3);
            assertThat(p.exitCode()).hasValue(3);
        }
    }

    @Test
    void theHubKeepsRunningWhileAGreenletWaitsForAProcess() {
        try (Hub hub = Hub.start("sp"); Subprocess cat = Subprocess.start("cat")) {
            Greenlet<Integer> waiter = hub.spawn(() -> cat.await());
            // Another greenlet of the same hub ends the process: it can only run if the waiter parked.
            Greenlet<Void> closer = hub.spawn(() -> ThreadPool.current().apply(() -> {
                cat.process().getOutputStream().close();
                return null;
            }));
            assertThat(waiter.result(Delays.LONG)).isZero();
            closer.result(Delays.LONG);
        }
    }

    @Test
    void timeoutRaisesAClearExceptionAndLeavesTheProcessKillable() {
        try (Subprocess cat = Subprocess.start("sleep", "600")) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> cat.await(Delays.SHORT))
                    .isInstanceOf(Subprocess.TimeoutExpiredException.class)
                    .hasMessageContaining("sleep 600").hasMessageContaining("still running");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Delays.SHORT);
            assertThatThrownBy(() -> cat.communicate(new byte[0], Delays.SHORT))
                    .isInstanceOf(Subprocess.TimeoutExpiredException.class);
            assertThat(cat.isAlive()).isTrue();
            cat.kill();
            assertThat(cat.await(Delays.LONG)).isNotZero();
            assertThat(cat.isAlive()).isFalse();
        }
    }

    @Test
    void communicateAfterATimeoutGoesOnWhereItStopped() {
        try (Subprocess p = Subprocess.start("sh", "-c", "echo early; exec sleep 600")) {
            assertThatThrownBy(() -> p.communicate("ignored".getBytes(), Delays.SHORT))
                    .isInstanceOf(Subprocess.TimeoutExpiredException.class);
            p.kill();
            Subprocess.Output out = p.communicate(new byte[0], Delays.LONG);
            assertThat(out.stdoutText()).isEqualTo("early\n");
            assertThat(out.exitCode()).isNotZero();
        }
    }

    @Test
    void noZombieIsLeftOnceItExited() {
        assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs /proc");
        Subprocess p = Subprocess.start("true");
        long pid = p.pid();
        assertThat(p.await(Delays.LONG)).isZero();
        assertThat(Files.exists(Path.of("/proc/" + pid))).as("reaped").isFalse();
        p.close();
    }

    @Test
    void closeKillsARunningProcessAndReapsIt() {
        Subprocess p = Subprocess.start("cat");
        p.close();
        assertThat(p.isAlive()).isFalse();
        assertThat(p.ready()).isTrue();
    }

    @Test
    void processesAreWaitablesForTheTopLevelAwait() {
        try (Subprocess quick = Subprocess.start("true"); Subprocess slow = Subprocess.start("cat")) {
            assertThat(Gevent.await(List.of(quick, slow), Delays.LONG, 1)).containsExactly(quick);
        }
    }

    @Test
    void aMissingProgramFailsClearly() {
        assertThatThrownBy(() -> Subprocess.start("/nonexistent/program-of-gevent4j"))
                .isInstanceOf(UncheckedIOException.class).hasMessageContaining("cannot start")
                .hasCauseInstanceOf(IOException.class);
    }
}
