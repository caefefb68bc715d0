package io.gevent4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Watchdog;
import io.gevent4j.testkit.Delays;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command's logging: dnsjava's SLF4J calls have a provider, and the library's loggers stay the user's. */
class LoggingTest {

    @Test
    void dnsjavaLogsWithoutTheNoProviderWarning(@TempDir Path dir) throws Exception {
        int port;
        try (DatagramSocket closed = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort(); // nothing answers there once closed: the look-up times out
        }
        Process p = ServeCommandTest.start(dir.resolve("err"), "resolve", "--timeout", "300ms", "--nameserver",
                "127.0.0.1:" + port, "one.test");
        try {
            assertThat(p.waitFor(Delays.scaled(60_000).toMillis(), TimeUnit.MILLISECONDS)).as("the child JVM ended").isTrue();
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(out).contains("one.test: ");
            assertThat(Files.readString(dir.resolve("err"))).doesNotContain("SLF4J");
        } finally {
            p.destroyForcibly().waitFor(); // a child that hung is not left running after the test
        }
    }

    @Test
    void serveLeavesTheAccessLoggerAlone() {
        Logger access = Logger.getLogger("io.gevent4j.http.access");
        Handler mine = new Handler() {
            @Override
            public void publish(LogRecord r) { }

            @Override
            public void flush() { }

            @Override
            public void close() { }
        };
        access.addHandler(mine);
        try {
            // 192.0.2.1 is no address of this machine: the server is built, then its bind fails
            CliRun run = CliRun.of("serve", "hello", "--access-log", "--no-watchdog", "--host", "192.0.2.1",
                    "--port", "0");
            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(access.getHandlers()).contains(mine);
            assertThat(access.getUseParentHandlers()).isTrue();
        } finally {
            access.removeHandler(mine);
            Watchdog.disable();
        }
    }
}
