package io.gevent4j.http;

import io.gevent4j.Hub;
import io.gevent4j.HubGroup;
import io.gevent4j.server.StreamServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * An HTTP/1.1 server on a {@link StreamServer}: gevent's {@code pywsgi} without its known
 * weaknesses (graceful stop, idle and slow-client time-outs, a connection limit, strict
 * parsing that refuses request smuggling).
 *
 * <p>Who may call it: any thread or greenlet. {@link #start()} returns at once;
 * {@link #serveForever()} blocks until the server is stopped; {@link #stop(Duration)} closes idle
 * keep-alive connections at once, lets requests in progress finish until the time-out, then
 * kills what is left. Each connection is served in its own greenlet, where the
 * {@link HttpHandler} runs as plain blocking code.
 *
 * <p>Protocol: HTTP/1.0 and 1.1, keep-alive, pipelining (answered in order, responses coalesced
 * into as few writes as possible), chunked request and response bodies, {@code 100 Continue}
 * sent only when the handler reads the body, HEAD, 204/304 without a body, automatic
 * Content-Length or chunked framing, a {@code Date} header formatted once per second. Refusals:
 * 414 (request line too long), 431 (header section too large, too many fields), 400 (malformed
 * input, any smuggling shape; the connection is closed), 408 (head or body too slow), 413 (body
 * larger than {@code maxBodyBytes}), 501 (CONNECT, transfer codings other than chunked), 505.
 * A handler exception before the response started gives a 500 and the connection goes on.
 * An access log in the common log format goes to the System.Logger
 * {@code io.gevent4j.http.access} at INFO when {@code accessLog(true)}.
 *
 * {@snippet :
 * HttpServer server = HttpServer.builder((request, response) -> response.send(200, "hello\n"))
 *         .listen("127.0.0.1:8080")
 *         .build()
 *         .start();
 * server.serveForever();
 * }
 */
public final class HttpServer implements AutoCloseable {
    /** The options a connection needs; immutable, shared by every connection. */
    record Settings(HttpHandler handler, int maxRequestLine, int maxHeaderBytes, int maxHeaders, long maxBodyBytes,
            long maxDrainBytes, Duration headerTimeout, Duration bodyTimeout, Duration idleTimeout,
            Duration writeTimeout, boolean accessLog, java.util.concurrent.atomic.LongAdder writes) {}

    private final StreamServer server;
    private final Settings settings;

    private HttpServer(Builder b) {
        this.settings = new Settings(b.handler, b.maxRequestLine, b.maxHeaderBytes, b.maxHeaders, b.maxBodyBytes,
                b.maxDrainBytes, b.headerTimeout, b.bodyTimeout, b.idleTimeout, b.writeTimeout, b.accessLog,
                new java.util.concurrent.atomic.LongAdder());
        b.stream.name(b.name);
        this.server = b.stream.build();
    }

    public static Builder builder(HttpHandler handler) {
        return new Builder(handler);
    }

    /** Binds and starts accepting; returns at once. */
    public HttpServer start() throws IOException {
        server.start();
        return this;
    }

    /** Starts if needed and blocks until the server is stopped. */
    public void serveForever() throws IOException {
        server.serveForever();
    }

    /**
     * Graceful stop: no new connections, idle keep-alive connections closed now, requests in
     * progress answered (with {@code Connection: close}) until {@code timeout}, the rest killed.
     * Returns whether everything finished in time.
     */
    public boolean stop(Duration timeout) {
        return server.stop(timeout);
    }

    /** {@link #stop(Duration)} with one second of grace. */
    @Override
    public void close() {
        server.close();
    }

    public InetSocketAddress address() {
        return server.address();
    }

    /** The TCP server underneath (connection count, stopAccepting...). */
    public StreamServer streamServer() {
        return server;
    }

    Settings settings() {
        return settings;
    }

    /** Socket writes made by all connections so far (tests check that pipelined responses are coalesced). */
    long writes() {
        return settings.writes().sum();
    }

    /** Options of an {@link HttpServer}. Defaults favour safety: finite time-outs and limits. */
    public static final class Builder {
        private final HttpHandler handler;
        private final StreamServer.Builder stream;
        private String name = "HttpServer";
        private int maxRequestLine = 8192;
        private int maxHeaderBytes = 16 * 1024;
        private int maxHeaders = 100;
        private long maxBodyBytes = Long.MAX_VALUE;
        private long maxDrainBytes = 256 * 1024;
        private Duration headerTimeout = Duration.ofSeconds(20);
        private Duration bodyTimeout = Duration.ofSeconds(60);
        private Duration idleTimeout = Duration.ofSeconds(60);
        private Duration writeTimeout = Duration.ofSeconds(60);
        private boolean accessLog;

        private Builder(HttpHandler handler) {
            this.handler = Objects.requireNonNull(handler, "handler");
            Settings[] holder = new Settings[1];
            this.stream = StreamServer.builder(conn -> new Http1Connection(holder[0], conn).serve());
            this.holderRef = holder;
        }

        private final Settings[] holderRef;

        /** {@code host:port}, {@code [v6]:port}, {@code :port} or {@code port}. */
        public Builder listen(String address) {
            stream.listen(address);
            return this;
        }

        public Builder listen(InetSocketAddress address) {
            stream.listen(address);
            return this;
        }

        public Builder listen(java.nio.channels.ServerSocketChannel bound) {
            stream.listen(bound);
            return this;
        }

        public Builder backlog(int backlog) {
            stream.backlog(backlog);
            return this;
        }

        public Builder reusePort(boolean reusePort) {
            stream.reusePort(reusePort);
            return this;
        }

        /** At most this many connections at once; more wait in the backlog. Default: the process-wide limit, {@link StreamServer#defaultMaxConnections()}. */
        public Builder maxConnections(int max) {
            stream.maxConnections(max);
            return this;
        }

        /** Serve HTTPS. */
        public Builder ssl(SSLContext context) {
            stream.ssl(context);
            return this;
        }

        /** Serve HTTPS with these parameters (client authentication, protocols, ALPN...). */
        public Builder ssl(SSLContext context, javax.net.ssl.SSLParameters parameters) {
            stream.ssl(context, parameters);
            return this;
        }

        public Builder hub(Hub hub) {
            stream.hub(hub);
            return this;
        }

        /** Spread connections over the hubs of {@code hubs}. */
        public Builder hubs(HubGroup hubs) {
            stream.hubs(hubs);
            return this;
        }

        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Longest request line (default 8 KiB); longer: 414. */
        public Builder maxRequestLine(int bytes) {
            this.maxRequestLine = positive(bytes, "maxRequestLine");
            return this;
        }

        /** Largest header section (default 16 KiB); larger: 431. */
        public Builder maxHeaderBytes(int bytes) {
            this.maxHeaderBytes = positive(bytes, "maxHeaderBytes");
            return this;
        }

        /** Most header fields (default 100); more: 431. */
        public Builder maxHeaders(int count) {
            this.maxHeaders = positive(count, "maxHeaders");
            return this;
        }

        /** Largest declared Content-Length accepted (default: no limit); larger: 413. */
        public Builder maxBodyBytes(long bytes) {
            this.maxBodyBytes = positive(bytes, "maxBodyBytes");
            return this;
        }

        /** How much of a body the handler did not read is drained for keep-alive (default 256 KiB); beyond: close. */
        public Builder maxDrainBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("negative maxDrainBytes");
            }
            this.maxDrainBytes = bytes;
            return this;
        }

        /** Bound on receiving a whole request head, from its first byte (default 20 s; slowloris): 408. */
        public Builder headerTimeout(Duration timeout) {
            this.headerTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Bound on each read of a request body (default 60 s). */
        public Builder bodyTimeout(Duration timeout) {
            this.bodyTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** How long a keep-alive connection may wait for its next request (default 60 s); then closed. */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Bound on each write to a client that does not read (default 60 s). */
        public Builder writeTimeout(Duration timeout) {
            this.writeTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Logs each request in the common log format to System.Logger {@code io.gevent4j.http.access}. */
        public Builder accessLog(boolean on) {
            this.accessLog = on;
            return this;
        }

        public HttpServer build() {
            HttpServer s = new HttpServer(this);
            holderRef[0] = s.settings;
            return s;
        }

        private static int positive(int v, String what) {
            if (v <= 0) {
                throw new IllegalArgumentException(what + " must be positive: " + v);
            }
            return v;
        }

        private static long positive(long v, String what) {
            if (v <= 0) {
                throw new IllegalArgumentException(what + " must be positive: " + v);
            }
            return v;
        }
    }
}
