package io.gevent4j.cli;

import io.gevent4j.HubGroup;
import io.gevent4j.http.HttpServer;
import io.gevent4j.web.StaticFiles;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

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

    /** Starts the server on {@code group}; {@code maxConnections} 0 keeps the process-wide default. */
    static ServeCommand.Running start(Path root, InetSocketAddress address, HubGroup group, int maxConnections,
            boolean accessLog) throws IOException {
        HttpServer.Builder builder = HttpServer.builder(StaticFiles.directory(root).directoryListing(true).build());
        if (maxConnections > 0) {
            builder.maxConnections(maxConnections);
        }
        HttpServer server = builder.listen(address).hubs(group).backlog(1024).name("files").accessLog(accessLog)
                .build().start();
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
