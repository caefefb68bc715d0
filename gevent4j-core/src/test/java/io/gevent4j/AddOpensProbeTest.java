package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.testkit.Delays;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Without {@code --add-opens java.base/java.lang}, the first use fails with an error naming the flag. */
class AddOpensProbeTest {

    /** Spawned in a child JVM without the flag. */
    public static final class Probe {
        public static void main(String[] args) {
            try {
                Gevent.spawn(() -> 1).result();
                System.out.println("UNEXPECTED: ran without the flag");
            } catch (Throwable e) {
                Throwable t = e;
                while (t.getCause() != null && !(t instanceof IllegalStateException)) {
                    t = t.getCause();
                }
                System.out.println(t.getClass().getName() + ": " + t.getMessage());
            }
        }
    }

    @Test
    void theErrorNamesTheExactFlag() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Probe.class.getName())
                .redirectErrorStream(true).start();
        assertThat(p.waitFor(Delays.LONG.toMillis() * 6, TimeUnit.MILLISECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(out).contains("IllegalStateException")
                .contains("--add-opens java.base/java.lang=ALL-UNNAMED")
                .contains("--add-opens java.base/java.lang=io.gevent4j");
    }
}
