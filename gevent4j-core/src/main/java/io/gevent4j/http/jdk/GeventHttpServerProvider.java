package io.gevent4j.http.jdk;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import com.sun.net.httpserver.spi.HttpServerProvider;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;

/**
 * Runs existing {@code com.sun.net.httpserver} code (contexts, handlers, filters,
 * authenticators, {@code HttpExchange}) on the gevent4j HTTP server. Chosen by the JDK when
 * this class is named in the system property {@code com.sun.net.httpserver.HttpServerProvider},
 * or found by ServiceLoader when the opt-in jar {@code io.gevent4j:gevent4j-monkey} is on the class
 * or module path (the core jar alone registers nothing, so {@code HttpServer.create()} stays the
 * JDK's; with the opt-in, set the property to {@code sun.net.httpserver.DefaultHttpServerProvider}
 * to get the JDK's own server back).
 *
 * <p>Differences from the JDK's server: handlers run in the connection's greenlet on the
 * default hub, not on the {@link HttpServer#setExecutor executor} (kept and returned by
 * {@code getExecutor}, but unused): blocking calls in handlers park the greenlet. As with the
 * JDK's server, it binds in {@code create}/{@code bind} (connections wait in the backlog),
 * accepts from {@code start}, and from {@code start} to {@code stop} a non-daemon thread keeps
 * the JVM alive (the JDK's dispatcher thread does; code that returns from {@code main} after
 * {@code start()} relies on it); {@code stop(delay)} is the graceful stop. Where the JDK's server and gevent4j's differ, the
 * provider follows the JDK's (HTTP/1.1 without {@code Host} accepted, HEAD and 304 lengths from
 * the handler's headers, the connection kept when a handler fails after a complete response) and
 * honours its {@code sun.net.httpserver.*} system properties; the README lists the rules and the
 * remaining deviations (the parser is stricter than the JDK's: see {@link io.gevent4j.http.HttpServer}).
 * {@code HttpsConfigurator.configure} is called once, when the server binds (so
 * {@code HttpsParameters.getClientAddress()} is null there), and its parameters apply to every
 * connection.
 *
 * {@snippet :
 * // java -Dcom.sun.net.httpserver.HttpServerProvider=io.gevent4j.http.jdk.GeventHttpServerProvider ...
 * HttpServer server = HttpServer.create(new InetSocketAddress(8080), 0);
 * server.createContext("/", exchange -> {
 *     byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
 *     exchange.sendResponseHeaders(200, body.length);
 *     try (OutputStream out = exchange.getResponseBody()) {
 *         out.write(body);
 *     }
 * });
 * server.start();
 * }
 */
public final class GeventHttpServerProvider extends HttpServerProvider {
    /** Called by the JDK's ServiceLoader or property lookup. */
    public GeventHttpServerProvider() {}

    @Override
    public HttpServer createHttpServer(InetSocketAddress addr, int backlog) throws IOException {
        return createHttpServer(addr, backlog, JdkServerConfig.SYSTEM);
    }

    /** With settings other than the system properties' (tests). */
    static HttpServer createHttpServer(InetSocketAddress addr, int backlog, JdkServerConfig config)
            throws IOException {
        Plain s = new Plain(config);
        if (addr != null) {
            s.bind(addr, backlog);
        }
        return s;
    }

    @Override
    public HttpsServer createHttpsServer(InetSocketAddress addr, int backlog) throws IOException {
        Secure s = new Secure(JdkServerConfig.SYSTEM);
        if (addr != null) {
            s.bind(addr, backlog);
        }
        return s;
    }

    /** Runs the configurator's {@code configure} once and returns the parameters it chose. */
    static javax.net.ssl.SSLParameters parameters(HttpsConfigurator configurator) {
        javax.net.ssl.SSLParameters[] chosen = {null};
        com.sun.net.httpserver.HttpsParameters p = new com.sun.net.httpserver.HttpsParameters() {
            @Override
            public HttpsConfigurator getHttpsConfigurator() {
                return configurator;
            }

            @Override
            public InetSocketAddress getClientAddress() {
                return null; // configured once for all connections
            }

            @Override
            public void setSSLParameters(javax.net.ssl.SSLParameters params) {
                chosen[0] = params;
            }
        };
        configurator.configure(p);
        if (chosen[0] != null) {
            return chosen[0];
        }
        // A configurator that used the older setters instead of setSSLParameters.
        javax.net.ssl.SSLParameters d = configurator.getSSLContext().getDefaultSSLParameters();
        if (p.getCipherSuites() != null) {
            d.setCipherSuites(p.getCipherSuites());
        }
        if (p.getProtocols() != null) {
            d.setProtocols(p.getProtocols());
        }
        if (p.getNeedClientAuth()) {
            d.setNeedClientAuth(true);
        } else if (p.getWantClientAuth()) {
            d.setWantClientAuth(true);
        }
        return d;
    }

    private static final class Plain extends HttpServer {
        private final Contexts c;

        Plain(JdkServerConfig config) {
            c = new Contexts(this, config);
        }

        @Override
        public void bind(InetSocketAddress addr, int backlog) throws IOException {
            c.bind(addr, backlog);
            c.bindNow(null, null);
        }

        @Override
        public void start() {
            c.start();
        }

        @Override
        public void setExecutor(Executor executor) {
            c.executor(executor);
        }

        @Override
        public Executor getExecutor() {
            return c.executor();
        }

        @Override
        public void stop(int delay) {
            c.stop(delay);
        }

        @Override
        public HttpContext createContext(String path, HttpHandler handler) {
            return c.create(path, java.util.Objects.requireNonNull(handler, "handler"));
        }

        @Override
        public HttpContext createContext(String path) {
            return c.create(path, null);
        }

        @Override
        public void removeContext(String path) {
            c.remove(path);
        }

        @Override
        public void removeContext(HttpContext context) {
            c.remove(context);
        }

        @Override
        public InetSocketAddress getAddress() {
            return c.address();
        }
    }

    private static final class Secure extends HttpsServer {
        private final Contexts c;

        Secure(JdkServerConfig config) {
            c = new Contexts(this, config);
        }
        private HttpsConfigurator configurator;
        private boolean bound;

        @Override
        public void bind(InetSocketAddress addr, int backlog) throws IOException {
            c.bind(addr, backlog); // TLS needs the configurator: the socket is bound on setHttpsConfigurator or start
        }

        @Override
        public void setHttpsConfigurator(HttpsConfigurator config) {
            this.configurator = java.util.Objects.requireNonNull(config, "config");
            bindIfReady();
        }

        private void bindIfReady() {
            if (!bound && configurator != null && c.isBound()) {
                try {
                    c.bindNow(configurator.getSSLContext(), parameters(configurator));
                    bound = true;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }

        @Override
        public HttpsConfigurator getHttpsConfigurator() {
            return configurator;
        }

        @Override
        public void start() {
            if (configurator == null) {
                throw new IllegalStateException("HttpsConfigurator not set");
            }
            bindIfReady();
            c.start();
        }

        @Override
        public void setExecutor(Executor executor) {
            c.executor(executor);
        }

        @Override
        public Executor getExecutor() {
            return c.executor();
        }

        @Override
        public void stop(int delay) {
            c.stop(delay);
        }

        @Override
        public HttpContext createContext(String path, HttpHandler handler) {
            return c.create(path, java.util.Objects.requireNonNull(handler, "handler"));
        }

        @Override
        public HttpContext createContext(String path) {
            return c.create(path, null);
        }

        @Override
        public void removeContext(String path) {
            c.remove(path);
        }

        @Override
        public void removeContext(HttpContext context) {
            c.remove(context);
        }

        @Override
        public InetSocketAddress getAddress() {
            return c.address();
        }
    }
}
