package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.socket.TcpListener;
import io.gevent4j.testkit.Delays;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The first use of the library in a fresh JVM may come from a plain thread and from any package:
 * the engine (which names nothing above it) must still find the default hub. Each case runs in a
 * child JVM, so that nothing initialised by earlier tests hides a missing initialisation.
 */
class FirstUseTest {

    /** Spawned in a child JVM; args[0] says what comes first. */
    public static final class Probe {
        public static void main(String[] args) throws Exception {
            switch (args[0]) {
                case "socket" -> {
                    try (TcpListener l = TcpListener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                        l.timeout(Duration.ofMillis(20));
                        try {
                            l.accept();
                        } catch (SocketTimeoutException expected) {
                            System.out.println("accept timed out");
                        }
                    }
                }
                case "timeout" -> {
                    try (Timeout t = Timeout.start(Duration.ofMillis(20))) {
                        new Event().await();
                    } catch (Timeout expected) {
                        System.out.println("timed out");
                    }
                }
                case "whenReady" -> {
                    Event e = new Event();
                    e.whenReady(() -> {
                        throw new IllegalArgumentException("the action fails");
                    });
                    e.set(); // the failure is reported, not thrown at the caller
                    System.out.println("set returned");
                }
                default -> throw new IllegalArgumentException(args[0]);
            }
            System.out.println("done");
        }
    }

    private static String run(String first) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--add-opens", "java.base/java.lang=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), Probe.class.getName(), first)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(Delays.LONG.toMillis() * 6, TimeUnit.MILLISECONDS)).isTrue();
        return out;
    }

    @Test
    void aSocketWaitOnAPlainThreadFirst() throws Exception {
        assertThat(run("socket")).contains("accept timed out", "done").doesNotContain("Exception in thread");
    }

    @Test
    void aTimeoutOnAPlainThreadFirst() throws Exception {
        assertThat(run("timeout")).contains("timed out", "done").doesNotContain("Exception in thread");
    }

    @Test
    void aFailingWhenReadyActionOnAPlainThreadFirst() throws Exception {
        assertThat(run("whenReady")).contains("the action fails", "set returned", "done")
                .doesNotContain("Exception in thread");
    }
}
