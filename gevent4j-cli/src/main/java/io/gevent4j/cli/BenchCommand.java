package io.gevent4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code gevent4j bench URL}: the HTTP load generator, built on the library's own sockets. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Load-test an HTTP/1.x server: -c connections, one greenlet each, on the library's cooperative sockets.",
            "Failures are classified as ab does: connect, receive (read error, time-out, connection closed in a",
            "response), length (a 2xx body whose length differs from the first one's), exceptions (write error or",
            "a response that is not HTTP/1.x); non-2xx responses are counted apart. Then by cause, with one sample",
            "each: refused, connect error, time-out, reset, closed early, bad response, length, other.",
            "Exit code 1 (and a warning on stderr) if no request completed."})
final class BenchCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "URL", description = "http://host[:port][/path]")
    String url;

    @Option(names = {"-n", "--requests"}, paramLabel = "N", description = "number of requests (default: 1, like ab)")
    Long requests;

    @Option(names = {"-d", "--duration"}, paramLabel = "TIME", converter = DiagnosticsOptions.DurationConverter.class,
            description = "send requests for this long instead of -n (e.g. 10s, 500ms; a bare number is refused)")
    Duration duration;

    @Option(names = {"-c", "--concurrency"}, defaultValue = "1", paramLabel = "N",
            description = "connections at a time (default: ${DEFAULT-VALUE})")
    int concurrency;

    @Option(names = {"-k", "--keep-alive"}, description = "reuse connections (HTTP/1.0: sends Connection: keep-alive)")
    boolean keepAlive;

    @Option(names = "--pipeline", defaultValue = "1", paramLabel = "N",
            description = "send N requests back to back per connection before reading the replies; needs -k (default: ${DEFAULT-VALUE})")
    int pipeline;

    @Option(names = {"-m", "--method"}, paramLabel = "METHOD", description = "request method (default: GET, or POST with a body)")
    String method;

    @Option(names = {"-H", "--header"}, paramLabel = "'Name: value'", description = "extra request header (repeatable)")
    List<String> headers = new ArrayList<>();

    @Option(names = {"-b", "--body"}, paramLabel = "TEXT", description = "request body (UTF-8)")
    String body;

    @Option(names = "--body-file", paramLabel = "FILE", description = "request body from a file")
    Path bodyFile;

    @Option(names = "--http", defaultValue = "1.1", paramLabel = "VERSION", description = "1.0 or 1.1 (default: ${DEFAULT-VALUE})")
    String http;

    @Option(names = {"-s", "--timeout"}, defaultValue = "30s", paramLabel = "TIME",
            converter = DiagnosticsOptions.DurationConverter.class,
            description = "time-out of each connect and each response (default: ${DEFAULT-VALUE})")
    Duration timeout;

    @Option(names = "--hubs", defaultValue = "1", paramLabel = "N",
            description = "spread the connections over N hubs (loop threads) (default: ${DEFAULT-VALUE})")
    int hubs;

    @Option(names = "--warmup", defaultValue = "0s", paramLabel = "TIME",
            converter = DiagnosticsOptions.DurationConverter.class,
            description = {"first send the same load for this long and count nothing of it (default: none).",
                "This JVM compiles its hot code in its first seconds; on a machine with few cores that",
                "slows the start of a short run. The warm-up's requests are reported apart."})
    Duration warmup;

    @Option(names = "--json", description = "print the report as one JSON object")
    boolean json;

    @Option(names = {"-q", "--quiet"}, description = "no progress on stderr")
    boolean quiet;

    @Option(names = "--progress-every", defaultValue = "1s", paramLabel = "TIME",
            converter = DiagnosticsOptions.DurationConverter.class,
            description = "progress interval (default: ${DEFAULT-VALUE})")
    Duration progressEvery;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        LoadSpec load = toSpec();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean terminal = System.console() != null && System.console().isTerminal();
        Duration every = quiet ? Duration.ZERO : terminal ? Duration.ofMillis(200) : progressEvery;
        LoadResult r;
        try {
            r = LoadGenerator.run(load, warmup, every, p -> {
                double s = p.elapsed().toNanos() / 1e9;
                String line = p.warmingUp()
                        ? String.format(Locale.ROOT, "warming up: %d requests sent, not counted", p.done())
                        : String.format(Locale.ROOT, "%d requests done, %d failed, %.1f s, %.0f req/s",
                                p.done(), p.failed(), s, s == 0 ? 0 : p.done() / s);
                if (terminal) {
                    err.print("\r" + line + "   ");
                } else {
                    err.println("progress: " + line);
                }
                err.flush();
            });
        } catch (java.net.UnknownHostException e) {
            throw new java.net.UnknownHostException("cannot resolve the host of " + url + " (" + Main.describe(e)
                    + "); check the name, or give an IP address");
        }
        if (terminal && !quiet) {
            err.print("\r" + " ".repeat(70) + "\r");
            err.flush();
        }
        out.print(json ? r.toJson() + "\n" : r.toText());
        out.flush();
        if (r.completed == 0) {
            err.println("gevent4j bench: warning: no request completed (" + r.failed() + " failed, "
                    + r.unfinished() + " unfinished" + (r.failed() > 0 ? "; see 'Why requests failed'" : "")
                    + "); check the URL, or give the run more time (-d 10s, --timeout 30s)");
            err.flush();
        }
        return r.completed > 0 ? 0 : 1;
    }

    LoadSpec toSpec() throws IOException {
        CommandLine cl = spec.commandLine();
        if (requests != null && duration != null) {
            throw new CommandLine.ParameterException(cl, "give either -n or -d, not both");
        }
        if (body != null && bodyFile != null) {
            throw new CommandLine.ParameterException(cl, "give either --body or --body-file, not both");
        }
        boolean http11 = switch (http) {
            case "1.1" -> true;
            case "1.0" -> false;
            default -> throw new CommandLine.ParameterException(cl, "--http must be 1.0 or 1.1: " + http);
        };
        byte[] bytes = body != null ? body.getBytes(StandardCharsets.UTF_8)
                : bodyFile != null ? Files.readAllBytes(bodyFile) : new byte[0];
        String m = method != null ? method.toUpperCase(Locale.ROOT) : bytes.length > 0 ? "POST" : "GET";
        long n = requests == null ? 1 : requests;
        if (duration == null && concurrency > n) {
            throw new CommandLine.ParameterException(cl,
                    "concurrency (" + concurrency + ") is greater than the number of requests (" + n + ")");
        }
        if (!timeout.isPositive()) {
            throw new CommandLine.ParameterException(cl, "--timeout must be positive: " + timeout);
        }
        if (warmup.isNegative()) {
            throw new CommandLine.ParameterException(cl, "--warmup must not be negative: " + warmup);
        }
        if (duration != null && (duration.isZero() || duration.isNegative())) {
            throw new CommandLine.ParameterException(cl, "--duration must be positive: " + duration);
        }
        try {
            URI u = LoadSpec.parseUrl(url);
            return new LoadSpec(u.getHost().replaceAll("^\\[|\\]$", ""), LoadSpec.port(u), LoadSpec.target(u), m,
                    headers, bytes, http11, keepAlive, pipeline,
                    duration == null ? Optional.of(n) : Optional.empty(), Optional.ofNullable(duration),
                    concurrency, timeout, Optional.empty(), hubs);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, e.getMessage());
        }
    }
}
