package io.gevent4j.server;

import io.gevent4j.internal.Channels;
import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.GreenletExit;
import io.gevent4j.Hub;
import io.gevent4j.HubGroup;
import io.gevent4j.Pool;
import io.gevent4j.socket.Io;
import io.gevent4j.socket.TcpListener;
import io.gevent4j.socket.TcpSocket;
import io.gevent4j.ssl.SslSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
     * The accept loop is one greenlet on acceptHub: acquire a slot (parks while full), accept
     * (parks on the listener's readiness), spawn the handler greenlet on the next hub, repeat.
     * With a HubGroup and reusePort (where the OS has SO_REUSEPORT) there is one listener and
     * one accept loop per hub on the same port, and each hub serves what it accepts.
     * The slot is released by the handler greenlet's finally (any hub, hence Slots is
     * thread-safe). stopAccepting kills the loop greenlet: its wait points are the slot
     * acquire, accept, and the back-off sleep, and an accepted socket is handed to a spawned
     * greenlet without a wait point in between, so a kill never loses a connection.
     *
     * active holds the live handler greenlets with their connections (a concurrent map: handlers
     * on several hubs add and remove themselves). stop(): mark stopping, kill the loop, close
     * the listener, run every connection's stop action (the HTTP server closes idle keep-alive
     * connections there), join the handlers up to the deadline, then kill the rest and wait for
     * them a bounded while. A handler registered after the stop's pass sees `stopping` (set
     * first) in Connection.onServerStop.
     */
    private static final System.Logger LOG = System.getLogger(StreamServer.class.getName());
    private static final Duration MIN_BACKOFF = Duration.ofMillis(10);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(1);
    static final Duration KILL_GRACE = Duration.ofSeconds(2);
    /**
     * The lingering close's bounds: how long and how much of what a client still sends after its
     * handler returned is read and dropped before the socket is closed.
     */
    static final Duration LINGER = Duration.ofSeconds(2);
    static final long LINGER_BYTES = 4L << 20;
    /** Connections that may linger at once: the connection limit, but at least this many. */
    static final int MIN_LINGERING = 16;

    /** What a server runs for each connection, in the connection's own greenlet. */
    @FunctionalInterface
    public interface Handler {
        /** Serves {@code connection}; the server closes it afterwards. May block (it yields). */
        void handle(Connection connection) throws Exception;
    }

    private final Handler handler;
    private final InetSocketAddress bindAddress;
    private final ServerSocketChannel boundChannel;
    private final int backlog;
    private final boolean reusePort;
    private final Slots slots;
    /** Idle connections, shed oldest first to admit new ones at the cap; null without a cap. */
    private final IdleConnections idle;
    /** gevent's {@code spawn=pool}: handlers join this pool; a full pool stops the accepting. */
    private final Pool pool;
    private final SSLContext sslContext;
    private final SSLParameters sslParameters;
    private final Duration handshakeTimeout;
    private final Hub fixedHub;
    private final HubGroup hubs;
    private final String name;
    private final boolean tcpNoDelay;
    private final BiConsumer<Connection, Throwable> errorReporter;

    private final Object lock = new Object();
    /** The listening sockets (one, or one per hub with reusePort). */
    private final List<TcpListener> listeners = new ArrayList<>();
    /** What each accept loop accepts on, parallel to acceptHubs (a hub's own view of a shared socket). */
    private final List<TcpListener> acceptOn = new ArrayList<>();
    private final List<Hub> acceptHubs = new ArrayList<>();
    /** Why the server stopped by itself (a hub it runs on died), or null. */
    private volatile String failure;
    /** Unregister this server's death actions from its hubs (run by stop). */
    private final List<Runnable> deathWatches = new ArrayList<>();
    private final List<Greenlet<Void>> acceptLoops = new ArrayList<>();
    private InetSocketAddress boundAddress;
    private Hub acceptHub;
    private volatile boolean started;
    private volatile boolean stopping;
    private final Slots stopped = new Slots(1);
    private final Set<Greenlet<?>> active = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<Greenlet<?>, Connection> connections = new ConcurrentHashMap<>();
    /** Connections in their lingering close (handler done, slot released), by their greenlet. */
    private final ConcurrentHashMap<Greenlet<?>, Connection> lingering = new ConcurrentHashMap<>();
    /** Set by stop() at its deadline: no connection starts lingering any more. */
    private volatile boolean lingerCutoff;

    private StreamServer(Builder b) {
        this.handler = b.handler;
        this.bindAddress = b.address;
        this.boundChannel = b.channel;
        this.backlog = b.backlog;
        this.reusePort = b.reusePort;
        this.slots = b.pool != null ? new Slots(Integer.MAX_VALUE)
                : b.maxConnections > 0 ? new Slots(b.maxConnections) : ConnectionLimit.shared();
        this.pool = b.pool;
        this.idle = b.pool == null && b.maxConnections != Integer.MAX_VALUE ? new IdleConnections() : null;
        this.sslContext = b.sslContext;
        this.sslParameters = b.sslParameters;
        this.handshakeTimeout = b.handshakeTimeout;
        this.fixedHub = b.hub;
        this.hubs = b.hubs;
        this.name = b.name;
        this.tcpNoDelay = b.tcpNoDelay;
        this.errorReporter = b.errorReporter != null ? b.errorReporter : StreamServer::reportDefault;
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
            acceptHub = fixedHub != null ? fixedHub : hubs != null ? hubs.hubs().get(0) : Hub.current();
            TcpListener first = boundChannel != null ? TcpListener.of(boundChannel) : bind(bindAddress);
            listeners.add(first);
            acceptOn.add(first);
            acceptHubs.add(acceptHub);
            boundAddress = first.localAddress();
            if (acceptOnEveryHub()) {
                try {
                    addAcceptLoopsOnOtherHubs(first);
                } catch (IOException | RuntimeException e) {
                    for (TcpListener l : acceptOn) {
                        l.close();
                    }
                    listeners.clear();
                    acceptOn.clear();
                    acceptHubs.clear();
                    throw e;
                }
            }
            started = true;
            warmUpBackoffPath();
            watchForDeadHubs();
            startAcceptingLocked();
        }
        return this;
    }

    private boolean acceptOnEveryHub() {
        return hubs != null && fixedHub == null && hubs.size() > 1;
    }

    private boolean perHubListeners() {
        return acceptOnEveryHub() && boundChannel == null && reusePort && REUSE_PORT_SUPPORTED;
    }

    /**
     * Issue 12, point 7: every hub of a HubGroup accepts, so that one blocked hub does not stop
     * new connections. With reusePort, each hub gets its own listener on the same port (the
     * kernel spreads connections by a hash: one that lands on a blocked hub waits for it);
     * otherwise each hub watches the one listening socket with its own selector, a connection
     * wakes every idle hub and the first to call accept() takes it (the others find nothing
     * and wait again), so a blocked hub never holds a new connection back.
     */
    private void addAcceptLoopsOnOtherHubs(TcpListener first) throws IOException {
        boolean ownSockets = perHubListeners();
        for (Hub h : hubs.hubs().subList(1, hubs.size())) {
            TcpListener l = ownSockets ? bind(boundAddress) : TcpListener.of(first.channel());
            if (ownSockets) {
                listeners.add(l);
            }
            acceptOn.add(l);
            acceptHubs.add(h);
        }
    }

    /**
     * Loads now what the back-off needs, while descriptors are free: the first log line reads
     * the logging configuration from a file, and a class not loaded yet may need a file too
     * (from a class directory, or a jar not opened yet). Failing at EMFILE, class resolution
     * fails for good in the method that asked.
     */
    static void warmUpBackoffPath() {
        try {
            LOG.isLoggable(System.Logger.Level.WARNING);
            Class.forName(Gevent.class.getName(), true, StreamServer.class.getClassLoader());
        } catch (Throwable ignored) {
            // the back-off itself survives what this could not prevent
        }
    }

    /** If a hub the server runs on dies, the server stops and says why (never stays up deaf). */
    private void watchForDeadHubs() {
        java.util.Set<Hub> all = new java.util.LinkedHashSet<>(acceptHubs);
        if (hubs != null && fixedHub == null) {
            all.addAll(hubs.hubs());
        }
        for (Hub h : all) {
            deathWatches.add(io.gevent4j.internal.Loops.byId(h.id()).onLoopDeath(() -> hubDied(h)));
        }
    }

    private void hubDied(Hub h) {
        List<TcpListener> ls;
        synchronized (lock) {
            if (stopping) {
                return;
            }
            failure = "the loop of " + h + " died";
            stopping = true;
            ls = new ArrayList<>(acceptOn);
            for (Greenlet<Void> loop : acceptLoops) {
                loop.killAsync();
            }
            acceptLoops.clear();
        }
        try {
            LOG.log(System.Logger.Level.ERROR, this + " stops: " + failure);
        } catch (Throwable ignored) {
            // the hub already said so on stderr
        }
        for (TcpListener l : ls) {
            try {
                l.close(); // connections are refused now, not left hanging on an open port
            } catch (IOException | RuntimeException e) {
                // nothing more to do
            }
        }
        stopped.open();
    }

    /**
     * Why the server stopped by itself (a hub it runs on could not go on), if it did; then
     * {@link #serveForever()} throws and {@link #awaitStop} returns true.
     */
    public Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    private static final boolean REUSE_PORT_SUPPORTED = reusePortSupported();

    private static boolean reusePortSupported() {
        try (ServerSocketChannel ch = ServerSocketChannel.open()) {
            return ch.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT);
        } catch (IOException e) {
            return false;
        }
    }

    private TcpListener bind(InetSocketAddress address) throws IOException {
        ServerSocketChannel ch = Channels.openServerFor(address);
        boolean ok = false;
        try {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            if (reusePort && ch.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
                ch.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            ch.bind(address, backlog);
            TcpListener l = TcpListener.of(ch);
            ok = true;
            return l;
        } finally {
            if (!ok) {
                ch.close();
            }
        }
    }

    /** {@link #start()}s if needed, then blocks until the server is stopped. */
    public void serveForever() throws IOException {
        start();
        stopped.awaitOpen(-1);
        String f = failure;
        if (f != null) {
            throw new IllegalStateException(this + " stopped: " + f);
        }
    }

    /** Blocks until the server is stopped, at most {@code timeout}; returns whether it is. */
    public boolean awaitStop(Duration timeout) {
        return stopped.awaitOpen(toNanos(timeout));
    }

    /** Stops accepting new connections (they wait in the backlog); handlers go on. */
    public void stopAccepting() {
        List<Greenlet<Void>> loops;
        synchronized (lock) {
            loops = new ArrayList<>(acceptLoops);
            acceptLoops.clear();
        }
        Greenlet<?> self = Greenlet.current().orElse(null);
        for (Greenlet<Void> loop : loops) {
            loop.killAsync();
        }
        for (Greenlet<Void> loop : loops) {
            if (loop != self) {
                loop.join();
            }
        }
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
            startAcceptingLocked();
        }
    }

    private void startAcceptingLocked() {
        if (acceptLoops.isEmpty()) {
            boolean own = listeners.size() > 1; // reusePort: each hub serves what its own socket accepts
            for (int i = 0; i < acceptOn.size(); i++) {
                TcpListener l = acceptOn.get(i);
                Hub h = acceptHubs.get(i);
                Greenlet<Void> g = h.spawn(() -> acceptLoop(l, own ? h : null, h));
                g.name(name + "-accept-" + i);
                acceptLoops.add(g);
            }
        }
    }

    public boolean isAccepting() {
        synchronized (lock) {
            return !acceptLoops.isEmpty();
        }
    }

    /**
     * How many listening sockets serve this server: one, or one per hub ({@code reusePort} with a
     * {@code HubGroup}). Every hub of a {@code HubGroup} accepts either way.
     */
    public int listenerCount() {
        synchronized (lock) {
            return listeners.size();
        }
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
        List<TcpListener> ls;
        List<Hub> loopHubs;
        synchronized (lock) {
            stopping = true;
            ls = new ArrayList<>(acceptOn);
            loopHubs = new ArrayList<>(acceptHubs);
            deathWatches.forEach(Runnable::run);
            deathWatches.clear();
        }
        stopAccepting();
        for (TcpListener l : ls) {
            try {
                l.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing the listener of " + this, e);
            }
        }
        // The JDK closes a channel registered with a selector only when that selector next
        // deregisters its key: until the hub's loop has made one more pass, the kernel would
        // still complete connections to the "closed" port. Wait for that pass, so that when
        // stop returns the port refuses connections.
        awaitSelectorPass(loopHubs);
        for (Connection c : connections.values()) {
            try {
                c.stopBegins();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "stop action of " + c + " failed", e);
            }
        }
        Greenlet<?> self = Greenlet.current().orElse(null);
        boolean graceful = true;
        for (Greenlet<?> g : new ArrayList<>(active)) {
            if (g == self) {
                continue;
            }
            long left = deadline - System.nanoTime();
            if (!g.join(Duration.ofNanos(Math.max(0, left)))) {
                graceful = false;
            }
        }
        if (!graceful) {
            List<Greenlet<?>> rest = new ArrayList<>(active);
            rest.remove(self);
            Gevent.killAll(rest, KILL_GRACE);
        }
        endLingering(deadline, self);
        stopped.open();
        return graceful;
    }

    /**
     * Lets lingering closes go on until the stop's deadline (they hold no slot and are not
     * counted as handlers), then closes what still lingers: a stop never waits longer for them.
     */
    private void endLingering(long deadline, Greenlet<?> self) {
        for (Greenlet<?> g : new ArrayList<>(lingering.keySet())) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            if (g != self) {
                g.join(Duration.ofNanos(left));
            }
        }
        lingerCutoff = true;
        for (var e : new ArrayList<>(lingering.entrySet())) {
            closeQuietly(e.getValue()); // its greenlet wakes with "Socket closed" and ends
            lingering.remove(e.getKey(), e.getValue());
        }
    }

    /** {@link #stop(Duration)} with one second of grace, like gevent's default. */
    @Override
    public void close() {
        stop(Duration.ofSeconds(1));
    }

    /** Waits (bounded) until each hub's loop has run one pass, selector included, after now. */
    static void awaitSelectorPass(List<Hub> loopHubs) {
        for (Hub h : new java.util.LinkedHashSet<>(loopHubs)) {
            if (h.isClosed() || h.isTerminated()) {
                continue;
            }
            Slots passed = new Slots(1);
            // The outer callback runs in some pass; the inner one in the next pass, after the
            // select of the pass before it has deregistered the cancelled keys.
            h.callSoon(() -> h.callSoon(passed::open));
            passed.awaitOpen(Duration.ofSeconds(1).toNanos());
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
        return ConnectionLimit.shared().max();
    }

    // ---------------------------------------------------------------- state

    /** The bound address (after {@link #start()}; still known after a stop). */
    public InetSocketAddress address() {
        synchronized (lock) {
            if (boundAddress == null) {
                throw new IllegalStateException("not started: " + this);
            }
            return boundAddress;
        }
    }

    /** Connections whose handler runs now. */
    public int activeConnections() {
        return active.size();
    }

    /** Connections in their lingering close now (handler done, waiting for the client's FIN); for tests. */
    int lingeringConnections() {
        return lingering.size();
    }

    /** The hub of the accept loop (after {@link #start()}). */
    public Optional<Hub> acceptHub() {
        synchronized (lock) {
            return Optional.ofNullable(acceptHub);
        }
    }

    // ---------------------------------------------------------------- accepting

    /**
     * Accepts on {@code l} (running on hub {@code self}); handlers go to {@code ownHub} if given,
     * else to {@link #handlerHub}.
     */
    private void acceptLoop(TcpListener l, Hub ownHub, Hub self) {
        Duration backoff = MIN_BACKOFF;
        while (!stopping) {
            if (pool != null) {
                pool.awaitAvailable(); // full: stop accepting; connections wait in the backlog
            }
            acquireSlot(l);
            boolean handedOver = false;
            try {
                TcpSocket s;
                try {
                    s = l.accept();
                    backoff = MIN_BACKOFF;
                } catch (ClosedChannelException | SocketException closed) {
                    if (!l.isOpen()) {
                        return; // stopped
                    }
                    backoff = backoff(closed, backoff);
                    continue;
                } catch (IOException | RuntimeException | Error e) {
                    // EMFILE, ENFILE, ENOBUFS, or an Error of a JDK class loaded late with no
                    // descriptor free: never the end of accepting (issue 12, points 1 and 2).
                    if (e instanceof GreenletExit || e instanceof io.gevent4j.Timeout) {
                        throw (Error) e;
                    }
                    if (!l.isOpen()) {
                        return; // stopped
                    }
                    backoff = backoff(e, backoff);
                    continue;
                }
                Hub target = ownHub != null ? ownHub : handlerHub(self);
                if (pool != null) {
                    // The slot seen free above may have gone to another user of the pool: then
                    // this waits, the socket in hand, until one frees (no connection is dropped).
                    pool.start(target.greenlet(() -> {
                        serve(s);
                        return null;
                    }));
                } else {
                    target.spawn(() -> serve(s));
                }
                handedOver = true;
            } finally {
                if (!handedOver) {
                    slots.release();
                }
            }
        }
    }

    /**
     * Takes a connection slot for the next accept. At the cap, waits until a connection is
     * pending on {@code l} (without taking it), then sheds the oldest idle connection (see
     * {@link Connection#markIdle}) and waits for the slot it frees; with nothing idle, waits for
     * a slot and sheds the first connection that goes idle meanwhile. Idle connections are thus
     * closed only when a new connection actually waits for their slot.
     */
    private void acquireSlot(TcpListener l) {
        if (slots.tryAcquire()) {
            return;
        }
        if (idle != null) {
            try {
                Io.waitRead(l.channel()); // a connection waits in the backlog
            } catch (IOException closedOrFailed) {
                // the listener was closed (stop) or failed: accept() reports it
            }
            if (slots.tryAcquire()) {
                return;
            }
            if (!idle.shedOldest()) {
                Object demand = idle.demand(); // the next connection to go idle is shed for us
                try {
                    if (idle.shedOldest()) { // one went idle before the demand was there
                        idle.withdraw(demand);
                    }
                    slots.acquire();
                } finally {
                    idle.withdraw(demand);
                }
                return;
            }
        }
        slots.acquire();
    }

    /**
     * The hub of a new connection: the next hub of the group in turn, unless that hub is running
     * user code right now (maybe blocked for seconds: issue 12, point 7), then the accepting hub,
     * which is demonstrably running. Without a group, the accept hub.
     */
    private Hub handlerHub(Hub self) {
        if (hubs == null) {
            return acceptHub;
        }
        Hub next = hubs.next();
        if (next != self && acceptOn.size() > 1 && io.gevent4j.internal.Loops.byId(next.id()).runsUserCode()) {
            return self;
        }
        return next;
    }

    private Duration backoff(Throwable e, Duration backoff) {
        try {
            LOG.log(System.Logger.Level.WARNING, this + ": accept failed (" + e + "); retrying in " + backoff.toMillis() + " ms");
        } catch (Throwable loggingFailed) {
            // Out of file descriptors, a logging back end fails too (JUL's first time stamp loads
            // time-zone data from a file and throws a plain Error): the accept loop must outlive
            // that, or the server stops for good (issue 12, point 1).
        }
        Gevent.sleep(backoff);
        Duration next = backoff.multipliedBy(2);
        return next.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : next;
    }

    private void serve(TcpSocket socket) {
        Greenlet<?> me = Greenlet.current().orElseThrow();
        active.add(me);
        Connection conn = null;
        try {
            InetSocketAddress remote;
            InetSocketAddress local;
            try {
                remote = socket.remoteAddress();
                local = socket.localAddress();
            } catch (IOException e) {
                return; // reset before we looked at it
            }
            if (tcpNoDelay) {
                try {
                    socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
                } catch (IOException e) {
                    return; // reset before we could configure it
                }
            }
            SslSocket ssl = null;
            if (sslContext != null) {
                socket.timeout(handshakeTimeout);
                ssl = sslParameters != null
                        ? SslSocket.server(socket, sslContext, sslParameters)
                        : SslSocket.server(socket, sslContext);
                socket.noTimeout();
            }
            conn = new Connection(socket, ssl, remote, local);
            if (idle != null) {
                conn.idleIndex(idle);
            }
            connections.put(me, conn);
            if (stopping) {
                conn.stopBegins();
            }
            handler.handle(conn);
        } catch (GreenletExit e) {
            // killed by stop(): quiet
        } catch (Throwable e) {
            try {
                errorReporter.accept(conn, e);
            } catch (RuntimeException reportFailed) {
                e.addSuppressed(reportFailed);
                LOG.log(System.Logger.Level.WARNING, "handler of " + this + " failed", e);
            }
            if (e instanceof Error err) {
                throw err; // reported above; a Timeout or a VM error still ends this greenlet visibly
            }
        } finally {
            connections.remove(me);
            boolean linger = false;
            try {
                if (conn != null) {
                    linger = conn.closeOrHalfClose();
                } else {
                    socket.close();
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing a connection of " + this, e);
            } finally {
                if (linger && !startLingering(me, conn)) {
                    linger = false;
                    closeQuietly(conn);
                }
                active.remove(me);
                slots.release();
            }
            if (linger) {
                linger(me, conn);
            }
        }
    }

    /**
     * Registers {@code conn} (half-closed, owned by {@code g}) as lingering; false if it must be
     * closed at once instead: too many connections linger already, or a stop has passed its
     * deadline. Dekker pair with stop(): put, then read {@code lingerCutoff}; stop sets it, then
     * sweeps {@code lingering}: each connection is closed by one side or the other.
     */
    private boolean startLingering(Greenlet<?> g, Connection conn) {
        if (lingering.size() >= Math.max(MIN_LINGERING, slots.max())) {
            return false; // bounded: lingering sockets hold descriptors but no slot
        }
        lingering.put(g, conn);
        if (lingerCutoff) {
            lingering.remove(g);
            return false;
        }
        return true;
    }

    /**
     * The lingering close, after the slot is released: reads and drops what the client still
     * sends, until its FIN, at most {@link #LINGER} and {@link #LINGER_BYTES}, then closes. With
     * a pool, in a new greenlet, so that the pool's place is free at once.
     */
    private void linger(Greenlet<?> me, Connection conn) {
        long deadline = System.nanoTime() + LINGER.toNanos();
        if (pool != null) {
            lingering.remove(me);
            Greenlet<?> g = Hub.current().greenlet(() -> {
                Greenlet<?> self = Greenlet.current().orElseThrow();
                if (startLingering(self, conn)) {
                    try {
                        conn.drainAndClose(deadline, LINGER_BYTES);
                    } finally {
                        lingering.remove(self);
                    }
                } else {
                    closeQuietly(conn);
                }
                return null;
            });
            g.start();
            return;
        }
        try {
            conn.drainAndClose(deadline, LINGER_BYTES);
        } finally {
            lingering.remove(me);
        }
    }

    private void closeQuietly(Connection conn) {
        try {
            conn.close();
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing a connection of " + this, e);
        }
    }

    static boolean isDisconnect(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof javax.net.ssl.SSLException || t instanceof java.net.SocketTimeoutException) {
                return true;
            }
            if (t instanceof IOException io) {
                String m = String.valueOf(io.getMessage());
                if (t instanceof SocketException || t instanceof ClosedChannelException
                        || m.contains("Broken pipe") || m.contains("Connection reset") || m.contains("closed")) {
                    return true;
                }
            }
        }
        return false;
    }

    private static void reportDefault(Connection c, Throwable e) {
        if (isDisconnect(e)) {
            LOG.log(System.Logger.Level.DEBUG, "connection " + c + " ended: " + e);
        } else {
            LOG.log(System.Logger.Level.WARNING, "handler failed on " + c, e);
        }
    }

    static long toNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException overflow) {
            return Long.MAX_VALUE / 2;
        }
    }

    @Override
    public String toString() {
        InetSocketAddress a;
        synchronized (lock) {
            a = boundAddress != null ? boundAddress : bindAddress;
        }
        return name + "[" + a + "]";
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
        private BiConsumer<Connection, Throwable> errorReporter;

        private Builder(Handler handler) {
            this.handler = Objects.requireNonNull(handler, "handler");
        }

        /** Where to listen: {@code host:port}, {@code [v6]:port}, {@code :port} or {@code port}. */
        public Builder listen(String address) {
            return listen(parseAddress(address));
        }

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

        /**
         * Receives what a handler threw (the connection is null if it failed before one existed,
         * e.g. in the TLS handshake). Default: System.Logger, disconnects at DEBUG. Runs in the
         * handler's greenlet.
         */
        public Builder errorReporter(BiConsumer<Connection, Throwable> reporter) {
            this.errorReporter = Objects.requireNonNull(reporter, "reporter");
            return this;
        }

        public StreamServer build() {
            if (channel != null && backlogSet) {
                throw new IllegalStateException("backlog(" + backlog + ") cannot apply to an already-bound channel"
                        + " (its backlog was set when it was bound): drop one of the two");
            }
            return new StreamServer(this);
        }
    }
}
