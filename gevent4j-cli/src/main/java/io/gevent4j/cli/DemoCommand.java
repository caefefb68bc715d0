package io.gevent4j.cli;

import io.gevent4j.Hub;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gevent4j demo}: the sequential / thread-per-connection / greenlet server experiment. */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "The classic experiment: a sequential server, a thread-per-connection server (platform threads) and a",
            "greenlet server each answer a connection by reading up to 1,024 bytes, sleeping --delay, and sending",
            "'HTTP/1.0 200 Ok\\r\\n\\r\\nHelloWorld'. Each is driven by the built-in load generator (like",
            "'ab -r -n 200 -c 200'); one table compares them. The sequential server stops at --sequential-limit."})
final class DemoCommand implements Callable<Integer> {

    @Option(names = {"-n", "--requests"}, defaultValue = "200", paramLabel = "N",
            description = "requests per server (default: ${DEFAULT-VALUE})")
    int requests;

    @Option(names = {"-c", "--concurrency"}, defaultValue = "200", paramLabel = "N",
            description = "concurrent connections (default: ${DEFAULT-VALUE})")
    int concurrency;

    @Option(names = "--delay", defaultValue = "100ms", paramLabel = "TIME",
            converter = DiagnosticsOptions.DurationConverter.class,
            description = "how long each server sleeps per connection (default: ${DEFAULT-VALUE})")
    Duration delay;

    @Option(names = "--sequential-limit", defaultValue = "5s", paramLabel = "TIME",
            converter = DiagnosticsOptions.DurationConverter.class,
            description = "time limit of the sequential server's run (default: ${DEFAULT-VALUE})")
    Duration sequentialLimit;

    @Option(names = "--limit", defaultValue = "60s", paramLabel = "TIME",
            converter = DiagnosticsOptions.DurationConverter.class, hidden = true,
            description = "safety time limit of the other runs (default: ${DEFAULT-VALUE})")
    Duration otherLimit;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        CommandLine cl = spec.commandLine();
        if (requests < 1 || concurrency < 1) {
            throw new CommandLine.ParameterException(cl, "--requests and --concurrency must be at least 1");
        }
        if (concurrency > requests) {
            throw new CommandLine.ParameterException(cl,
                    "concurrency (" + concurrency + ") is greater than the number of requests (" + requests + ")");
        }
        if (delay.isNegative() || !sequentialLimit.isPositive()) {
            throw new CommandLine.ParameterException(cl, "--delay must not be negative and --sequential-limit must be positive");
        }
        PrintWriter out = cl.getOut();
        PrintWriter err = cl.getErr();
        out.printf(Locale.ROOT, "gevent4j demo: %d requests, %d concurrent, a new connection per request;"
                + " each server sleeps %s per connection%n%n", requests, concurrency, LoadResult.human(delay));
        out.flush();
        List<LoadResult> results = new ArrayList<>();
        for (DemoServer.Kind kind : DemoServer.Kind.values()) {
            err.println("demo: running the " + kind.label + " server...");
            err.flush();
            results.add(runOne(kind));
        }
        out.printf(Locale.ROOT, "%-22s %10s %9s %6s %7s %9s %9s %9s%n",
                "server", "time", "req/s", "done", "failed", "p50 ms", "p99 ms", "max ms");
        List<String> notes = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            LoadResult r = results.get(i);
            DemoServer.Kind kind = DemoServer.Kind.values()[i];
            out.printf(Locale.ROOT, "%-22s %8.2f s%s %9.1f %6d %7d %9.1f %9.1f %9.1f%n",
                    kind.label, r.seconds(), r.hitTimeLimit ? "*" : " ", r.requestsPerSecond(), r.completed,
                    r.failed(), r.latencyMillis(50), r.latencyMillis(99), r.maxLatencyMillis());
            if (r.hitTimeLimit) {
                notes.add(String.format(Locale.ROOT, "* %s: stopped at its time limit of %s; %d of %d requests unfinished.",
                        kind.label, LoadResult.human(r.spec.timeLimit().orElseThrow()), r.unfinished(), requests));
            }
            if (r.failed() > 0) {
                notes.add(String.format(Locale.ROOT, "  %s failures: connect %d, receive %d, length %d, exceptions %d",
                        kind.label, r.connectFailures, r.receiveFailures, r.lengthFailures, r.exceptionFailures));
            }
        }
        if (!notes.isEmpty()) {
            out.println();
            notes.forEach(out::println);
        }
        out.flush();
        return 0;
    }

    private LoadResult runOne(DemoServer.Kind kind) throws IOException {
        Hub hub = Hub.startDaemon("demo-" + kind.name().toLowerCase(Locale.ROOT));
        try {
            DemoServer server = DemoServer.start(kind, new InetSocketAddress("127.0.0.1", 0), List.of(hub),
                    DemoServer.demoHandler(delay), line -> { });
            try {
                String url = "http://127.0.0.1:" + server.address().getPort() + "/";
                LoadSpec load = LoadSpec.get(url, requests, concurrency)
                        .withTimeLimit(kind == DemoServer.Kind.SEQUENTIAL ? sequentialLimit : otherLimit);
                return LoadGenerator.run(load, Duration.ZERO, p -> { });
            } finally {
                server.close(Duration.ofSeconds(1));
            }
        } finally {
            hub.close(Duration.ofSeconds(5));
        }
    }
}
