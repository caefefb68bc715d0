package io.gevent4j.server;

import io.gevent4j.BoundedSemaphore;
import io.gevent4j.Event;
import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.HubGroup;
import io.gevent4j.Pool;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiConsumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A TCP server that runs a handler per connection, each in its own greenlet: gevent's
 * {@code StreamServer}, with a graceful stop, a connection limit that never drops, accept
 * back-off, TLS and spreading over the hubs of a {@link HubGroup}.
 *
 * <p>Who may call it: any thread or greenlet. {@link #start()} binds and returns at once (the
 * accept loop is a greenlet on the server's hub); {@link #serveForever()} blocks the caller
 * (parks a greenlet, or blocks a plain thread) until the server is stopped; {@link #stop(Duration)}
 * blocks at most its time-out plus the time killed handlers take to unwind.
 *
 * <p>Behaviour: each accepted connection runs {@code handler.handle(connection)} in a new
 * greenlet and is closed when it returns. With {@code maxConnections(n)}, the accept loop stops
 * accepting while {@code n} handlers run (connections wait in the kernel's backlog) and resumes
 * as they finish. An accept error (EMFILE and the like) is logged and retried after a growing
 * pause (10 ms up to 1 s). A handler failure is logged (client disconnects at DEBUG, others at
 * WARNING) and never stops the server. TLS handshakes run in the connection's greenlet, bounded
 * by {@code handshakeTimeout}.
 *
 * {@snippet :
 * StreamServer server = StreamServer.builder(conn -> conn.sendAll("hello\n".getBytes(UTF_8)))
 *         .listen("127.0.0.1:0")
 *         .maxConnections(1000)
 *         .build()
 *         .start();
 * // ...
 * server.stop(Duration.ofSeconds(5));
 * }
 */
public final class StreamServer implements AutoCloseable {
    /*
     * Implementation overview.
     *
     * Three parts, each a package-private class of its own:
     * - this class, the lifecycle: start (bind, then accept), serveForever/awaitStop, the
     *   graceful stop, and the stop by itself when a hub it runs on dies;
     * - Acceptor: the listening sockets, one accept loop per accepting hub, the back-off on
     *   accept errors, and the hub that serves each new connection;
     * - ConnectionTasks: what runs in each connection's greenlet (TLS handshake, handler,
     *   close, lingering close) and the registry of the live ones a stop works through;
     * with Admission (the connection cap and idle shedding) between the acceptor, which takes a
     * permit per accept, and the task, which gives it back.
     *
     * stop(): mark stopping (first: a handler registered after the stop's pass sees it and is
     * told itself), kill the accept loops, close the listeners, run every connection's stop
     * action (the HTTP server closes idle keep-alive connections there), join the handlers up
     * to the deadline, then kill the rest and wait for them a bounded while, end the lingering
     * closes, and open the `stopped` gate.
     *
     * Locks: `lock` guards the lifecycle state; the acceptor's lock is only ever taken after it.
     */
    private static final System.Logger LOG = System.getLogger(StreamServer.class.getName());
    static final Duration KILL_GRACE = Duration.ofSeconds(2);

    /** What a server runs for each connection, in the connection's own greenlet. */
    @FunctionalInterface
    public interface Handler {
        /** Serves {@code connection}; the server closes it afterwards. May block (it yields). */
        void handle(Connection connection) throws Exception;
    }

    private final String name;
    private final Admission admission;
    private final Acceptor acceptor;
    private final ConnectionTasks tasks;
    /** Where the server was asked to listen (for toString before it is bound). */
    private final InetSocketAddress bindAddress;

    private final Object lock = new Object();
    /** Why the server stopped by itself (a hub it runs on died), or null. */
    private volatile String failure;
    /** Unregister this server's death actions from its hubs (run by stop). */
    private final List<Runnable> deathWatches = new ArrayList<>();
    private volatile boolean started;
    private volatile boolean stopping;
    /** Set once the server is stopped, by a stop or by a hub's death. */
    private final Event stopped = new Event();

    private StreamServer(Builder b) {
        this.name = b.name;
        this.bindAddress = b.address;
        BoundedSemaphore permits = b.pool != null ? new BoundedSemaphore(Integer.MAX_VALUE)
                : b.maxConnections > 0 ? new BoundedSemaphore(b.maxConnections) : ConnectionLimit.shared();
        IdleConnections idle = b.pool == null && b.maxConnections != Integer.MAX_VALUE ? new IdleConnections() : null;
        this.admission = new Admission(permits, idle);
        int batchBytes = b.batchBytes;
        Handler counted = c -> { // the figures of stats(): connections served, handler errors by class
            served.increment();
            if (batchBytes > 0) {
                c.batchWrites(batchBytes);
            }
            try {
                b.handler.handle(c);
            } catch (Exception | Error e) {
                errors.computeIfAbsent(e.getClass().getName(), k -> new java.util.concurrent.atomic.LongAdder()).increment();
                throw e;
            }
        };
        this.tasks = new ConnectionTasks(this, counted, admission, b.pool != null, b.sslContext, b.sslParameters,
                b.handshakeTimeout, b.tcpNoDelay, b.errorReporter);
        this.acceptor = new Acceptor(this, b.address, b.channel, b.backlog, b.reusePort, b.hub, b.hubs, b.pool,
                admission, tasks);
    }

    /** A builder for a server that runs {@code handler} per connection. */
    public static Builder builder(Handler handler) {
        return new Builder(handler);
    }

    /**
     * Parses an address in any usual form: {@code host:port}, {@code [v6]:port}, {@code :port}
     * and {@code port} (the last two: every interface). Host names are resolved now.
     */
    public static InetSocketAddress parseAddress(String address) {
        Objects.requireNonNull(address, "address");
        String s = address.strip();
        String host;
        String port;
        if (s.startsWith("[")) {
            int end = s.indexOf(']');
            if (end < 0 || end + 1 >= s.length() || s.charAt(end + 1) != ':') {
                throw new IllegalArgumentException("bad address (expected [v6]:port): " + address);
            }
            host = s.substring(1, end);
            port = s.substring(end + 2);
        } else {
            int colon = s.lastIndexOf(':');
            if (colon >= 0 && s.indexOf(':') != colon) {
                throw new IllegalArgumentException("bad address (write an IPv6 host as [v6]:port): " + address);
            }
            host = colon < 0 ? "" : s.substring(0, colon);
            port = colon < 0 ? s : s.substring(colon + 1);
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in address: " + address);
        }
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("port out of range in address: " + address);
        }
        if (host.isEmpty()) {
            return new InetSocketAddress(p);
        }
        InetSocketAddress a = new InetSocketAddress(host, p);
        if (a.isUnresolved()) {
            throw new IllegalArgumentException("unknown host in address: " + address);
        }
        return a;
    }

    // ---------------------------------------------------------------- lifecycle

    /** Binds (unless given a bound channel) and starts accepting; returns at once. Idempotent. */
    public StreamServer start() throws IOException {
        synchronized (lock) {
            if (stopping) {
                throw new IllegalStateException(this + " was stopped" + (failure != null ? " (" + failure + ")" : "")
                        + "; build a new server");
            }
            if (started) {
                return this;
            }
            acceptor.open();
            started = true;
            Acceptor.warmUpBackoffPath();
            watchForDeadHubs();
            acceptor.startAccepting();
        }
        return this;
    }

    /** If a hub the server runs on dies, the server stops and says why (never stays up deaf). */
    private void watchForDeadHubs() {
        for (Hub h : acceptor.hubsInUse()) {
            deathWatches.add(io.gevent4j.internal.Loops.byId(h.id()).onLoopDeath(() -> hubDied(h)));
        }
    }

    private void hubDied(Hub h) {
        synchronized (lock) {
            if (stopping) {
                return;
            }
            failure = "the loop of " + h + " died";
            stopping = true;
            acceptor.killLoopsAsync();
        }
        try {
            LOG.log(System.Logger.Level.ERROR, this + " stops: " + failure);
        } catch (Throwable ignored) {
            // the hub already said so on stderr
        }
        acceptor.closeListeners(); // connections are refused now, not left hanging on an open port
        stopped.set();
    }

    /**
     * Why the server stopped by itself (a hub it runs on could not go on), if it did; then
     * {@link #serveForever()} throws and {@link #awaitStop} returns true.
     */
    public Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    /** {@link #start()}s if needed, then blocks until the server is stopped. */
    public void serveForever() throws IOException {
        start();
        stopped.await();
        String f = failure;
        if (f != null) {
            throw new IllegalStateException(this + " stopped: " + f);
        }
    }

    /** Blocks until the server is stopped, at most {@code timeout}; returns whether it is. */
    public boolean awaitStop(Duration timeout) {
        return stopped.await(timeout) || stopped.isSet();
    }

    /** Stops accepting new connections (they wait in the backlog); handlers go on. */
    public void stopAccepting() {
        acceptor.stopAccepting();
    }

    /** Accepts again after {@link #stopAccepting()}. */
    public void startAccepting() {
        synchronized (lock) {
            if (!started) {
                throw new IllegalStateException("not started: " + this);
            }
            if (stopping) {
                throw new IllegalStateException("stopped: " + this);
            }
            acceptor.startAccepting();
        }
    }

    /** Whether the server is accepting new connections (started and not stopping). */
    public boolean isAccepting() {
        return acceptor.isAccepting();
    }

    /**
     * How many listening sockets serve this server: one, or one per hub ({@code reusePort} with a
     * {@code HubGroup}). Every hub of a {@code HubGroup} accepts either way.
     */
    public int listenerCount() {
        return acceptor.listenerCount();
    }

    /** Whether it was started and {@link #stop} has not begun (gevent's {@code started}: false again after stop). */
    public boolean isStarted() {
        return started && !stopping;
    }

    /** Whether {@link #stop} has begun. */
    public boolean isStopping() {
        return stopping;
    }

    /**
     * Graceful stop: stop accepting, close the listener, tell every connection (see
     * {@link Connection#onServerStop}), let running handlers finish until {@code timeout}, then
     * kill the rest and wait a bounded while for them to unwind. Returns true if every handler
     * finished by itself. Idempotent; waking {@link #serveForever()} callers at the end.
     */
    public boolean stop(Duration timeout) {
        long deadline = System.nanoTime() + toNanos(timeout);
        synchronized (lock) {
            stopping = true;
            deathWatches.forEach(Runnable::run);
            deathWatches.clear();
        }
        acceptor.stopAccepting();
        Acceptor.Closed closed = acceptor.closeListeners();
        // The JDK closes a channel registered with a selector only when that selector next
        // deregisters its key (the io_uring poller, once the kernel has also let go of its armed
        // polls): until then the kernel would still complete connections to the "closed" port.
        // Wait for that, so that when stop returns the port refuses connections.
        awaitReleased(closed.hubs(), closed.channels());
        tasks.tellStop();
        Greenlet<?> self = Greenlet.current().orElse(null);
        boolean graceful = true;
        for (Greenlet<?> g : tasks.activeGreenlets()) {
            if (g == self) {
                continue;
            }
            long left = deadline - System.nanoTime();
            if (!g.join(Duration.ofNanos(Math.max(0, left)))) {
                graceful = false;
            }
        }
        if (!graceful) {
            List<Greenlet<?>> rest = tasks.activeGreenlets();
            rest.remove(self);
            Gevent.killAll(rest, KILL_GRACE);
        }
        tasks.endLingering(deadline, self);
        stopped.set();
        return graceful;
    }

    /** {@link #stop(Duration)} with one second of grace, like gevent's default. */
    @Override
    public void close() {
        stop(Duration.ofSeconds(1));
    }

    /**
     * Waits until none of {@code channels} (closed) is registered with a poller any more, as seen
     * from each of {@code hubs}' loops after a pass (the JDK closes the socket when its last key
     * is deregistered): at most a second, a bound for a hub that does not answer.
     */
    static void awaitReleased(List<Hub> hubs, List<? extends java.nio.channels.SelectableChannel> channels) {
        long deadline = System.nanoTime() + 1_000_000_000L;
        for (Hub h : new LinkedHashSet<>(hubs)) {
            if (h.isClosed() || h.isTerminated()) {
                continue;
            }
            Event released = new Event();
            Runnable check = new Runnable() {
                @Override
                public void run() {
                    // On the loop, between passes: a deregistration in its poll has completed.
                    if (channels.stream().noneMatch(java.nio.channels.SelectableChannel::isRegistered)
                            || System.nanoTime() - deadline > 0) {
                        released.set();
                    } else {
                        h.callSoon(this); // after the next pass's poll
                    }
                }
            };
            h.callSoon(check);
            released.await(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
    }

    /**
     * The limit that servers without their own {@code maxConnections} share, process-wide:
     * half of what is left of the soft open-file limit once the descriptors open when it is
     * first computed and a reserve of an eighth of the limit (at least 64) for everything else
     * the program opens are taken away: {@code (limit - open - max(64, limit / 8)) / 2}, at
     * least 16. Half, because a closed socket keeps its descriptor until its hub's next select,
     * so in a burst as many connections may be closing as are open. {@link Integer#MAX_VALUE}
     * (no limit) where the JVM cannot tell its descriptor limit (not a Unix). The system
     * property {@code gevent4j.maxConnections} overrides it. Computed once, on first use.
     */
    public static int defaultMaxConnections() {
        return ConnectionLimit.shared().initialPermits();
    }

    static long toNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException overflow) {
            return Long.MAX_VALUE / 2;
        }
    }

    // ---------------------------------------------------------------- state

    /** The bound address (after {@link #start()}; still known after a stop). */
    public InetSocketAddress address() {
        InetSocketAddress a = acceptor.boundAddress();
        if (a == null) {
            throw new IllegalStateException("not started: " + this);
        }
        return a;
    }

    private final java.util.concurrent.atomic.LongAdder served = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.LongAdder> errors =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * A snapshot of this server's counters (any thread; racy but recent).
     *
     * @return connections served so far, served now, and handler failures by exception class
     */
    public Stats stats() {
        java.util.Map<String, Long> e = new java.util.TreeMap<>();
        errors.forEach((k, v) -> e.put(k, v.sum()));
        return new Stats(served.sum(), activeConnections(), java.util.Map.copyOf(e));
    }

    /**
     * Counters of a server.
     *
     * @param connections connections whose handler has started, ever
     * @param active connections whose handler runs now
     * @param errors handlers that ended with an exception, by the exception's class name, ever
     */
    public record Stats(long connections, int active, java.util.Map<String, Long> errors) {}

    /** Connections whose handler runs now. */
    public int activeConnections() {
        return tasks.activeCount();
    }

    /** Connections in their lingering close now (handler done, waiting for the client's FIN); for tests. */
    int lingeringConnections() {
        return tasks.lingeringCount();
    }

    /** The connection cap, for tests. */
    Admission admission() {
        return admission;
    }

    /** The hub of the accept loop (after {@link #start()}). */
    public Optional<Hub> acceptHub() {
        return Optional.ofNullable(acceptor.acceptHub());
    }

    /** The name given to the builder (the accept loops are named after it). */
    String name() {
        return name;
    }

    @Override
    public String toString() {
        InetSocketAddress a = acceptor.boundAddress();
        return name + "[" + (a != null ? a : bindAddress) + "]";
    }

    // ---------------------------------------------------------------- builder

    /** Options of a {@link StreamServer}; build() does not bind (start() does). */
    public static final class Builder {
        private final Handler handler;
        private InetSocketAddress address = new InetSocketAddress(0);
        private ServerSocketChannel channel;
        private int backlog = 1024;
        /** backlog(n) was called: refused with a bound channel, whose backlog its bind has set. */
        private boolean backlogSet;
        private boolean reusePort;
        private int maxConnections; // 0: the process-wide default limit
        private Pool pool;
        private SSLContext sslContext;
        private SSLParameters sslParameters;
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private Hub hub;
        private HubGroup hubs;
        private String name = "StreamServer";
        private boolean tcpNoDelay = true;
        private int batchBytes;
        private BiConsumer<Connection, Throwable> errorReporter;

        private Builder(Handler handler) {
            this.handler = Objects.requireNonNull(handler, "handler");
        }

        /** Where to listen: {@code host:port}, {@code [v6]:port}, {@code :port} or {@code port}. */
        public Builder listen(String address) {
            return listen(parseAddress(address));
        }

        /** The address to listen on. */
        public Builder listen(InetSocketAddress address) {
            this.address = Objects.requireNonNull(address, "address");
            this.channel = null;
            return this;
        }

        /** Serve on a channel the caller has already bound (its options are left as they are). */
        public Builder listen(ServerSocketChannel bound) {
            this.channel = Objects.requireNonNull(bound, "bound");
            return this;
        }

        /** Pending connections the kernel keeps (default 1024); not with {@link #listen(ServerSocketChannel)} (build() refuses it). */
        public Builder backlog(int backlog) {
            if (backlog < 0) {
                throw new IllegalArgumentException("negative backlog: " + backlog);
            }
            this.backlog = backlog;
            this.backlogSet = true;
            return this;
        }

        /**
         * Sets SO_REUSEPORT where the OS has it (ignored elsewhere). With {@link #hubs}, each hub
         * then gets its own listener on the same port and accepts for itself.
         */
        public Builder reusePort(boolean reusePort) {
            this.reusePort = reusePort;
            return this;
        }

        /**
         * At most this many handlers of this server at once; more connections wait in the
         * backlog. Default: every server left at the default shares one process-wide limit
         * derived from the open-file limit ({@link StreamServer#defaultMaxConnections()}), so that
         * running out of descriptors becomes back-pressure instead of "too many open files". A
         * server given its own limit is not counted in the shared one. At the cap, a connection
         * its handler marked idle ({@link Connection#markIdle()}) is closed, oldest idle first,
         * when a new connection waits.
         */
        public Builder maxConnections(int max) {
            if (max <= 0) {
                throw new IllegalArgumentException("maxConnections must be positive: " + max);
            }
            this.maxConnections = max;
            return this;
        }

        /**
         * Runs each handler as a member of {@code pool} (gevent's {@code spawn=pool}): while the
         * pool is full the server stops accepting and connections wait in the backlog; it
         * resumes as members finish. The pool may be shared with other work. Replaces
         * {@link #maxConnections}.
         */
        public Builder pool(Pool pool) {
            this.pool = Objects.requireNonNull(pool, "pool");
            return this;
        }

        /** Serve TLS; the handshake runs in each connection's greenlet. */
        public Builder ssl(SSLContext context) {
            this.sslContext = Objects.requireNonNull(context, "context");
            return this;
        }

        /** Serve TLS with these parameters (client authentication, ALPN protocols...). */
        public Builder ssl(SSLContext context, SSLParameters parameters) {
            this.sslContext = Objects.requireNonNull(context, "context");
            this.sslParameters = Objects.requireNonNull(parameters, "parameters");
            return this;
        }

        /** Bound on a TLS handshake (default 10 s). */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** The hub of the accept loop and of the handlers (default: the hub of the caller of start()). */
        public Builder hub(Hub hub) {
            this.hub = Objects.requireNonNull(hub, "hub");
            return this;
        }

        /** Spread handlers over these hubs in turn (the accept loop runs on the first, unless {@link #hub} is set). */
        public Builder hubs(HubGroup hubs) {
            this.hubs = Objects.requireNonNull(hubs, "hubs");
            return this;
        }

        /** The server's name, used in its greenlets' and log lines' names. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * TCP_NODELAY on accepted sockets (default on: request/response protocols otherwise
         * wait for delayed ACKs; gevent's pywsgi loses a factor of about six to that).
         */
        public Builder tcpNoDelay(boolean on) {
            this.tcpNoDelay = on;
            return this;
        }

        /** The smallest batch {@link #batchWrites} takes. */
        public static final int MIN_BATCH_BYTES = 256;
        /** The largest batch {@link #batchWrites} takes. */
        public static final int MAX_BATCH_BYTES = 16 << 20;

        /**
         * Batches each connection's writes (default off: 0): a handler's consecutive small
         * {@code sendAll}s are copied into a buffer of {@code bufferBytes} (allocated at the
         * first write) and reach the socket in one system call when the handler's greenlet next
         * waits for anything (a read, a sleep, an event), yields or ends, when the buffer is full,
         * or at {@link Connection#flush()}; a write larger than half the buffer goes out at once,
         * after what was batched. Fewer, larger TCP segments for handlers that answer in pieces
         * (a header, then a body) or answer several pipelined requests. A failure of a batched
         * write the hub made after the greenlet moved on is thrown by the connection's next call.
         * A write from another hub or a plain thread (one writer at a time) is sent by the
         * connection's hub after what is batched, and returns once it reached the socket.
         * Plain TCP only: {@link #build()} refuses it with TLS.
         *
         * @param bufferBytes 0 (off) or {@link #MIN_BATCH_BYTES} to {@link #MAX_BATCH_BYTES}
         * @return this builder
         * @throws IllegalArgumentException if {@code bufferBytes} is outside those bounds
         */
        public Builder batchWrites(int bufferBytes) {
            if (bufferBytes != 0 && (bufferBytes < MIN_BATCH_BYTES || bufferBytes > MAX_BATCH_BYTES)) {
                throw new IllegalArgumentException("batchWrites(" + bufferBytes + "): 0 (off) or "
                        + MIN_BATCH_BYTES + " to " + MAX_BATCH_BYTES + " bytes");
            }
            this.batchBytes = bufferBytes;
            return this;
        }

        /**
         * Receives what a handler threw (the connection is null if it failed before one existed,
         * e.g. in the TLS handshake). Default: System.Logger, disconnects at DEBUG. Runs in the
         * handler's greenlet.
         */
        public Builder errorReporter(BiConsumer<Connection, Throwable> reporter) {
            this.errorReporter = Objects.requireNonNull(reporter, "reporter");
            return this;
        }

        /** Binds the listening socket and returns the server, not yet serving (see {@code start} and {@code serveForever}). */
        public StreamServer build() {
            if (channel != null && backlogSet) {
                throw new IllegalStateException("backlog(" + backlog + ") cannot apply to an already-bound channel"
                        + " (its backlog was set when it was bound): drop one of the two");
            }
            if (batchBytes > 0 && sslContext != null) {
                throw new IllegalStateException("batchWrites(" + batchBytes + ") is for plain TCP; a TLS server"
                        + " batches in its records: drop one of the two");
            }
            return new StreamServer(this);
        }
    }
}
