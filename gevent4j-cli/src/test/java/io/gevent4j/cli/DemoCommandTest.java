package io.gevent4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.testkit.Delays;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class DemoCommandTest {

    @Test
    void printsOneTableOfThreeServersWithAZeroFailureGreenletRow() {
        // 20 connections x SHORT each cannot fit the sequential server into 2 x SHORT: it hits its limit
        CliRun run = CliRun.of("demo", "-n", "20", "-c", "20", "--delay", CliRun.arg(Delays.SHORT),
                "--sequential-limit", CliRun.arg(Delays.SHORT.multipliedBy(2)));
        assertThat(run.exitCode()).as(run.err()).isZero();
        List<String> lines = Arrays.asList(run.out().split("\n"));
        assertThat(lines.getFirst()).startsWith("gevent4j demo: 20 requests, 20 concurrent");
        int header = lines.indexOf(lines.stream().filter(l -> l.startsWith("server ")).findFirst().orElseThrow());
        assertThat(lines.get(header)).contains("time", "req/s", "failed", "p50 ms", "p99 ms", "max ms");
        List<String> rows = lines.subList(header + 1, header + 4);
        assertThat(rows.get(0)).startsWith("sequential ");
        assertThat(rows.get(1)).startsWith("thread per connection ");
        assertThat(rows.get(2)).startsWith("greenlets ");
        String[] greenlets = rows.get(2).substring("greenlets".length()).trim().split("\\s+");
        // time "s" req/s done failed p50 p99 max
        assertThat(greenlets[3]).as(rows.get(2)).isEqualTo("20");
        assertThat(greenlets[4]).as(rows.get(2)).isEqualTo("0");
        assertThat(rows.get(0)).contains("s*");
        assertThat(run.out()).contains("* sequential: stopped at its time limit of");
    }

    @Test
    void wrongOptionsGetOneLineAndExitTwo() {
        CliRun run = CliRun.of("demo", "-n", "5", "-c", "10");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().strip()).startsWith("gevent4j: concurrency (10) is greater").doesNotContain("\n");
        assertThat(CliRun.of("demo", "--delay", "soon").exitCode()).isEqualTo(2);
    }
}
