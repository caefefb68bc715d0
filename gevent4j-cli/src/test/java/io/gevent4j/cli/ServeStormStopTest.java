package io.gevent4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.testkit.Delays;
import java.io.BufferedReader;
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
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A connection storm stopped gracefully: {@code STORM} requests in flight on {@code serve demo}
 * (each sleeping {@code --delay}) when SIGTERM arrives; every one is answered before the
 * process prints "stopped" and exits, over one hub and over two (every hub accepts).
 */
class ServeStormStopTest {
    static final int STORM = 500;
    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+) .*");

    @ParameterizedTest(name = "--hubs {0}")
    @ValueSource(ints = {1, 2})
    void everyRequestInFlightIsAnsweredBeforeTheStop(int hubs, @TempDir Path dir) throws Exception {
        Process p = ServeCommandTest.start(dir.resolve("err"), "serve", "demo", "--port", "0", "--hubs",
                Integer.toString(hubs), "--delay", CliRun.arg(Delays.MEDIUM.multipliedBy(2)), "--grace", CliRun.arg(Delays.VERY_LONG));
        List<Socket> clients = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            Matcher m = LISTENING.matcher(String.valueOf(out.readLine()));
            assertThat(m.matches()).isTrue();
            int port = Integer.parseInt(m.group(1));
            for (int i = 0; i < STORM; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
                s.setSoTimeout((int) Delays.VERY_LONG.multipliedBy(2).toMillis());
                s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                clients.add(s);
            }
            // The last request reached the server (it answers in order of arrival, after --delay).
            byte[] first = clients.getFirst().getInputStream().readAllBytes();
            assertThat(new String(first, StandardCharsets.US_ASCII)).endsWith("HelloWorld");
            ServeCommandTest.sigterm(p);
            int answered = 1;
            for (Socket s : clients.subList(1, clients.size())) {
                if (new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).endsWith("HelloWorld")) {
                    answered++;
                }
            }
            assertThat(answered).isEqualTo(STORM);
            assertThat(p.waitFor(Delays.VERY_LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            assertThat(out.readLine()).isEqualTo("stopped");
        } finally {
            for (Socket s : clients) {
                s.close();
            }
            p.destroyForcibly().waitFor();
        }
    }
}
