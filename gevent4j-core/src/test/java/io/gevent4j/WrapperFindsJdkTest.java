package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.testkit.Delays;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The README's {@code ./mvnw verify} works on a machine whose default {@code java} is older than
 * 25 and whose JDK 25 sits under {@code /usr/lib/jvm}, with {@code JAVA_HOME} unset (issue 11
 * §3): {@code ./mvnw -v} is run with exactly that environment (an older JDK found under
 * {@code /usr/lib/jvm} first on {@code PATH}) and must report Java 25 or newer. Aborted, not
 * passed, on a machine with no older JDK to play the default.
 */
class WrapperFindsJdkTest {
    static final Pattern JAVA_VERSION = Pattern.compile("(?m)^Java version: (\\d+)");

    @Test
    void mvnwRunsOnAJdk25WhenTheDefaultJavaIsOlderAndJavaHomeIsUnset() throws Exception {
        Optional<Path> older = olderJdk();
        Assumptions.assumeTrue(older.isPresent(), "no JDK older than 25 under /usr/lib/jvm to be the default java");
        Path root = Path.of("..").toAbsolutePath().normalize();
        Path output = Files.createTempFile("gevent4j-mvnw", ".txt");
        try {
            ProcessBuilder pb = new ProcessBuilder(List.of("sh", root.resolve("mvnw").toString(), "-v"))
                    .directory(root.toFile()).redirectErrorStream(true).redirectOutput(output.toFile());
            Map<String, String> env = pb.environment();
            env.remove("JAVA_HOME");
            env.remove("MAVEN_OPTS");
            env.put("PATH", older.get().resolve("bin") + ":/usr/bin:/bin");
            Process p = pb.start();
            boolean ended = p.waitFor(Delays.LONG.toMillis() * 12, TimeUnit.MILLISECONDS);
            if (!ended) {
                p.destroyForcibly().waitFor();
            }
            String out = Files.readString(output, StandardCharsets.UTF_8);
            assertThat(ended).as("mvnw -v ended; output:%n%s", out).isTrue();
            Matcher m = JAVA_VERSION.matcher(out);
            assertThat(m.find()).as("mvnw -v printed the Java version:%n%s", out).isTrue();
            assertThat(Integer.parseInt(m.group(1))).as(out).isGreaterThanOrEqualTo(25);
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** A JDK under /usr/lib/jvm whose {@code release} file names a version below 25. */
    static Optional<Path> olderJdk() throws IOException {
        Path jvm = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvm)) {
            return Optional.empty();
        }
        Pattern version = Pattern.compile("(?m)^JAVA_VERSION=\"(?:1\\.)?(\\d+)");
        try (Stream<Path> dirs = Files.list(jvm)) {
            for (Path d : dirs.sorted().toList()) {
                Path release = d.resolve("release");
                if (Files.isExecutable(d.resolve("bin/java")) && Files.isRegularFile(release)) {
                    Matcher m = version.matcher(Files.readString(release, StandardCharsets.UTF_8));
                    if (m.find() && Integer.parseInt(m.group(1)) < 25) {
                        return Optional.of(d);
                    }
                }
            }
        }
        return Optional.empty();
    }
}
