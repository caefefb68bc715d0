package io.gevent4j.http.jdk;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsServer;
import com.sun.net.httpserver.spi.HttpServerProvider;
import io.gevent4j.Greenlet;
import io.gevent4j.server.SelfSignedTls;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plain {@code com.sun.net.httpserver} code, unchanged, served by gevent4j through the provider. */
class JdkHttpServerProviderTest {
    static final InetSocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    static HttpResponse<String> get(HttpClient c, URI uri, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return c.send(b.build(), BodyHandlers.ofString());
    }

    @Test
    void theServiceLoaderChoosesThisProvider() {
        assertThat(HttpServerProvider.provider()).isInstanceOf(GeventHttpServerProvider.class);
    }

    static java.util.Optional<Thread> thread(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).findFirst();
    }

    @Test
    void startKeepsTheJvmAliveUntilStopAsTheJdksDispatcherDoes() throws Exception {
        // Code that returns from main after start() relies on the JDK server's non-daemon
        // dispatcher thread; the hub's loop is a daemon, so the provider keeps a thread of its own.
        HttpServer server = HttpServer.create(LOOPBACK, 0);
        server.createContext("/", ex -> {
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        String name = "gevent4j-jdk-httpserver-" + server.getAddress().getPort();
        assertThat(thread(name)).as("bound, not started: nothing keeps the JVM").isEmpty();
        server.start();
        Thread keeper = thread(name).orElseThrow();
        assertThat(keeper.isDaemon()).isFalse();
        try (HttpClient c = HttpClient.newHttpClient()) {
            URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
            assertThat(get(c, uri).statusCode()).isEqualTo(204);
        }
        server.stop(0);
        keeper.join(Duration.ofSeconds(10));
        assertThat(keeper.isAlive()).as("stop() lets the JVM end").isFalse();
    }

    @Test
    void aServerBoundButNeverStartedCanBeStopped() throws Exception {
        HttpServer server = HttpServer.create(LOOPBACK, 0);
        int port = server.getAddress().getPort();
        assertThat(port).isPositive();
        server.stop(0);
        // the port is free again: a new server binds it
        HttpServer again = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        assertThat(again.getAddress().getPort()).isEqualTo(port);
        again.stop(0);
    }

    @Test
    void runsContextsHandlersFiltersAndAuthenticatorsUnchanged() throws Exception {
        List<String> filtered = new CopyOnWriteArrayList<>();
        List<Boolean> inGreenlet = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(LOOPBACK, 0);
        server.createContext("/", ex -> {
            byte[] body = ("root " + ex.getRequestURI().getPath()).getBytes(UTF_8);
            ex.getResponseHeaders().add("Content-Type", "text/plain");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        HttpContext echo = server.createContext("/echo", ex -> {
            inGreenlet.add(Greenlet.current().isPresent());
            byte[] in = ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(201, 0); // 0: chunked, any length
            try (OutputStream out = ex.getResponseBody()) {
                out.write(ex.getRequestMethod().getBytes(UTF_8));
                out.write(':');
                out.write(in);
            }
        });
        echo.getFilters().add(new Filter() {
            @Override
            public void doFilter(HttpExchange ex, Chain chain) throws IOException {
                filtered.add(ex.getRequestURI().toString());
                ex.getResponseHeaders().add("X-Filtered", "yes");
                chain.doFilter(ex);
            }

            @Override
            public String description() {
                return "records";
            }
        });
        server.createContext("/secret", ex -> {
            ex.sendResponseHeaders(200, -1);
            ex.close();
        }).setAuthenticator(new BasicAuthenticator("test") {
            @Override
            public boolean checkCredentials(String user, String password) {
                return user.equals("u") && password.equals("p");
            }
        });
        server.start();
        try (HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
            HttpResponse<String> root = get(c, base.resolve("/any/where"));
            assertThat(root.statusCode()).isEqualTo(200);
            assertThat(root.body()).isEqualTo("root /any/where");
            HttpResponse<String> posted = c.send(HttpRequest.newBuilder(base.resolve("/echo/x?y=1"))
                    .POST(HttpRequest.BodyPublishers.ofString("payload")).build(), BodyHandlers.ofString());
            assertThat(posted.statusCode()).isEqualTo(201);
            assertThat(posted.body()).isEqualTo("POST:payload");
            assertThat(posted.headers().firstValue("X-Filtered")).hasValue("yes");
            assertThat(filtered).containsExactly("/echo/x?y=1");
            assertThat(inGreenlet).containsExactly(true);
            assertThat(get(c, base.resolve("/secret")).statusCode()).isEqualTo(401);
            String auth = "Basic " + Base64.getEncoder().encodeToString("u:p".getBytes(UTF_8));
            assertThat(get(c, base.resolve("/secret"), "Authorization", auth).statusCode()).isEqualTo(200);
            server.removeContext("/");
            assertThat(get(c, base.resolve("/gone")).statusCode()).isEqualTo(404);
            assertThatThrownBy(() -> server.createContext("/echo")).isInstanceOf(IllegalArgumentException.class);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void runsAnHttpsServerWithItsConfigurator(@TempDir Path dir) throws Exception {
        SSLContext ctx = SelfSignedTls.context(dir);
        HttpsServer server = HttpsServer.create(LOOPBACK, 0);
        List<String> configured = new CopyOnWriteArrayList<>();
        server.setHttpsConfigurator(new HttpsConfigurator(ctx) {
            @Override
            public void configure(com.sun.net.httpserver.HttpsParameters params) {
                javax.net.ssl.SSLParameters p = getSSLContext().getDefaultSSLParameters();
                p.setProtocols(new String[] {"TLSv1.2"});
                params.setSSLParameters(p);
                configured.add("yes");
            }
        });
        server.createContext("/", ex -> {
            String proto = ((HttpsExchange) ex).getSSLSession().getProtocol();
            byte[] body = proto.getBytes(UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        try (HttpClient c = HttpClient.newBuilder().sslContext(ctx).version(HttpClient.Version.HTTP_1_1).build()) {
            HttpResponse<String> r = get(c, URI.create("https://localhost:" + server.getAddress().getPort() + "/"));
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("TLSv1.2"); // the configurator's choice
            assertThat(configured).containsExactly("yes");
        } finally {
            server.stop(0);
        }
    }
}
