package io.gevent4j.websocket;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A Debian tool an interop test needs (installed by {@code .ci/run} in CI): missing, the test is
 * skipped on a developer's machine and fails when {@code CI} is set.
 */
final class ExternalTool {
    private ExternalTool() {
    }

    /** Runs {@code check}; if it fails, skips the test (locally) or fails it (CI). */
    static void require(String debianPackage, String... check) {
        boolean ok;
        try {
            Process p = new ProcessBuilder(check).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            ok = p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
            p.destroyForcibly();
        } catch (IOException e) {
            ok = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ok = false;
        }
        if (!ok) {
            String why = "needs the Debian package " + debianPackage + " (`apt-get install " + debianPackage
                    + "`; .ci/run installs it): `" + String.join(" ", check) + "` failed";
            if (System.getenv("CI") != null) {
                fail(why);
            }
            Assumptions.abort(why);
        }
    }

    /** The path of a test resource file. */
    static Path resource(String name) {
        try {
            return Path.of(ExternalTool.class.getResource(name).toURI());
        } catch (java.net.URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing test resource " + name, e);
        }
    }
}
