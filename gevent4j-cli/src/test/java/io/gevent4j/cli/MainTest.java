package io.gevent4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MainTest {

    @Test
    void helpListsEverySubcommand() {
        CliRun run = CliRun.of("--help");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("demo", "serve", "bench", "resolve", "example");
        for (String sub : new String[] {"demo", "serve", "bench", "resolve", "example"}) {
            CliRun help = CliRun.of(sub, "--help");
            assertThat(help.exitCode()).as(sub).isZero();
            assertThat(help.out()).as(sub).startsWith("Usage: gevent4j " + sub);
        }
    }

    @Test
    void anUnknownSubcommandIsOneLineAndExitTwo() {
        CliRun run = CliRun.of("frobnicate");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().strip()).startsWith("gevent4j: ").doesNotContain("\n");
    }
}
