package io.gevent4j.monkey;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import com.sun.net.httpserver.spi.HttpServerProvider;
import io.gevent4j.http.jdk.GeventHttpServerProvider;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * The {@code com.sun.net.httpserver} half of the opt-in: registered for {@link java.util.ServiceLoader}
 * by this artifact only, so {@code HttpServer.create()} returns gevent4j's server exactly when
 * {@code gevent4j-monkey} is on the class or module path. It delegates every call to the core's
 * {@link GeventHttpServerProvider}. Not called by user code; the JDK creates it once, on the first
 * {@code HttpServer.create()} of the JVM (unless the system property
 * {@code com.sun.net.httpserver.HttpServerProvider} names another provider, which wins).
 */
public final class MonkeyHttpServerProvider extends HttpServerProvider {
    private final GeventHttpServerProvider provider = new GeventHttpServerProvider();

    /** Called by {@link java.util.ServiceLoader}. */
    public MonkeyHttpServerProvider() {}

    @Override
    public HttpServer createHttpServer(InetSocketAddress addr, int backlog) throws IOException {
        return provider.createHttpServer(addr, backlog);
    }

    @Override
    public HttpsServer createHttpsServer(InetSocketAddress addr, int backlog) throws IOException {
        return provider.createHttpsServer(addr, backlog);
    }
}
