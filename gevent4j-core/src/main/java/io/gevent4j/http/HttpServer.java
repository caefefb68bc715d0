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
 * input, an invalid {@code Host}, any smuggling shape; the connection is closed), 408 (head or
 * body too slow), 413 (body larger than {@code maxBodyBytes}), 501 (CONNECT, transfer codings
 * other than chunked), 505. Refusals of a HEAD request carry no body; after a refusal the server
 * reads and drops what the client still sends (2 s, 4 MiB at most) so that it sees the answer. The same bytes get the same
 * answer however TCP splits them. An absolute-form target's authority replaces {@code Host}
 * (RFC 9112 §3.2.2). A handler exception before the response started gives a 500 and the
 * connection goes on; an {@code Error} gives a 500 and closes it.
 *
 * <p>Limits and time-outs (defaults favour safety; each has a builder option):
 * <ul>
 * <li>{@link Builder#firstByteTimeout}: 10 s for a new connection to send its first byte, then
 *     it is closed quietly; {@link Builder#idleTimeout}: 60 s between keep-alive requests;
 *     {@link Builder#headerTimeout}: 20 s for a whole request head (408).
 * <li>At the {@link Builder#maxConnections} cap, idle connections (keep-alive between
 *     requests, or new ones that have sent nothing) are closed, oldest idle first, to admit a
 *     connection that waits, so idle sockets cannot fill the server.
 * <li>{@link Builder#maxBodyBytes}: 10 MiB per request body (413, before any of it is read, or
 *     as soon as a chunked body passes it); raise it for large uploads and read them as a
 *     stream ({@link HttpRequest#body()}) rather than with {@code bodyBytes()}.
 * <li>{@link Builder#minBodyRate}: a body must arrive at 1 KiB/s on average after a 10 s grace
 *     (counting only the time the server waits for it), and {@link Builder#bodyTimeout} bounds
 *     each read (60 s); a slower body gets a 408.
 * <li>{@link Builder#writeTimeout}: 60 s per write to a client that does not read.
 * </ul>
 * An access log in the common log format goes to the System.Logger
 * {@code io.gevent4j.http.access} at INFO when {@code accessLog(true)}.
 *
 * <p>Hubs: without {@link Builder#hub} or {@link Builder#hubs}, the server starts its own
 * {@link HubGroup} of one hub per core ({@code availableProcessors()}) when built, spreads the
 * connections over it, and closes it when stopped ({@link #stop}, {@link #close}): all cores by
 * default, as the peers do.
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
            Duration writeTimeout, boolean accessLog, java.util.concurrent.atomic.LongAdder writes,
            Duration firstByteTimeout, long minBodyRate, Duration minBodyRateGrace,
            boolean requireHost, int maxIdleConnections, java.util.concurrent.atomic.AtomicInteger idle,
            java.util.concurrent.atomic.LongAdder bytesRead, java.util.concurrent.atomic.LongAdder bytesWritten,
            java.util.function.IntConsumer refused) {}

    private final StreamServer server;
    private final Settings settings;
    /** The hubs the server started for itself (no hub or hubs given), closed when it stops; or null. */
    private final HubGroup ownHubs;

    private HttpServer(Builder b) {
        HttpHandler h = b.handler;
        HttpHandler counted = (req, res) -> { // the figures of stats()
            requests.increment();
            boolean threw = true;
            try {
                h.handle(req, res);
                threw = false;
            } catch (Exception | Error e) {
                errors.computeIfAbsent(e.getClass().getName(), k -> new java.util.concurrent.atomic.LongAdder()).increment();
                throw e;
            } finally {
                int c = threw ? 5 : res.status() / 100; // a handler that threw: a 500, or a closed connection
                statusClasses[c >= 1 && c <= 5 ? c - 1 : 5].increment();
                bodyBytes.add(res.bytesSent());
            }
        };
        this.settings = new Settings(counted, b.maxRequestLine, b.maxHeaderBytes, b.maxHeaders, b.maxBodyBytes,
                b.maxDrainBytes, b.headerTimeout, b.bodyTimeout, b.idleTimeout, b.writeTimeout, b.accessLog,
                new java.util.concurrent.atomic.LongAdder(), b.firstByteTimeout, b.minBodyRate, b.minBodyRateGrace,
                b.requireHost, b.maxIdleConnections, new java.util.concurrent.atomic.AtomicInteger(),
                bytesRead, bytesWritten, status -> { // a request the connection refused before any handler
                    refused.increment();
                    int c = status / 100;
                    statusClasses[c >= 1 && c <= 5 ? c - 1 : 5].increment();
                });
        b.stream.name(b.name);
        this.ownHubs = b.hubChosen ? null : HubGroup.start(Runtime.getRuntime().availableProcessors());
        if (ownHubs != null) {
            b.stream.hubs(ownHubs);
        }
        this.server = b.stream.build();
    }

    /** A builder for a server that runs {@code handler} for each request. */
    public static Builder builder(HttpHandler handler) {
        return new Builder(handler);
    }

    /** Binds and starts accepting; returns at once. */
    public HttpServer start() throws IOException {
        try {
            server.start();
        } catch (IOException | RuntimeException e) {
            if (ownHubs != null) {
                ownHubs.close(); // the server cannot be started again: its own hubs go now
            }
            throw e;
        }
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
        boolean done = server.stop(timeout);
        if (ownHubs != null) {
            ownHubs.close();
        }
        return done;
    }

    /** {@link #stop(Duration)} with one second of grace. */
    @Override
    public void close() {
        server.close();
        if (ownHubs != null) {
            ownHubs.close();
        }
    }

    /** The address the server listens on (with the port the system chose when 0 was asked). */
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

    private final java.util.concurrent.atomic.LongAdder requests = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder bodyBytes = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder refused = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder bytesRead = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder bytesWritten = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder[] statusClasses = java.util.stream.Stream
            .generate(java.util.concurrent.atomic.LongAdder::new).limit(6).toArray(java.util.concurrent.atomic.LongAdder[]::new);
    private final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.LongAdder> errors =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * A snapshot of this server's HTTP counters (any thread; racy but recent). Requests the
     * connection refused before a handler ran (a malformed request's 400, 408, 413, 414, 431,
     * 505...) are counted in {@code refused} and, by status class, in {@code responsesByStatusClass}.
     *
     * @return requests handled and refused, responses by status class, handler errors by class, bytes, writes
     */
    public Stats stats() {
        java.util.Map<String, Long> e = new java.util.TreeMap<>();
        errors.forEach((k, v) -> e.put(k, v.sum()));
        java.util.Map<String, Long> st = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 5; i++) {
            st.put((i + 1) + "xx", statusClasses[i].sum());
        }
        return new Stats(requests.sum(), java.util.Collections.unmodifiableMap(st), java.util.Map.copyOf(e),
                bodyBytes.sum(), writes(), refused.sum(), bytesRead.sum(), bytesWritten.sum());
    }

    /**
     * HTTP counters of a server.
     *
     * @param requests requests a handler was run for, ever
     * @param responsesByStatusClass those requests and the refused ones by the status class of their response
     *     ({@code 1xx} to {@code 5xx})
     * @param errors handlers that threw, by the exception's class name (each became a 500 or a closed connection)
     * @param bodyBytes response body bytes the handlers had written when they returned
     * @param writes socket writes of all connections (responses are coalesced: fewer than responses when pipelined)
     * @param refused requests the connection answered itself with an error before any handler ran
     *     (malformed: 400; head too slow: 408; 413, 414, 431, 501, 505...)
     * @param bytesRead bytes read from the sockets of all connections (request heads, bodies, drained bodies;
     *     under TLS the decrypted bytes)
     * @param bytesWritten bytes written to the sockets of all connections: every response's head and body,
     *     refusals and {@code 100 Continue} included (under TLS the bytes before encryption)
     */
    public record Stats(long requests, java.util.Map<String, Long> responsesByStatusClass,
            java.util.Map<String, Long> errors, long bodyBytes, long writes, long refused, long bytesRead,
            long bytesWritten) {}

    /** Socket writes made by all connections so far (tests check that pipelined responses are coalesced). */
    long writes() {
        return settings.writes().sum();
    }

    /** The default of {@link Builder#maxBodyBytes}: 10 MiB. */
    static final long DEFAULT_MAX_BODY_BYTES = 10L << 20;

    /** Options of an {@link HttpServer}. Defaults favour safety: finite time-outs and limits. */
    public static final class Builder {
        private final HttpHandler handler;
        private final StreamServer.Builder stream;
        private String name = "HttpServer";
        private int maxRequestLine = 8192;
        private int maxHeaderBytes = 16 * 1024;
        private int maxHeaders = 100;
        private long maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
        private long maxDrainBytes = 256 * 1024;
        private Duration headerTimeout = Duration.ofSeconds(20);
        private Duration bodyTimeout = Duration.ofSeconds(60);
        private Duration idleTimeout = Duration.ofSeconds(60);
        private Duration writeTimeout = Duration.ofSeconds(60);
        private Duration firstByteTimeout = Duration.ofSeconds(10);
        private long minBodyRate = 1024;
        private Duration minBodyRateGrace = Duration.ofSeconds(10);
        private boolean accessLog;
        private boolean requireHost = true;
        private int maxIdleConnections = Integer.MAX_VALUE;
        private boolean hubChosen;

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

        /** The address to listen on. */
        public Builder listen(InetSocketAddress address) {
            stream.listen(address);
            return this;
        }

        /** Serves on a listening channel the caller has already bound. */
        public Builder listen(java.nio.channels.ServerSocketChannel bound) {
            stream.listen(bound);
            return this;
        }

        /** The listen backlog: connections the kernel queues before they are accepted. */
        public Builder backlog(int backlog) {
            stream.backlog(backlog);
            return this;
        }

        /** Sets {@code SO_REUSEPORT} on the listening socket. */
        public Builder reusePort(boolean reusePort) {
            stream.reusePort(reusePort);
            return this;
        }

        /**
         * At most this many connections at once; more wait in the backlog. At the cap, idle
         * connections (between keep-alive requests, or new ones that have sent nothing yet) are
         * closed, oldest idle first, to admit a connection that waits. Default: the process-wide
         * limit derived from the open-file limit, {@link StreamServer#defaultMaxConnections()}.
         */
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

        /** Serve on {@code hub} only (default: a hub per core, started and closed by the server). */
        public Builder hub(Hub hub) {
            hubChosen = true;
            stream.hub(hub);
            return this;
        }

        /** Spread connections over the hubs of {@code hubs}. */
        public Builder hubs(HubGroup hubs) {
            hubChosen = true;
            stream.hubs(hubs);
            return this;
        }

        /** The server's name, used in its greenlets' and log lines' names. */
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

        /**
         * Largest request body accepted (default 10 MiB): a larger Content-Length gets a 413 before
         * any of the body is read, a chunked body a 413 at the chunk that passes it. Raise it for
         * large uploads and read them as a stream ({@link HttpRequest#body()}).
         */
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

        /** Bound on each read of a request body (default 60 s); see also {@link #minBodyRate}. */
        public Builder bodyTimeout(Duration timeout) {
            this.bodyTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * Bound on a whole request body (slow bodies): after {@code grace}, the body must have
         * arrived at {@code bytesPerSecond} on average, counting only the time the server waits
         * for it (not the handler's work between reads); slower: 408 and the connection is
         * closed. Default 1,024 bytes/s after 10 s; {@code 0} turns the check off (only
         * {@link #bodyTimeout} per read is left).
         */
        public Builder minBodyRate(long bytesPerSecond, Duration grace) {
            if (bytesPerSecond < 0) {
                throw new IllegalArgumentException("negative minBodyRate: " + bytesPerSecond);
            }
            this.minBodyRate = bytesPerSecond;
            this.minBodyRateGrace = Objects.requireNonNull(grace, "grace");
            return this;
        }

        /**
         * How long a new connection may stay silent before its first byte (default 10 s); then it
         * is closed without a response. Short, so that connections that never send cannot hold
         * the server's slots (see also {@link #maxConnections}).
         */
        public Builder firstByteTimeout(Duration timeout) {
            this.firstByteTimeout = Objects.requireNonNull(timeout, "timeout");
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

        /**
         * Whether an HTTP/1.1 request without {@code Host} is refused with 400 (default true, as
         * RFC 9112 §3.2 says). The {@code com.sun.net.httpserver} provider turns it off to accept
         * what the JDK's server accepts. A repeated Host is refused either way.
         */
        public Builder requireHost(boolean require) {
            this.requireHost = require;
            return this;
        }

        /**
         * At most this many keep-alive connections wait for their next request at once (default:
         * no limit); a connection that finishes a response when the limit is reached is closed
         * instead of kept. Zero or less: no connection is kept after its response.
         */
        public Builder maxIdleConnections(int max) {
            this.maxIdleConnections = Math.max(0, max);
            return this;
        }

        /** Binds the listening socket and returns the server, not yet serving (see {@code start} and {@code serveForever}). */
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
