package io.gevent4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code serve} uses every core unless told otherwise (issue #16, "all cores by default"). */
class ServeHubsDefaultTest {
    @Test
    void hubsDefaultsToTheNumberOfCoresAndTheHelpSaysSo() {
        ServeCommand serve = new ServeCommand();
        new CommandLine(serve).parseArgs("hello");
        assertThat(serve.hubs).isEqualTo(Runtime.getRuntime().availableProcessors());
        ServeCommand two = new ServeCommand();
        new CommandLine(two).parseArgs("hello", "--hubs", "2");
        assertThat(two.hubs).isEqualTo(2);
        StringWriter help = new StringWriter();
        new CommandLine(new ServeCommand()).usage(new PrintWriter(help));
        assertThat(help.toString()).contains("(default: one per core, " + Runtime.getRuntime().availableProcessors()
                + " here)");
    }
}
