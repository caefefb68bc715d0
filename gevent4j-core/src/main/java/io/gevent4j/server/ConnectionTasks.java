package io.gevent4j.server;

import io.gevent4j.Greenlet;
import io.gevent4j.GreenletExit;
import io.gevent4j.Hub;
import io.gevent4j.ssl.SslSocket;
import io.gevent4j.socket.TcpSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The connection task of a {@link StreamServer}: what runs in each accepted connection's
 * greenlet (wrap the socket, TLS handshake, the handler, error reporting, the close, the
 * lingering close), and the registry of the live ones that a stop tells, joins and ends.
 *
 * <p>Who may call it: {@link #serve} runs in the connection's greenlet, on any hub of the
 * server; the registry methods from the stopping thread or greenlet. The registries are
 * concurrent maps, as handlers on several hubs add and remove themselves.
 */
final class ConnectionTasks {
    /*
     * Implementation overview.
     *
     * serve(): register in `active` (and `connections` once the Connection exists), run the
     * handler, then close, or half-close and linger: the permit of the connection cap is given
     * back before the lingering part, which holds a descriptor but no permit and is bounded in
     * number (`lingering`), time and bytes. A handler registered after the stop told the others
     * sees server.isStopping() (set first by the stop) and is told itself.
     */
    private static final System.Logger LOG = System.getLogger(StreamServer.class.getName());
    /**
     * The lingering close's bounds: how long and how much of what a client still sends after its
     * handler returned is read and dropped before the socket is closed.
     */
    static final Duration LINGER = Duration.ofSeconds(2);
    static final long LINGER_BYTES = 4L << 20;
    /** Connections that may linger at once: the connection limit, but at least this many. */
    static final int MIN_LINGERING = 16;

    private final StreamServer server;
    private final StreamServer.Handler handler;
    private final Admission admission;
    /** With a pool, the lingering close runs in a greenlet of its own (the pool's place is free at once). */
    private final boolean pooled;
    private final SSLContext sslContext;
    private final SSLParameters sslParameters;
    private final Duration handshakeTimeout;
    private final boolean tcpNoDelay;
    private final BiConsumer<Connection, Throwable> errorReporter;

    private final Set<Greenlet<?>> active = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<Greenlet<?>, Connection> connections = new ConcurrentHashMap<>();
    /** Connections in their lingering close (handler done, permit released), by their greenlet. */
    private final ConcurrentHashMap<Greenlet<?>, Connection> lingering = new ConcurrentHashMap<>();
    /** Set by the stop at its deadline: no connection starts lingering any more. */
    private volatile boolean lingerCutoff;

    ConnectionTasks(StreamServer server, StreamServer.Handler handler, Admission admission, boolean pooled,
            SSLContext sslContext, SSLParameters sslParameters, Duration handshakeTimeout, boolean tcpNoDelay,
            BiConsumer<Connection, Throwable> errorReporter) {
        this.server = server;
        this.handler = handler;
        this.admission = admission;
        this.pooled = pooled;
        this.sslContext = sslContext;
        this.sslParameters = sslParameters;
        this.handshakeTimeout = handshakeTimeout;
        this.tcpNoDelay = tcpNoDelay;
        this.errorReporter = errorReporter != null ? errorReporter : ConnectionTasks::reportDefault;
    }

    /** Serves one accepted socket in the calling greenlet, whose admission permit it gives back. */
    void serve(TcpSocket socket) {
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
            if (admission.idle() != null) {
                conn.idleIndex(admission.idle());
            }
            connections.put(me, conn);
            if (server.isStopping()) {
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
                LOG.log(System.Logger.Level.WARNING, "handler of " + server + " failed", e);
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
                LOG.log(System.Logger.Level.DEBUG, "closing a connection of " + server, e);
            } finally {
                if (linger && !startLingering(me, conn)) {
                    linger = false;
                    closeQuietly(conn);
                }
                active.remove(me);
                admission.release();
            }
            if (linger) {
                linger(me, conn);
            }
        }
    }

    /**
     * Registers {@code conn} (half-closed, owned by {@code g}) as lingering; false if it must be
     * closed at once instead: too many connections linger already, or a stop has passed its
     * deadline. Dekker pair with {@link #endLingering}: put, then read {@code lingerCutoff}; the
     * stop sets it, then sweeps {@code lingering}: each connection is closed by one side or the
     * other.
     */
    private boolean startLingering(Greenlet<?> g, Connection conn) {
        if (lingering.size() >= Math.max(MIN_LINGERING, admission.max())) {
            return false; // bounded: lingering sockets hold descriptors but no permit
        }
        lingering.put(g, conn);
        if (lingerCutoff) {
            lingering.remove(g);
            return false;
        }
        return true;
    }

    /**
     * The lingering close, after the permit is released: reads and drops what the client still
     * sends, until its FIN, at most {@link #LINGER} and {@link #LINGER_BYTES}, then closes. With
     * a pool, in a new greenlet, so that the pool's place is free at once.
     */
    private void linger(Greenlet<?> me, Connection conn) {
        long deadline = System.nanoTime() + LINGER.toNanos();
        if (pooled) {
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

    // ---------------------------------------------------------------- the registry, for a stop

    /** Runs every live connection's stop action (see {@link Connection#onServerStop}). */
    void tellStop() {
        // Every connection learns of the stop before any stop action runs: an action closes an
        // idle connection, and a response begun after that must not announce keep-alive.
        List<Connection> all = new ArrayList<>(connections.values());
        for (Connection c : all) {
            c.markStopping();
        }
        for (Connection c : all) {
            try {
                c.runStopAction();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "stop action of " + c + " failed", e);
            }
        }
    }

    /** The greenlets whose handler runs now (a snapshot). */
    List<Greenlet<?>> activeGreenlets() {
        return new ArrayList<>(active);
    }

    int activeCount() {
        return active.size();
    }

    int lingeringCount() {
        return lingering.size();
    }

    /**
     * Lets lingering closes go on until the stop's deadline (they hold no permit and are not
     * counted as handlers), then closes what still lingers: a stop never waits longer for them.
     */
    void endLingering(long deadline, Greenlet<?> self) {
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

    private void closeQuietly(Connection conn) {
        try {
            conn.close();
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing a connection of " + server, e);
        }
    }

    // ---------------------------------------------------------------- error reporting

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
}
