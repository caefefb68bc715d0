package io.gevent4j.bench;

import io.gevent4j.HubGroup;
import io.gevent4j.http.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * Hello-world HTTP servers for external load tools (wrk, ab), gevent4j beside the JDK's
 * {@code HttpServer} with a virtual-thread executor, same body and headers. {@code jdk-api} is
 * the very same {@code com.sun.net.httpserver} code with gevent4j's provider chosen (by the
 * system property, as gevent4j-monkey would by its presence): what existing JDK-server code gains unchanged.
 * Usage: {@code HttpHelloServer gevent4j|jdk|jdk-api PORT [HUBS] [sleepMillis]}. Runs until killed.
 */
public final class HttpHelloServer {
    private HttpHelloServer() {}

    public static void main(String[] args) throws Exception {
        String impl = args[0];
        int port = Integer.parseInt(args[1]);
        int hubs = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        long sleepMillis = args.length > 3 ? Long.parseLong(args[3]) : 0;
        byte[] body = "Hello, World!".getBytes(StandardCharsets.US_ASCII);
        if (impl.equals("gevent4j")) {
            HubGroup group = HubGroup.start(hubs);
            HttpServer server = HttpServer.builder((req, res) -> {
                if (sleepMillis > 0) {
                    io.gevent4j.Gevent.sleep(java.time.Duration.ofMillis(sleepMillis));
                }
                res.header("Content-Type", "text/plain").send(body);
            }).listen(new InetSocketAddress("127.0.0.1", port)).backlog(4096).hubs(group).reusePort(hubs > 1).build().start();
            System.out.println("gevent4j http listening on " + server.address() + " with " + hubs + " hub(s)");
            server.serveForever();
        } else {
            if (impl.equals("jdk-api")) {
                // The same JDK-API code on gevent4j's provider: the core jar registers nothing, so
                // name the provider (the route without gevent4j-monkey).
                System.setProperty("com.sun.net.httpserver.HttpServerProvider", "io.gevent4j.http.jdk.GeventHttpServerProvider");
            } else if (!impl.equals("jdk")) {
                throw new IllegalArgumentException("gevent4j, jdk or jdk-api: " + impl);
            }
            com.sun.net.httpserver.HttpServer server =
                    com.sun.net.httpserver.HttpServer.create(new InetSocketAddress("127.0.0.1", port), 4096);
            server.createContext("/", ex -> {
                if (sleepMillis > 0) {
                    try {
                        Thread.sleep(sleepMillis);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                ex.getResponseHeaders().set("Content-Type", "text/plain");
                ex.sendResponseHeaders(200, body.length);
                try (OutputStream os = ex.getResponseBody()) {
                    os.write(body);
                }
            });
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.start();
            System.out.println("jdk httpserver listening on " + port + " (" + server.getClass().getName() + ")");
        }
    }
}
