package io.gevent4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.testkit.Delays;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A connection storm stopped gracefully: {@code STORM} requests in flight on {@code serve demo}
 * (each sleeping {@code --delay}) when SIGTERM arrives; every one is answered before the
 * process prints "stopped" and exits, over one hub and over two (every hub accepts).
 *
 * <p>"In flight" is what the server accepted: a connection still in the listen backlog when the
 * listener closes is reset by the kernel, as gevent's {@code stop} does. So the server gets
 * {@code --max-connections STORM} (its default is derived from the descriptor limit, about 430
 * under {@code ulimit -n 1024}: the last connections would wait in the backlog), and SIGTERM is
 * sent only once the listener's accept queue is empty, read from {@code /proc/net/tcp}.
 */
class ServeStormStopTest {
    static final int STORM = 500;
    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+) .*");

    @ParameterizedTest(name = "--hubs {0}")
    @ValueSource(ints = {1, 2})
    void everyRequestInFlightIsAnsweredBeforeTheStop(int hubs, @TempDir Path dir) throws Exception {
        Process p = ServeCommandTest.start(dir.resolve("err"), "serve", "demo", "--port", "0", "--hubs",
                Integer.toString(hubs), "--delay", CliRun.arg(Delays.MEDIUM.multipliedBy(2)), "--grace", CliRun.arg(Delays.VERY_LONG),
                "--max-connections", Integer.toString(STORM));
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
            // Every connection was accepted: none is left in the backlog for the stop to reset.
            awaitAcceptQueueEmpty(port);
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

    /**
     * Waits until the listener on 127.0.0.1:{@code port} has no connection waiting to be
     * accepted. For a listening socket, the rx_queue column of {@code /proc/net/tcp} (or
     * {@code tcp6}, where a dual-stack socket bound to 127.0.0.1 shows as ::ffff:127.0.0.1) is
     * the length of its accept queue (Linux; the test is skipped without it).
     */
    static void awaitAcceptQueueEmpty(int port) throws Exception {
        List<Path> tables = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));
        Assumptions.assumeTrue(Files.isReadable(tables.getFirst()), "needs /proc/net/tcp (Linux) to see the accept queue");
        long deadline = System.nanoTime() + Delays.VERY_LONG.toNanos();
        long waiting;
        while ((waiting = acceptQueue(tables, port)) != 0) {
            assertThat(System.nanoTime() - deadline).as("connections still in the backlog: %d", waiting).isNegative();
            Thread.sleep(1); // a poll of the kernel's table: there is nothing to wait on instead
        }
    }

    /** The accept queue of the listener on 127.0.0.1:{@code port}. */
    private static long acceptQueue(List<Path> tables, int port) throws Exception {
        String local = String.format(Locale.ROOT, "0100007F:%04X", port);
        for (Path table : tables) {
            if (!Files.isReadable(table)) {
                continue;
            }
            for (String line : Files.readAllLines(table)) {
                String[] f = line.strip().split("\\s+");
                // sl local_address rem_address st tx_queue:rx_queue ...; st 0A is LISTEN
                if (f.length > 4 && f[1].endsWith(local) && f[3].equals("0A")) {
                    return Long.parseLong(f[4].substring(f[4].indexOf(':') + 1), 16);
                }
            }
        }
        throw new AssertionError("no listener on 127.0.0.1:" + port + " in " + tables);
    }
}
