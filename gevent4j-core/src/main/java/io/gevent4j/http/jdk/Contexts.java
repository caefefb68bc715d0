package io.gevent4j.http.jdk;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.gevent4j.Hub;
import io.gevent4j.Timeout;
import io.gevent4j.http.HttpRequest;
import io.gevent4j.http.HttpResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLContext;

/**
 * What the JDK-API servers share: their contexts, the bind/start/stop life cycle over an
 * {@link io.gevent4j.http.HttpServer}, and the dispatch of a request to the context with the
 * longest matching path prefix (the JDK's rule), through its filters and authenticator.
 * Contexts may change from any thread while requests run: the list is copied on write.
 */
final class Contexts {
    private static final System.Logger LOG = System.getLogger("com.sun.net.httpserver");
    private volatile List<Ctx> contexts = List.of();
    private InetSocketAddress address;
    private int backlog;
    private Executor executor;
    private io.gevent4j.http.HttpServer server;
    private InetSocketAddress boundAddress;
    private java.nio.channels.ServerSocketChannel listening;
    /** Set by stop(); a non-daemon thread waits on it from start() on. */
    private io.gevent4j.Event liveness;
    private final HttpServer owner;
    private final JdkServerConfig config;

    Contexts(HttpServer owner, JdkServerConfig config) {
        this.owner = owner;
        this.config = config;
    }

    synchronized void bind(InetSocketAddress addr, int backlog) throws IOException {
        if (server != null || address != null) {
            throw new IllegalStateException("already bound");
        }
        if (addr != null && addr.isUnresolved()) {
            throw new java.net.SocketException("Unresolved address"); // what the JDK's server throws
        }
        this.address = addr == null ? new InetSocketAddress(0) : addr;
        this.backlog = backlog <= 0 ? 1024 : backlog;
    }

    /**
     * Binds now, as the JDK does in create/bind (the port is known, and connections wait in the
     * listen backlog until {@link #start}).
     */
    synchronized void bindNow(SSLContext ssl, javax.net.ssl.SSLParameters params) throws IOException {
        if (server != null) {
            return;
        }
        java.nio.channels.ServerSocketChannel channel = java.nio.channels.ServerSocketChannel.open();
        try {
            channel.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true);
            channel.bind(address, backlog);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        io.gevent4j.http.HttpServer.Builder b = io.gevent4j.http.HttpServer.builder(this::dispatch)
                .listen(channel).name("JdkHttpServer")
                .maxBodyBytes(Long.MAX_VALUE); // the JDK's server has no body limit: handlers expect none
        config.apply(b);
        if (ssl != null) {
            if (params != null) {
                b.ssl(ssl, params);
            } else {
                b.ssl(ssl);
            }
        }
        if (Boolean.getBoolean("gevent4j.httpserver.accessLog")) {
            b.accessLog(true);
        }
        server = b.hub(Hub.defaultHub()).build();
        listening = channel;
        boundAddress = (InetSocketAddress) channel.getLocalAddress();
    }

    synchronized boolean isBound() {
        return address != null;
    }

    /**
     * Starts accepting, and keeps the JVM alive until {@link #stop}: the JDK's server does so
     * with its non-daemon dispatcher thread, and code that returns from {@code main} after
     * {@code start()} relies on it. The hub's loop is a daemon, so a non-daemon thread that
     * waits for the stop stands in for the dispatcher.
     */
    synchronized void start() {
        if (server == null) {
            throw new IllegalStateException("not bound");
        }
        if (liveness != null) {
            throw new IllegalStateException("already started");
        }
        try {
            server.start();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot start " + owner, e);
        }
        io.gevent4j.Event stopped = new io.gevent4j.Event();
        Thread t = Thread.ofPlatform().daemon(false).name("gevent4j-jdk-httpserver-" + boundAddress.getPort())
                .unstarted(stopped::await);
        liveness = stopped;
        t.start();
    }

    synchronized void executor(Executor e) {
        this.executor = e;
    }

    synchronized Executor executor() {
        return executor;
    }

    void stop(int delaySeconds) {
        if (delaySeconds < 0) {
            throw new IllegalArgumentException("negative delay: " + delaySeconds);
        }
        io.gevent4j.http.HttpServer s;
        java.nio.channels.ServerSocketChannel listening;
        synchronized (this) {
            s = server;
            listening = this.listening;
        }
        if (s == null) {
            throw new IllegalStateException("not started");
        }
        try {
            if (s.streamServer().isStarted()) {
                s.stop(Duration.ofSeconds(delaySeconds));
            } else {
                listening.close(); // bound but never started
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            io.gevent4j.Event l;
            synchronized (this) {
                l = liveness;
            }
            if (l != null) {
                l.set();
            }
        }
    }

    synchronized InetSocketAddress address() {
        return boundAddress != null ? boundAddress : address;
    }

    synchronized HttpContext create(String path, HttpHandler handler) {
        Objects.requireNonNull(path, "path");
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("a context path must start with /: " + path);
        }
        for (Ctx c : contexts) {
            if (c.path.equals(path)) {
                throw new IllegalArgumentException("cannot add context to list: " + path);
            }
        }
        Ctx c = new Ctx(path, handler);
        List<Ctx> next = new ArrayList<>(contexts);
        next.add(c);
        contexts = List.copyOf(next);
        return c;
    }

    synchronized void remove(String path) {
        List<Ctx> next = new ArrayList<>(contexts);
        if (!next.removeIf(c -> c.path.equals(path))) {
            throw new IllegalArgumentException("cannot remove element from list: " + path);
        }
        contexts = List.copyOf(next);
    }

    synchronized void remove(HttpContext context) {
        List<Ctx> next = new ArrayList<>(contexts);
        if (!next.remove(context)) {
            throw new IllegalArgumentException("cannot remove element from list");
        }
        contexts = List.copyOf(next);
    }

    private Ctx find(String path) {
        Ctx best = null;
        for (Ctx c : contexts) {
            if (path.startsWith(c.path) && (best == null || c.path.length() > best.path.length())) {
                best = c;
            }
        }
        return best;
    }

    private void dispatch(HttpRequest request, HttpResponse response) throws Exception {
        Ctx ctx = find(request.path());
        if (ctx == null || ctx.handler == null) {
            response.send(404, "<h1>404 Not Found</h1>No context found for request");
            return;
        }
        Exchange ex = new Exchange(request, response, ctx);
        Duration limit = config.maxRspTime;
        long started = System.nanoTime();
        Timeout deadline = limit == null ? null : Timeout.start(limit);
        Throwable failure = null;
        boolean timedOut = false;
        try {
            handle(ctx, ex);
        } catch (Timeout t) {
            if (t != deadline) {
                throw t;
            }
            timedOut = true;
        } catch (io.gevent4j.GreenletExit e) {
            throw e;
        } catch (Exception | Error e) {
            failure = e;
        } finally {
            if (deadline != null) {
                try {
                    deadline.close(); // throws the deadline if it cut a JDK call short and the handler went on
                } catch (Timeout t) {
                    if (t != deadline) {
                        throw t;
                    }
                    timedOut = true;
                }
            }
        }
        if (limit != null && (timedOut || overdue(started, limit))
                && (!ex.writeFinished() || ex.completedAt() - started >= limit.toNanos())) {
            // the handler ran past maxRspTime (or failed because the deadline interrupted it)
            Thread.interrupted(); // the deadline's interrupt, if the handler kept it
            ex.abort();
            throw new java.net.SocketException("the response took longer than sun.net.httpserver.maxRspTime");
        }
        if (ex.aborted()) {
            throw new java.net.SocketException("the exchange was closed before a response was sent");
        }
        if (failure != null && !ex.responseStarted()) {
            // The JDK's rule: a handler (or filter) that fails before any of its response is
            // out ends the connection without a response; the client sees it closed.
            LOG.log(System.Logger.Level.WARNING, "handler failed before sending a response: " + request, failure);
            ex.abort();
            throw new java.net.SocketException("the handler failed before sending a response");
        }
        boolean complete = ex.writeFinished();
        ex.finish();
        if (failure != null) {
            if (!complete) {
                if (failure instanceof Exception e) {
                    throw e;
                }
                throw (Error) failure;
            }
            // The JDK's rule: a handler that fails after its response is complete leaves the
            // connection open for the next request.
            LOG.log(System.Logger.Level.DEBUG, "handler failed after its response was complete: " + request, failure);
        }
    }

    private void handle(Ctx ctx, Exchange ex) throws IOException {
        Authenticator auth = ctx.authenticator;
        if (auth != null) {
            Authenticator.Result r = auth.authenticate(ex);
            if (r instanceof Authenticator.Success s) {
                ex.principal(s.getPrincipal());
            } else if (r instanceof Authenticator.Failure f) {
                ex.sendResponseHeaders(f.getResponseCode(), -1);
                return;
            } else if (r instanceof Authenticator.Retry rt) {
                ex.sendResponseHeaders(rt.getResponseCode(), -1);
                return;
            }
        }
        new Filter.Chain(new ArrayList<>(ctx.filters), ctx.handler).doFilter(ex);
    }

    private static boolean overdue(long started, Duration limit) {
        return System.nanoTime() - started >= limit.toNanos();
    }

    /** One context: a path prefix, its handler, filters, attributes and authenticator. */
    final class Ctx extends HttpContext {
        final String path;
        volatile HttpHandler handler;
        final List<Filter> filters = new java.util.concurrent.CopyOnWriteArrayList<>();
        final Map<String, Object> attributes = new java.util.concurrent.ConcurrentHashMap<>();
        volatile Authenticator authenticator;

        Ctx(String path, HttpHandler handler) {
            this.path = path;
            this.handler = handler;
        }

        @Override
        public HttpHandler getHandler() {
            return handler;
        }

        @Override
        public void setHandler(HttpHandler h) {
            Objects.requireNonNull(h, "handler");
            if (handler != null) {
                throw new IllegalArgumentException("handler already set");
            }
            handler = h;
        }

        @Override
        public String getPath() {
            return path;
        }

        @Override
        public HttpServer getServer() {
            return owner;
        }

        @Override
        public Map<String, Object> getAttributes() {
            return attributes;
        }

        @Override
        public List<Filter> getFilters() {
            return filters;
        }

        @Override
        public Authenticator setAuthenticator(Authenticator auth) {
            Authenticator old = authenticator;
            authenticator = auth;
            return old;
        }

        @Override
        public Authenticator getAuthenticator() {
            return authenticator;
        }
    }
}
