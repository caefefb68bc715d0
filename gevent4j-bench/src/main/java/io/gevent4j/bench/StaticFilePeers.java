package io.gevent4j.bench;

import io.gevent4j.http.HttpServer;
import io.gevent4j.web.StaticFiles;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Static file servers for an outside load generator ({@code scripts/static-files-wrk.sh}): each
 * framework serving a directory with its own idiomatic static handler, keep-alive, default
 * worker settings. {@code javalin}: Javalin 6 (Jetty 11),
 * {@code config.staticFiles.add(dir, Location.EXTERNAL)}; {@code helidon}: Helidon SE 4's
 * {@code StaticContentFeature} file-system handler registered on the routing (its default: a
 * virtual thread per request); {@code gevent4j}: {@link StaticFiles} on an {@link HttpServer}
 * with its default hubs, as {@code gevent4j serve files} runs it (the script measures the command
 * itself; this one is here to compare the handler without the command's options).
 * Usage: {@code StaticFilePeers javalin|helidon|gevent4j DIR PORT}. Runs until killed.
 */
public final class StaticFilePeers {
    private StaticFilePeers() {}

    /**
     * Starts one server on 127.0.0.1 and waits until the process is killed.
     *
     * @param args {@code javalin|helidon|gevent4j DIR PORT}
     * @throws Exception if the server cannot start
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: StaticFilePeers javalin|helidon|gevent4j DIR PORT");
        }
        String impl = args[0];
        Path dir = Path.of(args[1]).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("not a directory: " + dir);
        }
        int port = Integer.parseInt(args[2]);
        switch (impl) {
            case "javalin" -> {
                io.javalin.Javalin app = io.javalin.Javalin.create(config -> {
                    config.showJavalinBanner = false;
                    config.staticFiles.add(dir.toString(), io.javalin.http.staticfiles.Location.EXTERNAL);
                });
                app.start("127.0.0.1", port);
                System.out.println("javalin static files of " + dir + " on port " + app.port());
            }
            case "helidon" -> {
                io.helidon.webserver.http.HttpRouting.Builder routing = io.helidon.webserver.http.HttpRouting.builder()
                        .register("/", io.helidon.webserver.staticcontent.StaticContentFeature.createService(
                                io.helidon.webserver.staticcontent.FileSystemHandlerConfig.create(dir)));
                io.helidon.webserver.WebServer server = io.helidon.webserver.WebServer.builder()
                        .host("127.0.0.1").port(port).routing(routing).build().start();
                System.out.println("helidon static files of " + dir + " on port " + server.port());
            }
            case "gevent4j" -> {
                HttpServer server = HttpServer.builder(StaticFiles.directory(dir).build())
                        .listen(new InetSocketAddress("127.0.0.1", port)).backlog(1024).build().start();
                System.out.println("gevent4j static files of " + dir + " on " + server.address());
            }
            default -> throw new IllegalArgumentException("unknown server " + impl + ": javalin, helidon or gevent4j");
        }
        Thread.currentThread().join();
    }
}
