package io.gevent4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Watchdog;
import io.gevent4j.cli.CountingHttpServer.Answer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The command's polish (issue #17): one duration syntax, failures by cause with a sample, a
 * warning when nothing completed, errors that name the bad value and the fix, the watchdog on
 * by default in {@code serve}.
 */
class CommandErrorsTest {

    @AfterEach
    void watchdogOff() {
        Watchdog.disable();
    }

    @Test
    void aBareNumberIsRefusedWithTheFixAndEveryUnitWorks() {
        CliRun bare = CliRun.of("bench", "-d", "5", "http://127.0.0.1:1/");
        assertThat(bare.exitCode()).isEqualTo(2);
        assertThat(bare.err().strip()).contains("'5'", "5s or 5ms").doesNotContain("\n");
        assertThat(bare.out()).isEmpty();
        for (String option : new String[] {"-s", "--warmup", "--progress-every"}) {
            CliRun r = CliRun.of("bench", option, "30", "http://127.0.0.1:1/");
            assertThat(r.err()).as(option).contains("'30'", "30s or 30ms");
        }
        CliRun garbage = CliRun.of("example", "--timeout", "soon");
        assertThat(garbage.exitCode()).isEqualTo(2);
        assertThat(garbage.err()).contains("--timeout", "'soon'", "500ms, 2s, 1m", "PT2S");

        DiagnosticsOptions.DurationConverter c = new DiagnosticsOptions.DurationConverter();
        assertThat(c.convert("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(c.convert("2s")).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.convert("1m")).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.convert("PT2S")).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.convert("0.25s")).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void exampleTakesTheSameDurationSyntax() {
        for (String t : new String[] {"2s", "PT2S", "1500ms"}) {
            CliRun run = CliRun.of("example", "-n", "2", "--timeout", t);
            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.out()).startsWith("[0, 1]");
        }
    }

    @Test
    void aClosedPortIsReportedAsRefusedWithASampleAndAWarning() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        CliRun run = CliRun.of("bench", "-q", "-n", "3", "http://127.0.0.1:" + port + "/");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).containsPattern("\n  refused +3   e\\.g\\. connect to .*" + port + ".*refused");
        assertThat(run.err()).contains("warning: no request completed (3 failed");
    }

    @Test
    void resetsTimeOutsAndBadResponsesAreTold() throws Exception {
        try (CountingHttpServer server = new CountingHttpServer(i -> switch (i) {
            case 0 -> Answer.RESET;
            case 1 -> Answer.SILENT;
            case 2 -> Answer.GARBAGE;
            case 3 -> Answer.NOT_FOUND;
            default -> Answer.OK;
        })) {
            CliRun run = CliRun.of("bench", "-q", "-n", "5", "-c", "1", "-s",
                    CliRun.arg(io.gevent4j.testkit.Delays.MEDIUM), server.url());
            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.out())
                    .containsPattern("\n  reset +1   e\\.g\\. .*(reset|Broken pipe|closed)")
                    .containsPattern("\n  time-out +1   e\\.g\\. .*timed out")
                    .containsPattern("\n  bad response +1   e\\.g\\. bad status line: 'SMTP ready'")
                    .contains("Non-2xx responses:   1 (e.g. status 404)");
            assertThat(run.err()).doesNotContain("warning");
        }
    }

    @Test
    void serveNamesABadHostAndThePortFixAndRunsTheWatchdogByDefault() throws Exception {
        // 192.0.2.1 (TEST-NET-1) is a literal: no resolver is asked, and no machine has it
        CliRun bad = CliRun.of("serve", "echo", "--host", "192.0.2.1", "--port", "0");
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.err().strip()).startsWith("gevent4j serve: cannot listen on 192.0.2.1:0: ")
                .contains("--host").doesNotContain("null").doesNotContain("\n");
        assertThat(Watchdog.isEnabled()).as("serve turns the watchdog on").isTrue();

        Watchdog.disable();
        CliRun off = CliRun.of("serve", "echo", "--no-watchdog", "--host", "192.0.2.1", "--port", "0");
        assertThat(off.exitCode()).isEqualTo(1);
        assertThat(Watchdog.isEnabled()).isFalse();

        CliRun signal = CliRun.of("--run-info-signal", "NOPE", "example", "-n", "0");
        assertThat(signal.err()).contains("'NOPE'", "USR2", "none");
    }

    @Test
    void describeNeverSaysNull() {
        assertThat(Main.describe(new java.nio.channels.UnresolvedAddressException())).isEqualTo("unresolved address");
        assertThat(Main.describe(new java.io.IOException("outer", new java.io.IOException("inner"))))
                .isEqualTo("outer: inner");
    }
}
