package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.module.ModuleDescriptor;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The JDK's doclint, run by the JDK's own compiler over the exported packages of the module (the
 * API a user reads): every public or protected type and member has a doc comment, and no comment
 * has a broken link, bad HTML or a malformed tag.
 *
 * <p>The build's compiler already runs doclint ({@code -Xdoclint:all/protected,-missing} in the
 * parent POM), which catches broken comments but cannot tell a missing comment from a missing
 * {@code @param} tag. This test can: it fails on a missing comment and tolerates a missing
 * {@code @param}, {@code @return} or {@code @throws} where the sentence already says it (the
 * choice is explained in {@code docs/DECISIONS.md}). It compiles into {@code target/doclint-check},
 * never into the build's classes.
 */
class JavadocTest {
    private static final Pattern DIAGNOSTIC = Pattern.compile("^(.+\\.java):(\\d+): (warning|error): (.+)$");
    private static final List<String> TOLERATED = List.of("no @param for ", "no @return", "no @throws for ");

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES) // a full compile of the module, on a loaded machine
    void everyPublicTypeAndMemberOfTheExportedPackagesIsDocumentedAndDoclintFindsNoError() throws Exception {
        ToolProvider javac = ToolProvider.findFirst("javac").orElseThrow(
                () -> new AssertionError("this JDK has no javac tool (a JRE, or a jlinked image without jdk.compiler)"));
        Path sources = Path.of("src", "main", "java");
        ModuleDescriptor module;
        try (InputStream in = Files.newInputStream(Path.of("target", "classes", "module-info.class"))) {
            module = ModuleDescriptor.read(in);
        }
        String exported = module.exports().stream().map(ModuleDescriptor.Exports::source).sorted()
                .collect(Collectors.joining(","));
        List<String> args = new ArrayList<>(List.of(
                "-Xdoclint:all/protected", "-Xdoclint/package:" + exported,
                "-Xmaxwarns", "100000", "-Xmaxerrs", "100000", "-proc:none", "-implicit:none",
                "-d", Path.of("target", "doclint-check").toString(),
                "--module-path", jarOf(org.xbill.DNS.Message.class) + File.pathSeparator + jarOf(org.slf4j.Logger.class)));
        try (Stream<Path> files = Files.walk(sources)) {
            files.filter(f -> f.toString().endsWith(".java")).map(Path::toString).sorted().forEach(args::add);
        }
        StringWriter out = new StringWriter();
        int exit = javac.run(new PrintWriter(out, true), new PrintWriter(out, true), args.toArray(String[]::new));

        List<String> problems = out.toString().lines()
                .map(DIAGNOSTIC::matcher)
                .filter(Matcher::matches)
                .filter(m -> isDoclint(m.group(4)))
                .filter(m -> m.group(3).equals("error") || TOLERATED.stream().noneMatch(m.group(4)::startsWith))
                .map(m -> m.group(1) + ":" + m.group(2) + ": " + m.group(4))
                .toList();
        assertThat(exit).as("javac's exit code; its output:%n%s", out).isZero();
        assertThat(problems).as("doclint findings in the exported packages %s", exported).isEmpty();
    }

    /** The compiler's own lint warnings (deprecation, exports...) are not doclint's business here. */
    private static boolean isDoclint(String message) {
        return !message.startsWith("[");
    }

    private static String jarOf(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
