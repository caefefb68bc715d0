package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.probe.JvmWideProbe;
import io.gevent4j.testkit.Delays;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Having the core jar on the class or module path changes nothing JVM-wide (issue 11 §2, gevent's
 * opt-in {@code monkey}): a forked JVM without {@code --add-opens java.base/java.lang} runs
 * {@link JvmWideProbe} (a JDK HttpServer answering a request, a {@code localhost} look-up, the
 * installed resolver, global handlers, threads, properties) and must print exactly what it prints
 * with no gevent4j at all. The fork's class path is the core's classes and its runtime
 * dependencies only: not this module's test class path, whose {@code META-INF/services}
 * ({@code src/test/classpath}) opt the core's own tests in. The opted-in side is {@code gevent4j-monkey}'s {@code MonkeyTest}.
 */
class NothingGlobalTest {
    @TempDir
    Path probeDir;

    @Test
    void theCoreOnTheClassPathChangesNothing() throws Exception {
        List<String> without = probe(List.of("-cp", probeClassPath(List.of())));
        List<String> with = probe(List.of("-cp", probeClassPath(coreAndDependencies())));
        assertThat(without).contains("httpProvider=sun.net.httpserver.DefaultHttpServerProvider",
                "httpAnswer=200 probe", "localhost=true", "resolverIsBuiltin=true", "gevent4jThreads=0");
        assertThat(with).isEqualTo(without);
    }

    @Test
    void theCoreOnTheModulePathChangesNothing() throws Exception {
        List<String> without = probe(List.of("-cp", probeClassPath(List.of())));
        List<String> with = probe(List.of("--module-path", String.join(File.pathSeparator, coreAndDependencies()),
                "--add-modules", "io.gevent4j", "-cp", probeClassPath(List.of())));
        assertThat(with).isEqualTo(without);
    }

    /** The probe class alone in a directory of its own, then {@code extra}. */
    private String probeClassPath(List<String> extra) throws IOException, URISyntaxException {
        Path source = codeSource(JvmWideProbe.class).resolve("io/gevent4j/probe/JvmWideProbe.class");
        Path target = probeDir.resolve("io/gevent4j/probe/JvmWideProbe.class");
        Files.createDirectories(target.getParent());
        if (!Files.exists(target)) {
            Files.copy(source, target);
        }
        List<String> entries = new ArrayList<>();
        entries.add(probeDir.toString());
        entries.addAll(extra);
        return String.join(File.pathSeparator, entries);
    }

    /** The core's classes (a directory with module-info.class) and its runtime dependencies. */
    static List<String> coreAndDependencies() throws URISyntaxException {
        return List.of(codeSource(Gevent.class).toString(), codeSource(org.xbill.DNS.Message.class).toString(),
                codeSource(org.slf4j.Logger.class).toString());
    }

    static Path codeSource(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    /** Runs the probe (no --add-opens of java.lang; java.net is opened for its reflection only). */
    private static List<String> probe(List<String> pathArgs) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--add-opens");
        cmd.add("java.base/java.net=ALL-UNNAMED");
        cmd.addAll(pathArgs);
        cmd.add("io.gevent4j.probe.JvmWideProbe");
        Path output = Files.createTempFile("gevent4j-probe", ".txt");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile());
            pb.environment().remove("JDK_JAVA_OPTIONS");
            pb.environment().remove("JAVA_TOOL_OPTIONS");
            Process p = pb.start();
            boolean ended = p.waitFor(Delays.LONG.toMillis() * 6, TimeUnit.MILLISECONDS);
            if (!ended) {
                p.destroyForcibly().waitFor();
            }
            String out = Files.readString(output, StandardCharsets.UTF_8);
            assertThat(ended).as("probe ended; output:%n%s", out).isTrue();
            assertThat(p.exitValue()).as("probe exit status; output:%n%s", out).isZero();
            return out.lines().toList();
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
