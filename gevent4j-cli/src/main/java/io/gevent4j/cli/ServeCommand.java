package io.gevent4j.cli;

import io.gevent4j.HubGroup;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code gevent4j serve demo|echo|hello}: run one of the library's servers until SIGINT or SIGTERM. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Serve until SIGINT or SIGTERM, then stop gracefully: stop accepting, let connections in progress finish",
            "within --grace, then kill them. The first line printed is the address it listens on.",
            "  demo   the demo's greenlet server (read, sleep --delay, 'HTTP/1.0 200 Ok ... HelloWorld', close)",
            "  echo   TCP echo",
            "  hello  the HTTP/1.1 server answering 'Hello, World!' (needs the HTTP server of issue #5)"})
final class ServeCommand implements Callable<Integer> {
    static final int DEFAULT_PORT = 8088;

    @Parameters(index = "0", paramLabel = "SERVER", description = "demo, echo or hello")
    String what;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to bind (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--port", defaultValue = "" + DEFAULT_PORT, description = "port to bind; 0 for any free port (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--hubs", defaultValue = "1", paramLabel = "N",
            description = "hubs (loop threads) the connections are spread over (default: ${DEFAULT-VALUE})")
    int hubs;

    @Option(names = "--access-log", negatable = true, defaultValue = "false",
            description = "print one line per connection on stdout (default: off)")
    boolean accessLog;

    @Option(names = "--delay", defaultValue = "100ms", paramLabel = "TIME",
            converter = DiagnosticsOptions.DurationConverter.class,
            description = "demo: sleep per connection (default: ${DEFAULT-VALUE})")
    Duration delay;

    @Option(names = "--grace", defaultValue = "5s", paramLabel = "TIME",
            converter = DiagnosticsOptions.DurationConverter.class,
            description = "how long connections in progress may finish on stop (default: ${DEFAULT-VALUE})")
    Duration grace;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
        CommandLine cl = spec.commandLine();
        if (hubs < 1) {
            throw new CommandLine.ParameterException(cl, "--hubs must be at least 1: " + hubs);
        }
        if (port < 0 || port > 65535) {
            throw new CommandLine.ParameterException(cl, "--port out of range: " + port);
        }
        DemoServer.Handler handler = switch (what.toLowerCase(Locale.ROOT)) {
            case "demo" -> DemoServer.demoHandler(delay);
            case "echo" -> DemoServer.echoHandler();
            case "hello" -> throw new UnsupportedOperationException(
                    "'serve hello' needs the HTTP/1.1 server (issue #5), which this build does not have yet");
            default -> throw new CommandLine.ParameterException(cl, "SERVER must be demo, echo or hello: " + what);
        };
        PrintWriter out = cl.getOut();
        Consumer<String> log = accessLog ? line -> {
            synchronized (out) {
                out.println(line);
                out.flush();
            }
        } : line -> { };
        HubGroup group = HubGroup.start(hubs);
        DemoServer server;
        try {
            server = DemoServer.start(DemoServer.Kind.GREENLETS, new InetSocketAddress(host, port), group.hubs(),
                    handler, log);
        } catch (IOException e) {
            group.close();
            throw new IOException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        InetSocketAddress bound = server.address();
        out.printf(Locale.ROOT, "listening on %s:%d (%s server, %d hub%s)%n", bound.getHostString(), bound.getPort(),
                what.toLowerCase(Locale.ROOT), hubs, hubs == 1 ? "" : "s");
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        // SIGINT and SIGTERM run the JVM's shutdown hooks: the graceful stop happens there.
        Thread hook = Thread.ofPlatform().name("serve-stop").unstarted(() -> {
            server.close(grace);
            group.close();
            synchronized (out) {
                out.println("stopped");
                out.flush();
            }
            stopped.countDown();
        });
        Runtime.getRuntime().addShutdownHook(hook);
        stopped.await();
        return 0;
    }
}
