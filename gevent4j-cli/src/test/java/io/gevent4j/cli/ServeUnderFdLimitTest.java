package io.gevent4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.testkit.Delays;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Issue 12, points 1 to 3, as a user meets them: {@code serve hello} and {@code serve demo} in a
 * JVM started under {@code ulimit -n 128}, and more connections than descriptors at once. With
 * the default connection limit (derived from the descriptor limit) accept never fails; with the
 * limit lifted ({@code --max-connections 100000}) accept does fail with "Too many open files",
 * and the server must back off (its logger failing too) and go on. Either way every connection
 * is answered and the server answers a plain request afterwards.
 */
class ServeUnderFdLimitTest {
    static final int FD_LIMIT = 128;
    static final int CLIENTS = 300;
    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+) .*");

    static Process startLimited(Path errFile, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", "ulimit -n " + FD_LIMIT + " && exec \"$@\"", "serve",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(errFile.toFile()).start();
    }

    @ParameterizedTest(name = "{0} --max-connections {1}")
    @CsvSource({"hello, 0", "demo, 0", "hello, 100000", "demo, 100000"})
    void staysUpAndAnswersEveryConnection(String server, int maxConnections, @TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "needs bash for ulimit");
        Path err = dir.resolve("err");
        Process p = startLimited(err, "serve", server, "--port", "0", "--hubs", "2", "--delay", "1ms",
                "--max-connections", Integer.toString(maxConnections));
        List<Socket> clients = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String first = out.readLine();
            Matcher m = LISTENING.matcher(String.valueOf(first));
            assertThat(m.matches()).as("first line: %s; stderr: %s", first, read(err)).isTrue();
            int port = Integer.parseInt(m.group(1));
            // One request first: this JVM loads classes from class directories, one descriptor per
            // class file, and a class first needed while none is free fails to load for good. The
            // jar a user runs is opened once, so `ab` against a cold `serve` needs no warm-up.
            assertThat(plainRequest(port)).as("warm-up").contains(" 200 ");
            // More connections than the server has descriptors, all open at once, then a request on each.
            for (int i = 0; i < CLIENTS; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
                s.setSoTimeout((int) Delays.VERY_LONG.toMillis());
                clients.add(s);
            }
            for (Socket s : clients) {
                s.getOutputStream().write("GET / HTTP/1.0\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            int answered = 0;
            for (Socket s : clients) {
                String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                if (reply.startsWith("HTTP/1.")) {
                    answered++;
                }
                s.close();
            }
            assertThat(answered).as("answered of %d; stderr: %s", CLIENTS, tail(err)).isEqualTo(CLIENTS);
            assertThat(plainRequest(port)).as("a plain request afterwards").contains(" 200 ");
            assertThat(p.isAlive()).isTrue();
            String log = read(err);
            if (maxConnections == 0) {
                assertThat(log).as("the default limit makes exhaustion back-pressure").doesNotContain("Too many open files");
            }
            assertThat(log).doesNotContain("died");
            ServeCommandTest.sigterm(p);
            assertThat(p.waitFor(Delays.VERY_LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        } finally {
            for (Socket s : clients) {
                s.close();
            }
            p.destroyForcibly().waitFor();
        }
    }

    private static String plainRequest(int port) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout((int) Delays.VERY_LONG.toMillis());
            s.getOutputStream().write("GET / HTTP/1.0\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    private static String read(Path f) throws IOException {
        return Files.exists(f) ? Files.readString(f) : "";
    }

    private static String tail(Path f) throws IOException {
        String s = read(f);
        return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
    }
}
