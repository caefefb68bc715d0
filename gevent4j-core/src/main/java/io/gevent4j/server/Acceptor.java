package io.gevent4j.server;

import io.gevent4j.internal.Channels;
import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.GreenletExit;
import io.gevent4j.Hub;
import io.gevent4j.HubGroup;
import io.gevent4j.Pool;
import io.gevent4j.socket.TcpListener;
import io.gevent4j.socket.TcpSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The accepting side of a {@link StreamServer}: its listening sockets, one accept loop per
 * accepting hub, the back-off on accept errors (EMFILE, ENFILE...), and the choice of the hub
 * that serves each accepted connection.
 *
 * <p>Who may call it: the server's lifecycle, from any thread or greenlet, under the server's
 * lock except {@link #stopAccepting} (which joins the loops) and {@link #closeListeners}. Its own
 * lock guards its lists and is taken after the server's, never before.
 */
final class Acceptor {
    /*
     * Implementation overview.
     *
     * An accept loop is a greenlet on its hub: take a permit of the connection cap (parks while
     * full), accept (parks on the listener's readiness), spawn the connection's greenlet on the
     * next hub, repeat. With a HubGroup and reusePort (where the OS has SO_REUSEPORT) there is
     * one listener and one accept loop per hub on the same port, and each hub serves what it
     * accepts; without reusePort every hub watches the one socket. The permit is released by the
     * connection's task (any hub). stopAccepting kills the loops: their wait points are the
     * permit, accept and the back-off sleep, and an accepted socket is handed to a spawned
     * greenlet without a wait point in between, so a kill never loses a connection.
     */
    private static final System.Logger LOG = System.getLogger(StreamServer.class.getName());
    private static final Duration MIN_BACKOFF = Duration.ofMillis(10);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(1);
    private static final boolean REUSE_PORT_SUPPORTED = reusePortSupported();

    private final StreamServer server;
    private final InetSocketAddress bindAddress;
    private final ServerSocketChannel boundChannel;
    private final int backlog;
    private final boolean reusePort;
    private final Hub fixedHub;
    private final HubGroup hubs;
    /** gevent's {@code spawn=pool}: handlers join this pool; a full pool stops the accepting. */
    private final Pool pool;
    private final Admission admission;
    private final ConnectionTasks tasks;

    private final Object lock = new Object();
    /** The listening sockets (one, or one per hub with reusePort). */
    private final List<TcpListener> listeners = new ArrayList<>();
    /** What each accept loop accepts on, parallel to acceptHubs (a hub's own view of a shared socket). */
    private final List<TcpListener> acceptOn = new ArrayList<>();
    private final List<Hub> acceptHubs = new ArrayList<>();
    private final List<Greenlet<Void>> acceptLoops = new ArrayList<>();
    private volatile InetSocketAddress boundAddress;
    private volatile Hub acceptHub;

    Acceptor(StreamServer server, InetSocketAddress bindAddress, ServerSocketChannel boundChannel, int backlog,
            boolean reusePort, Hub fixedHub, HubGroup hubs, Pool pool, Admission admission, ConnectionTasks tasks) {
        this.server = server;
        this.bindAddress = bindAddress;
        this.boundChannel = boundChannel;
        this.backlog = backlog;
        this.reusePort = reusePort;
        this.fixedHub = fixedHub;
        this.hubs = hubs;
        this.pool = pool;
        this.admission = admission;
        this.tasks = tasks;
    }

    // ---------------------------------------------------------------- listeners

    /** Binds (unless given a bound channel) the listener of every accepting hub; all or none. */
    void open() throws IOException {
        synchronized (lock) {
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
        }
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

    /** The listeners' channels, closed, and the hubs whose pollers watched them. */
    record Closed(List<Hub> hubs, List<java.nio.channels.SelectableChannel> channels) {}

    /**
     * Closes every listener, so that connections are refused, not left hanging on an open port;
     * returns their channels and the hubs that watched them (whose pollers release the sockets
     * within a pass or two: {@link StreamServer#awaitReleased}).
     */
    Closed closeListeners() {
        List<TcpListener> ls;
        List<Hub> watching;
        synchronized (lock) {
            ls = new ArrayList<>(acceptOn);
            watching = new ArrayList<>(acceptHubs);
        }
        List<java.nio.channels.SelectableChannel> channels = new ArrayList<>(ls.size());
        for (TcpListener l : ls) {
            channels.add(l.channel());
            try {
                l.close();
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing a listener of " + server, e);
            }
        }
        return new Closed(watching, channels);
    }

    /** The hubs the server runs on: the accepting ones, and every hub of its group. */
    Set<Hub> hubsInUse() {
        Set<Hub> all;
        synchronized (lock) {
            all = new LinkedHashSet<>(acceptHubs);
        }
        if (hubs != null && fixedHub == null) {
            all.addAll(hubs.hubs());
        }
        return all;
    }

    /** The bound address, or null before {@link #open}. */
    InetSocketAddress boundAddress() {
        return boundAddress;
    }

    /** The hub of the first accept loop, or null before {@link #open}. */
    Hub acceptHub() {
        return acceptHub;
    }

    int listenerCount() {
        synchronized (lock) {
            return listeners.size();
        }
    }

    // ---------------------------------------------------------------- accept loops

    /** Starts the accept loops unless they run. */
    void startAccepting() {
        synchronized (lock) {
            if (acceptLoops.isEmpty()) {
                boolean own = listeners.size() > 1; // reusePort: each hub serves what its own socket accepts
                for (int i = 0; i < acceptOn.size(); i++) {
                    TcpListener l = acceptOn.get(i);
                    Hub h = acceptHubs.get(i);
                    Greenlet<Void> g = h.spawn(() -> acceptLoop(l, own ? h : null, h));
                    g.name(server.name() + "-accept-" + i);
                    acceptLoops.add(g);
                }
            }
        }
    }

    /** Kills the accept loops and waits for them (except the caller's own). */
    void stopAccepting() {
        List<Greenlet<Void>> loops = takeLoops();
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

    /** Kills the accept loops without waiting (a hub they run on may be dead). */
    void killLoopsAsync() {
        for (Greenlet<Void> loop : takeLoops()) {
            loop.killAsync();
        }
    }

    private List<Greenlet<Void>> takeLoops() {
        synchronized (lock) {
            List<Greenlet<Void>> loops = new ArrayList<>(acceptLoops);
            acceptLoops.clear();
            return loops;
        }
    }

    boolean isAccepting() {
        synchronized (lock) {
            return !acceptLoops.isEmpty();
        }
    }

    /**
     * Accepts on {@code l} (running on hub {@code self}); handlers go to {@code ownHub} if given,
     * else to {@link #handlerHub}.
     */
    private void acceptLoop(TcpListener l, Hub ownHub, Hub self) {
        Duration backoff = MIN_BACKOFF;
        while (!server.isStopping()) {
            if (pool != null) {
                pool.awaitAvailable(); // full: stop accepting; connections wait in the backlog
            }
            admission.acquireFor(l);
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
                    // The place seen free above may have gone to another user of the pool: then
                    // this waits, the socket in hand, until one frees (no connection is dropped).
                    pool.start(target.greenlet(() -> {
                        tasks.serve(s);
                        return null;
                    }));
                } else {
                    target.spawn(() -> tasks.serve(s));
                }
                handedOver = true;
            } finally {
                if (!handedOver) {
                    admission.release();
                }
            }
        }
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
            LOG.log(System.Logger.Level.WARNING, server + ": accept failed (" + e + "); retrying in " + backoff.toMillis() + " ms");
        } catch (Throwable loggingFailed) {
            // Out of file descriptors, a logging back end fails too (JUL's first time stamp loads
            // time-zone data from a file and throws a plain Error): the accept loop must outlive
            // that, or the server stops for good (issue 12, point 1).
        }
        Gevent.sleep(backoff);
        Duration next = backoff.multipliedBy(2);
        return next.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : next;
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
            Class.forName(Gevent.class.getName(), true, Acceptor.class.getClassLoader());
        } catch (Throwable ignored) {
            // the back-off itself survives what this could not prevent
        }
    }
}
