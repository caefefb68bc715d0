package io.gevent4j.monkey;

import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Gevent;
import io.gevent4j.monkey.probe.MonkeyProbe;
import io.gevent4j.testkit.Delays;
import java.io.File;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The opt-in works (issue 11 §2): with gevent4j-monkey on the class path or the module path, a
 * forked JVM's {@code HttpServer.create()} returns gevent4j's server, which answers, and
 * {@code InetAddress} inside a greenlet goes through the hub's resolver. The other side (the core
 * alone changes nothing) is the core's {@code NothingGlobalTest}.
 */
class MonkeyTest {
    static final long PROBE_MILLIS = Delays.scaled(30_000).toMillis();
    static final List<String> OPTED_IN = List.of(
            "httpProvider=" + MonkeyHttpServerProvider.class.getName(),
            "httpServerFromGevent4j=true",
            "httpAnswer=200 probe",
            "localhost=true",
            "resolver=io.gevent4j.dns.HubInetAddressResolverProvider$HubResolver",
            "greenletLookup=192.0.2.55");

    @Test
    void onTheClassPathItInstallsBoth() throws Exception {
        List<String> cp = new ArrayList<>(List.of(codeSource(MonkeyProbe.class)));
        cp.addAll(monkeyAndDependencies());
        assertThat(probe(List.of("--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "-cp", String.join(File.pathSeparator, cp)))).containsExactlyElementsOf(OPTED_IN);
    }

    @Test
    void onTheModulePathItInstallsBoth() throws Exception {
        assertThat(probe(List.of("--add-opens", "java.base/java.lang=io.gevent4j",
                "--module-path", String.join(File.pathSeparator, monkeyAndDependencies()),
                "--add-modules", "io.gevent4j.monkey", "-cp", codeSource(MonkeyProbe.class))))
                .containsExactlyElementsOf(OPTED_IN);
    }

    /** This module first (as a direct dependency comes first), then the core and its dependencies. */
    static List<String> monkeyAndDependencies() throws URISyntaxException {
        return List.of(codeSource(MonkeyHttpServerProvider.class), codeSource(Gevent.class),
                codeSource(org.xbill.DNS.Message.class), codeSource(org.slf4j.Logger.class));
    }

    static String codeSource(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    /** Runs the probe ({@code java.net} is opened for its reflection only) and returns its lines. */
    static List<String> probe(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--add-opens");
        cmd.add("java.base/java.net=ALL-UNNAMED");
        cmd.addAll(args);
        cmd.add(MonkeyProbe.class.getName());
        Path output = Files.createTempFile("gevent4j-monkey-probe", ".txt");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile());
            pb.environment().remove("JDK_JAVA_OPTIONS");
            pb.environment().remove("JAVA_TOOL_OPTIONS");
            Process p = pb.start();
            boolean ended = p.waitFor(PROBE_MILLIS, TimeUnit.MILLISECONDS);
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
