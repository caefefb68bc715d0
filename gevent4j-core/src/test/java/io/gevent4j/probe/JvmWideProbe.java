package io.gevent4j.probe;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.spi.HttpServerProvider;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * Run in a forked JVM by {@code NothingGlobalTest} (and by gevent4j-monkey's test): does what code
 * that never heard of gevent4j does with the two JVM-wide services gevent4j can take over, and
 * prints one {@code key=value} line per observation. Its package is not one of the core module's (a class path package of a module on the module path would be hidden by it). It uses no gevent4j class, and no test
 * library, so it runs with only the jars under test on its class path.
 */
public final class JvmWideProbe {
    private JvmWideProbe() {}

    public static void main(String[] args) throws Exception {
        // The HTTP server: which provider the JDK chose, and whether a request is served.
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        System.out.println("httpProvider=" + HttpServerProvider.provider().getClass().getName());
        System.out.println("httpServer=" + server.getClass().getName());
        server.createContext("/", exchange -> {
            byte[] body = "probe".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            var url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/").toURL();
            HttpURLConnection c = (HttpURLConnection) url.openConnection();
            c.setConnectTimeout(10_000);
            c.setReadTimeout(10_000);
            try (InputStream in = c.getInputStream()) {
                System.out.println("httpAnswer=" + c.getResponseCode() + " " + new String(in.readAllBytes(), StandardCharsets.US_ASCII));
            }
        } finally {
            server.stop(0);
        }
        // The resolver: a local name (never a real one through the system resolver), then the
        // resolver the JDK installed, read from InetAddress (needs --add-opens java.base/java.net).
        System.out.println("localhost=" + InetAddress.getByName("localhost").isLoopbackAddress());
        Field resolver = InetAddress.class.getDeclaredField("resolver");
        Field builtin = InetAddress.class.getDeclaredField("BUILTIN_RESOLVER");
        resolver.setAccessible(true);
        builtin.setAccessible(true);
        Object installed = resolver.get(null);
        System.out.println("resolverIsBuiltin=" + (installed == builtin.get(null)));
        System.out.println("resolver=" + installed.getClass().getName());
        System.out.println("uncaughtHandler=" + Thread.getDefaultUncaughtExceptionHandler());
        System.out.println("gevent4jThreads=" + Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().contains("gevent4j")).count());
        System.out.println("gevent4jProperties=" + System.getProperties().stringPropertyNames().stream()
                .filter(k -> k.contains("gevent4j") || k.startsWith("com.sun.net.httpserver")).count());
    }
}
