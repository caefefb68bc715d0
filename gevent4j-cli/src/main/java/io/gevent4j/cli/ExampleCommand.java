package io.gevent4j.cli;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The README's 30-second example: spawn jobs from main, join them with a timeout. */
@Command(name = "example", mixinStandardHelpOptions = true,
        description = "Spawn N greenlets that sleep 100 ms x i and return i; join them with a timeout.")
final class ExampleCommand implements Callable<Integer> {

    @Option(names = {"-n", "--jobs"}, defaultValue = "3", description = "number of jobs (default: ${DEFAULT-VALUE})")
    int jobs;

    @Option(names = "--timeout", defaultValue = "2s", paramLabel = "TIME",
            converter = DiagnosticsOptions.DurationConverter.class,
            description = "joinAll timeout, e.g. 500ms, 2s, PT2S (default: ${DEFAULT-VALUE})")
    Duration timeout;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (jobs < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--jobs must not be negative: " + jobs);
        }
        PrintWriter out = spec.commandLine().getOut();
        long start = System.nanoTime();
        var list = IntStream.range(0, jobs).mapToObj(i -> Gevent.spawn(() -> {
            Gevent.sleep(Duration.ofMillis(100L * i));
            return i;
        })).toList();
        Gevent.joinAll(list, timeout);
        out.println(list.stream().map(Greenlet::value).toList());
        out.printf("(%d ms)%n", (System.nanoTime() - start) / 1_000_000);
        out.flush();
        return 0;
    }
}
