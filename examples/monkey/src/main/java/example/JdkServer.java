package example;

import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * Unchanged com.sun.net.httpserver code: with gevent4j-monkey on the class path, HttpServer.create()
 * returns gevent4j's server and the handler runs in a greenlet. Exits with 1 if either is not so.
 */
public class JdkServer {
    public static void main(String[] args) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            // The only gevent4j call in this program, to check where the handler runs.
            byte[] body = ("in a greenlet: " + io.gevent4j.Greenlet.current().isPresent()).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        String answer;
        try {
            var url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/").toURL();
            HttpURLConnection c = (HttpURLConnection) url.openConnection();
            c.setReadTimeout(10_000);
            try (InputStream in = c.getInputStream()) {
                answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } finally {
            server.stop(0);
        }
        System.out.println(server.getClass().getName() + ": " + answer);
        if (!server.getClass().getName().startsWith("io.gevent4j.") || !answer.equals("in a greenlet: true")) {
            System.exit(1);
        }
    }
}
