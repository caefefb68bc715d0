package io.gevent4j.cli;

import io.gevent4j.Hub;
import io.gevent4j.HubGroup;
import io.gevent4j.http.HttpServer;
import io.gevent4j.server.StreamServer;
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

/** {@code gevent4j serve demo|echo|hello|files [DIR]}: run one of the library's servers until SIGINT or SIGTERM. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Serve until SIGINT or SIGTERM, then stop gracefully: stop accepting, let connections in progress finish",
            "within --grace, then kill them. The first line printed is the address it listens on.",
            "  demo   the demo's greenlet server (read, sleep --delay, 'HTTP/1.0 200 Ok ... HelloWorld', close)",
            "  echo   TCP echo",
            "  hello  the HTTP/1.1 server answering 'Hello, World!' (keep-alive, pipelining; common log format)",
            "  chat   a chat room: page at /, WebSocket room at /ws, the same messages as Server-Sent Events at /events",
            "  files  a static file server for DIR (default: the current directory), with listings"})
final class ServeCommand implements Callable<Integer> {
    static final int DEFAULT_PORT = 8088;

    @Parameters(index = "0", paramLabel = "SERVER", description = "demo, echo, hello, chat or files")
    String what;

    @Parameters(index = "1", arity = "0..1", paramLabel = "DIR", description = "files: the directory to serve")
    String dir;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to bind (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--port", defaultValue = "" + DEFAULT_PORT, description = "port to bind; 0 for any free port (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--hubs", paramLabel = "N",
            description = "hubs (loop threads) the connections are spread over (default: one per core, ${DEFAULT-VALUE} here)")
    int hubs = Runtime.getRuntime().availableProcessors();

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

    @Option(names = "--max-connections", defaultValue = "0", paramLabel = "N",
            description = {"connections served at once; more wait in the listen backlog (default: derived from the",
                "open-file limit, see StreamServer.defaultMaxConnections: (limit - open - max(64, limit/8)) / 2)"})
    int maxConnections;

    @Option(names = "--watchdog", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = {"report a hub that runs one greenlet longer than the threshold (default: on, 100ms;",
                "the threshold is the top-level 'gevent4j --watchdog=TIME serve ...')"})
    boolean watchdog;

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
        if (maxConnections < 0) {
            throw new CommandLine.ParameterException(cl, "--max-connections must not be negative: " + maxConnections);
        }
        String kind = what.toLowerCase(Locale.ROOT);
        if (!kind.equals("demo") && !kind.equals("echo") && !kind.equals("hello") && !kind.equals("chat")
                && !kind.equals("files")) {
            throw new CommandLine.ParameterException(cl,
                    "SERVER must be demo, echo or hello, or chat (the chat room), or files [DIR]: " + what);
        }
        if (watchdog) {
            io.gevent4j.Watchdog.enable(); // a server should say which greenlet blocks its hub
        } else {
            io.gevent4j.Watchdog.disable();
        }
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new CommandLine.ParameterException(cl, "--host: '" + host + "' is not an address of this machine"
                    + " nor a name that resolves (give an IP address such as 127.0.0.1, 0.0.0.0 or ::, or a name"
                    + " from /etc/hosts)");
        }
        if (dir != null && !kind.equals("files")) {
            throw new CommandLine.ParameterException(cl, "only 'files' takes a directory: " + dir);
        }
        java.nio.file.Path root = kind.equals("files") ? FileServer.root(dir) : null;
        PrintWriter out = cl.getOut();
        Consumer<String> log = accessLog ? line -> {
            synchronized (out) {
                out.println(line);
                out.flush();
            }
        } : line -> { };
        HubGroup group = HubGroup.start(hubs);
        io.gevent4j.management.GeventMBeans.register(group); // for jconsole/jcmd; the process owns the JVM
        // After the hubs have opened their selectors, so that the default counts them as open.
        int cap = maxConnections > 0 ? maxConnections : StreamServer.defaultMaxConnections();
        Running server;
        try {
            server = kind.equals("files")
                    ? FileServer.start(root, address, group, maxConnections > 0 ? cap : 0, accessLog ? log : null)
                    : kind.equals("hello") || kind.equals("chat") ? startHello(address, group, log, cap)
                    : startDemoOrEcho(kind, address, group, log, cap);
        } catch (IOException | RuntimeException e) {
            group.close();
            throw new IOException("cannot listen on " + host + ":" + port + ": " + Main.describe(e)
                    + " (choose another --port, 0 for any free one, or an address of this machine for --host)", e);
        }
        InetSocketAddress bound = server.address();
        out.printf(Locale.ROOT, "listening on %s:%d (%s server, %d hub%s, at most %s connections at once)%n",
                bound.getHostString(), bound.getPort(), kind, hubs, hubs == 1 ? "" : "s",
                cap == Integer.MAX_VALUE ? "unlimited" : Integer.toString(cap));
        if (root != null) {
            out.println(FileServer.banner(root, bound));
        }
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
        // SIGINT and SIGTERM run the JVM's shutdown hooks: the graceful stop happens there.
        Thread hook = Thread.ofPlatform().name("serve-stop").unstarted(() -> {
            stopping.set(true);
            server.stop(grace);
            group.close();
            synchronized (out) {
                out.println("stopped");
                out.flush();
            }
            stopped.countDown();
        });
        Runtime.getRuntime().addShutdownHook(hook);
        while (!stopped.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
            // A hub whose loop could not go on (issue 12, point 1): fail visibly, never stay up deaf.
            for (Hub h : group.hubs()) {
                if (h.isTerminated() && !stopping.get()) {
                    PrintWriter err = cl.getErr();
                    err.println("error: the loop of " + h + " died; the server stops");
                    err.flush();
                    return 70; // EX_SOFTWARE
                }
            }
        }
        return 0;
    }

    /** A started server: where it listens, and its graceful stop. */
    interface Running {
        InetSocketAddress address() throws IOException;

        void stop(Duration grace);
    }

    private Running startDemoOrEcho(String kind, InetSocketAddress address, HubGroup group, Consumer<String> log,
                                    int cap) throws IOException {
        DemoServer.Handler handler = kind.equals("demo") ? DemoServer.demoHandler(delay) : DemoServer.echoHandler();
        DemoServer server = DemoServer.start(DemoServer.Kind.GREENLETS, address, group.hubs(), handler, log, cap);
        return new Running() {
            @Override
            public InetSocketAddress address() throws IOException {
                return server.address();
            }

            @Override
            public void stop(Duration g) {
                server.close(g);
            }
        };
    }

    /** The HTTP/1.1 server answering "Hello, World!"; its access log (common log format) goes to {@code log}. */
    private Running startHello(InetSocketAddress address, HubGroup group, Consumer<String> log, int cap)
            throws IOException {
        // The command writes its own access line (common log format) rather than reconfiguring the
        // library's System.Logger "io.gevent4j.http.access": that logger stays the user's.
        HttpServer.Builder builder = HttpServer.builder(what.equalsIgnoreCase("chat") ? new ChatServer().handler()
                : (request, response) -> {
            response.header("Content-Type", "text/plain");
            response.send(200, HELLO);
            if (accessLog) {
                log.accept(commonLogLine(request, response.status(), HELLO.length()));
            }
        });
        if (maxConnections > 0) {
            builder.maxConnections(cap); // else the process-wide default limit, shared
        }
        HttpServer server = builder.listen(address).hubs(group).backlog(1024).name("hello").build().start();
        io.gevent4j.management.GeventMBeans.register(server, "hello:" + server.address().getPort());
        return new Running() {
            @Override
            public InetSocketAddress address() {
                return server.address();
            }

            @Override
            public void stop(Duration g) {
                server.stop(g);
            }
        };
    }

    static final String HELLO = "Hello, World!";

    private static final java.time.format.DateTimeFormatter CLF =
            java.time.format.DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT);

    /** One Common Log Format line, as the library's access log writes it. */
    static String commonLogLine(io.gevent4j.http.HttpRequest request, int status, long bytes) {
        return request.remoteAddress().getAddress().getHostAddress() + " - - ["
                + CLF.format(java.time.ZonedDateTime.now()) + "] \"" + request.method() + " " + request.target() + " "
                + request.version() + "\" " + status + " " + (bytes == 0 ? "-" : Long.toString(bytes));
    }
}
