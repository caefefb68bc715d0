package io.gevent4j.monkey.probe;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.spi.HttpServerProvider;
import io.gevent4j.Gevent;
import io.gevent4j.dns.Dns;
import io.gevent4j.dns.DnsConfig;
import io.gevent4j.dns.Resolver;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * Run in a forked JVM by {@code MonkeyTest}: code written for the JDK (an {@code HttpServer},
 * {@code InetAddress} inside a greenlet) with gevent4j-monkey present; prints one
 * {@code key=value} line per observation. Its package is not the monkey module's, so it runs
 * from the class path beside that module on the module path.
 */
public final class MonkeyProbe {
    private MonkeyProbe() {}

    public static void main(String[] args) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        System.out.println("httpProvider=" + HttpServerProvider.provider().getClass().getName());
        System.out.println("httpServerFromGevent4j=" + server.getClass().getName().startsWith("io.gevent4j."));
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
        // A local name first (outside a greenlet even the hub resolver asks the JDK's built-in
        // one), which makes the JDK install its resolver; then read which one it installed.
        System.out.println("localhost=" + InetAddress.getByName("localhost").isLoopbackAddress());
        Field resolver = InetAddress.class.getDeclaredField("resolver");
        resolver.setAccessible(true);
        String installed = resolver.get(null).getClass().getName();
        System.out.println("resolver=" + installed);
        // A name only the hub resolver knows (its hosts text; the nameserver is never asked):
        // InetAddress inside a greenlet finds it only when the hub resolver is behind InetAddress.
        // Asked only then: the system resolver must never see a made-up name.
        if (!installed.startsWith("io.gevent4j.")) {
            System.out.println("greenletLookup=skipped");
            return;
        }
        Dns.setResolver(Resolver.of(DnsConfig.of(List.of(new InetSocketAddress("127.0.0.1", 9))),
                "192.0.2.55 monkey.test\n"));
        String found = Gevent.spawn(() -> InetAddress.getByName("monkey.test").getHostAddress())
                .result(Duration.ofSeconds(10));
        System.out.println("greenletLookup=" + found);
    }
}
