package io.gevent4j.cli;

import io.gevent4j.HubGroup;
import io.gevent4j.http.HttpHandler;
import io.gevent4j.http.HttpServer;
import io.gevent4j.web.StaticFiles;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * {@code gevent4j serve files [DIR]}: a static file server for a directory (the working
 * directory by default), like {@code jwebserver} or {@code python -m http.server}: directory
 * listings on, dot-files hidden, ranges, validators and pre-compressed variants as
 * {@link StaticFiles} serves them.
 */
final class FileServer {
    private FileServer() {}

    /** The directory to serve: {@code dir}, or the working directory; fails if it is not a directory. */
    static Path root(String dir) throws IOException {
        Path p = Path.of(dir == null ? "." : dir).toAbsolutePath().normalize();
        if (!Files.isDirectory(p)) {
            throw new IOException("not a directory: " + p);
        }
        return p;
    }

    /**
     * Starts the server on {@code group}; {@code maxConnections} 0 keeps the process-wide default.
     * With a {@code log}, one common-log-format line per request goes to it (the library's own
     * access logger is left to the user).
     */
    static ServeCommand.Running start(Path root, InetSocketAddress address, HubGroup group, int maxConnections,
            Consumer<String> log) throws IOException {
        HttpHandler files = StaticFiles.directory(root).directoryListing(true).build();
        HttpHandler handler = log == null ? files : (request, response) -> {
            try {
                files.handle(request, response);
            } finally {
                long bytes = request.method().equals("HEAD") ? 0
                        : response.headers().first("Content-Length").map(Long::parseLong).orElse(0L);
                log.accept(ServeCommand.commonLogLine(request, response.status(), bytes));
            }
        };
        HttpServer.Builder builder = HttpServer.builder(handler);
        if (maxConnections > 0) {
            builder.maxConnections(maxConnections);
        }
        HttpServer server = builder.listen(address).hubs(group).backlog(1024).name("files").build().start();
        return new ServeCommand.Running() {
            @Override
            public InetSocketAddress address() {
                return server.address();
            }

            @Override
            public void stop(Duration grace) {
                server.stop(grace);
            }
        };
    }

    /** The line printed after the address: what is served, at which URL. */
    static String banner(Path root, InetSocketAddress bound) {
        String host = bound.getHostString();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return "serving " + root + " at http://" + host + ":" + bound.getPort() + "/";
    }
}
