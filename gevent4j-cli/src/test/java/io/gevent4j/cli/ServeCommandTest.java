package io.gevent4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.testkit.Delays;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code serve} runs as a user runs it: in its own JVM, stopped by SIGTERM. */
class ServeCommandTest {
    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+) .*");

    /** The command in a child JVM on this test's class path; stderr goes to a file. */
    static Process start(Path errFile, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(errFile.toFile()).start();
    }

    /** Process.destroy() would also close our end of its pipes; kill(1) only signals. */
    static void sigterm(Process p) throws Exception {
        Process kill = new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).inheritIO().start();
        assertThat(kill.waitFor(Delays.VERY_LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
    }

    @Test
    void echoPrintsItsAddressFirstServesAndStopsGracefullyOnSigterm(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        Process p = start(dir.resolve("err"), "serve", "echo", "--port", "0", "--access-log");
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String first = out.readLine();
            Matcher m = LISTENING.matcher(String.valueOf(first));
            assertThat(m.matches()).as("first line: %s", first).isTrue();
            int port = Integer.parseInt(m.group(1));
            for (int i = 0; i < 3; i++) {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    s.getOutputStream().write(("ping " + i).getBytes(StandardCharsets.US_ASCII));
                    s.shutdownOutput();
                    assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                            .isEqualTo("ping " + i);
                }
                // one access-log line per connection
                assertThat(out.readLine()).contains("127.0.0.1", " ok ");
            }
            sigterm(p);
            assertThat(p.waitFor(Delays.VERY_LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            assertThat(out.readLine()).isEqualTo("stopped");
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    @Test
    void demoAnswersLikeTheDemoServer(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Process p = start(dir.resolve("err"), "serve", "demo", "--port", "0", "--hubs", "2",
                "--delay", CliRun.arg(Delays.SHORT));
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String first = out.readLine();
            Matcher m = LISTENING.matcher(String.valueOf(first));
            assertThat(m.matches()).as("first line: %s", first).isTrue();
            assertThat(first).contains("demo server, 2 hubs");
            CliRun run = CliRun.of("bench", "-q", "--http", "1.0", "-n", "20", "-c", "10",
                    "http://127.0.0.1:" + m.group(1) + "/");
            assertThat(run.field("Completed requests")).isEqualTo("20");
            assertThat(run.field("Failed requests")).startsWith("0 ");
            sigterm(p);
            assertThat(p.waitFor(Delays.VERY_LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            assertThat(out.readLine()).isEqualTo("stopped");
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    @Test
    void helloIsTheHttpServerWithKeepAlivePipeliningAndAnAccessLog(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        Process p = start(dir.resolve("err"), "serve", "hello", "--port", "0", "--access-log");
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String first = out.readLine();
            Matcher m = LISTENING.matcher(String.valueOf(first));
            assertThat(m.matches()).as("first line: %s", first).isTrue();
            int port = Integer.parseInt(m.group(1));
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.getOutputStream().write("GET /hi HTTP/1.0\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                assertThat(reply).startsWith("HTTP/1.1 200").endsWith("\r\n\r\nHello, World!");
            }
            assertThat(out.readLine()).contains("127.0.0.1 - - [", "\"GET /hi HTTP/1.0\" 200 ");
            CliRun run = CliRun.of("bench", "-q", "-k", "--pipeline", "4", "-n", "200", "-c", "4",
                    "http://127.0.0.1:" + port + "/");
            assertThat(run.field("Completed requests")).as(run.out()).isEqualTo("200");
            assertThat(run.field("Failed requests")).startsWith("0 ");
            assertThat(run.field("Connections opened")).isEqualTo("4");
            sigterm(p);
            assertThat(p.waitFor(Delays.VERY_LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            List<String> rest = out.lines().toList();
            assertThat(rest).hasSize(201).last().isEqualTo("stopped");
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    @Test
    void unknownServerAndBusyPortAreOneLineErrors() throws Exception {
        CliRun bad = CliRun.of("serve", "gopher", "--port", "0");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err().strip()).startsWith("gevent4j: SERVER must be demo, echo or hello").doesNotContain("\n");
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CliRun busy = CliRun.of("serve", "echo", "--port", Integer.toString(taken.getLocalPort()));
            assertThat(busy.exitCode()).isEqualTo(1);
            assertThat(busy.err().strip()).startsWith("gevent4j serve: cannot listen on 127.0.0.1:")
                    .doesNotContain("\n");
        } finally {
            io.gevent4j.Watchdog.disable(); // serve turned it on in this JVM: later tests start without it
        }
    }
}
