package io.gevent4j.cli;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.GreenletExit;
import io.gevent4j.Hub;
import io.gevent4j.Semaphore;
import io.gevent4j.Timeout;
import io.gevent4j.server.StreamServer;
import io.gevent4j.socket.TcpListener;
import io.gevent4j.socket.TcpSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The servers of the classic experiment, all on the library's cooperative sockets, all answering
 * a connection the same way: read up to 1,024 bytes, sleep {@code delay}, send
 * {@code HTTP/1.0 200 Ok\r\n\r\nHelloWorld}, shut down writing, close.
 *
 * <ul>
 * <li>{@link Kind#SEQUENTIAL}: one greenlet accepts and serves one connection at a time.
 * <li>{@link Kind#THREADS}: a platform thread accepts; each connection gets a new platform thread.
 * <li>{@link Kind#GREENLETS}: a greenlet accepts; each connection gets a new greenlet, spread
 *     over the given hubs (gevent's {@code StreamServer} with {@code spawn}).
 * </ul>
 *
 * <p>Who may call it: any plain thread starts and closes one. {@link #close(Duration)} stops
 * accepting, lets connections in progress finish within the grace period, then kills them.
 */
final class DemoServer implements AutoCloseable {
    /*
     * Implementation overview.
     *
     * The listener is closed from the closing thread; the acceptor (greenlet or thread) wakes
     * with "Socket closed" and ends. Handlers in progress are tracked in a concurrent set (added
     * by the acceptor before the handler starts, removed by the handler at its end), so close
     * can wait for them. The THREADS variant's handlers are platform threads: at the end of the
     * grace period they are interrupted (their waits are the library's, which a plain thread
     * leaves on interrupt) and joined.
     *
     * Descriptors (issue 12, points 2 and 3): the acceptor takes a permit of `limit` before each
     * accept and the connection gives it back when it ends, so at most `limit` connections hold
     * a descriptor and the rest wait in the kernel's backlog. An accept that fails while the
     * listener is open (EMFILE: other code took the descriptors) is retried after a growing
     * pause, never the end of accepting.
     */
    static final byte[] RESPONSE = "HTTP/1.0 200 Ok\r\n\r\nHelloWorld".getBytes(StandardCharsets.US_ASCII);

    enum Kind {
        SEQUENTIAL("sequential"), THREADS("thread per connection"), GREENLETS("greenlets");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    /** What a server does with one accepted connection. */
    interface Handler {
        void handle(TcpSocket socket) throws IOException;
    }

    final Kind kind;
    private final TcpListener listener;
    private final List<Hub> hubs;
    private final Handler handler;
    private final Consumer<String> accessLog;
    private final Set<Object> active = ConcurrentHashMap.newKeySet();
    private final AtomicInteger next = new AtomicInteger();
    /** Connections that may hold a descriptor at once (null: sequential, one at a time anyway). */
    private final Semaphore limit;
    private static final System.Logger LOG = System.getLogger(DemoServer.class.getName());
    private static final Duration MIN_BACKOFF = Duration.ofMillis(10);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(1);
    private Greenlet<?> acceptorGreenlet;
    private Thread acceptorThread;

    private DemoServer(Kind kind, TcpListener listener, List<Hub> hubs, Handler handler, Consumer<String> accessLog,
                       int maxConnections) {
        this.kind = kind;
        this.limit = kind == Kind.SEQUENTIAL ? null : new Semaphore(maxConnections);
        this.listener = listener;
        this.hubs = List.copyOf(hubs);
        this.handler = handler;
        this.accessLog = accessLog;
    }

    /** The demo's answer: read up to 1,024 bytes, sleep, reply, shut down writing, close. */
    static Handler demoHandler(Duration delay) {
        return s -> {
            s.recv(1024);
            Gevent.sleep(delay);
            s.sendAll(RESPONSE);
            s.shutdownOutput();
        };
    }

    /** TCP echo: sends back what it reads until the peer shuts down writing. */
    static Handler echoHandler() {
        return s -> {
            byte[] buf = new byte[16 * 1024];
            int n;
            while ((n = s.recvInto(buf, 0, buf.length)) > 0) {
                s.sendAll(buf, 0, n);
            }
        };
    }

    /**
     * Binds {@code address} and starts serving. {@code hubs}: where the acceptor and handlers
     * run (the first hub accepts; ignored by {@link Kind#THREADS}).
     */
    static DemoServer start(Kind kind, InetSocketAddress address, List<Hub> hubs, Handler handler,
                            Consumer<String> accessLog) throws IOException {
        return start(kind, address, hubs, handler, accessLog, StreamServer.defaultMaxConnections());
    }

    /** {@link #start(Kind, InetSocketAddress, List, Handler, Consumer)} with at most {@code maxConnections} at once. */
    static DemoServer start(Kind kind, InetSocketAddress address, List<Hub> hubs, Handler handler,
                            Consumer<String> accessLog, int maxConnections) throws IOException {
        if (maxConnections <= 0) {
            throw new IllegalArgumentException("maxConnections must be positive: " + maxConnections);
        }
        // Load now what the back-off and the handlers need, while descriptors are free (a class
        // first loaded at EMFILE fails to resolve for good in the method that asked).
        LOG.isLoggable(System.Logger.Level.WARNING);
        Gevent.sleep();
        TcpListener listener = TcpListener.bind(address, 1024);
        DemoServer server = new DemoServer(kind, listener, hubs, handler, accessLog, maxConnections);
        switch (kind) {
            case SEQUENTIAL -> server.acceptorGreenlet = hubs.getFirst().greenlet(() -> {
                server.acceptLoop(true);
                return null;
            }).name("demo-sequential-acceptor").start();
            case GREENLETS -> server.acceptorGreenlet = hubs.getFirst().greenlet(() -> {
                server.acceptLoop(false);
                return null;
            }).name(kind.name().toLowerCase() + "-acceptor").start();
            case THREADS -> server.acceptorThread = Thread.ofPlatform().name("demo-threads-acceptor").daemon()
                    .start(() -> server.acceptLoop(false));
        }
        return server;
    }

    InetSocketAddress address() throws IOException {
        return listener.localAddress();
    }

    private void acceptLoop(boolean inline) {
        Duration backoff = MIN_BACKOFF;
        while (true) {
            if (limit != null) {
                limit.acquire();
            }
            TcpSocket s;
            try {
                s = listener.accept();
                backoff = MIN_BACKOFF;
            } catch (IOException | RuntimeException | Error e) {
                if (limit != null) {
                    limit.release();
                }
                if (e instanceof GreenletExit || e instanceof Timeout || !listener.isOpen()) {
                    return; // killed, or the listener was closed
                }
                backoff = backoff(e, backoff);
                continue;
            }
            if (inline) {
                serve(s);
            } else if (kind == Kind.THREADS) {
                Thread t = Thread.ofPlatform().name("demo-connection").daemon().unstarted(() -> serve(s));
                active.add(t);
                t.start();
            } else {
                Hub hub = hubs.get(Math.floorMod(next.getAndIncrement(), hubs.size()));
                Object[] self = new Object[1];
                Greenlet<Void> g = hub.greenlet(() -> {
                    try {
                        serve(s);
                    } finally {
                        active.remove(self[0]);
                    }
                    return (Void) null;
                }).name("connection");
                self[0] = g;
                active.add(g);
                g.start();
            }
        }
    }

    /** Logs (if the logger still can) and sleeps; the next pause is twice as long, at most 1 s. */
    private Duration backoff(Throwable e, Duration backoff) {
        try {
            LOG.log(System.Logger.Level.WARNING, "demo server: accept failed (" + e + "); retrying in "
                    + backoff.toMillis() + " ms");
        } catch (Throwable loggingFailed) {
            // out of descriptors, the logger may fail too (it loads time-zone data late)
        }
        Gevent.sleep(backoff);
        Duration next = backoff.multipliedBy(2);
        return next.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : next;
    }

    private void serve(TcpSocket s) {
        long start = System.nanoTime();
        String peer = "?";
        String outcome = "ok";
        try (s) {
            peer = s.remoteAddress().toString();
            handler.handle(s);
        } catch (IOException e) {
            outcome = "error: " + e.getMessage();
        } finally {
            if (kind == Kind.THREADS) {
                active.remove(Thread.currentThread());
            }
            if (limit != null) {
                limit.release();
            }
            accessLog.accept(String.format(java.util.Locale.ROOT, "%s %s %.1f ms", peer, outcome,
                    (System.nanoTime() - start) / 1e6));
        }
    }

    /** Stops accepting, waits up to {@code grace} for connections in progress, kills the rest. */
    void close(Duration grace) {
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing a listener does not fail in a way we could act on
        }
        long deadline = System.nanoTime() + grace.toNanos();
        if (acceptorGreenlet != null) {
            acceptorGreenlet.join(grace);
            acceptorGreenlet.kill(); // a sequential server may be inside a connection
        }
        if (acceptorThread != null) {
            joinQuietly(acceptorThread, grace);
        }
        List<Greenlet<?>> greenlets = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (Object o : active) {
            if (o instanceof Greenlet<?> g) {
                greenlets.add(g);
            } else if (o instanceof Thread t) {
                threads.add(t);
            }
        }
        Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
        Gevent.joinAll(greenlets, left);
        Gevent.killAll(greenlets, Duration.ofSeconds(5));
        for (Thread t : threads) {
            if (!joinQuietly(t, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
                t.interrupt();
                joinQuietly(t, Duration.ofSeconds(5));
            }
        }
    }

    private static boolean joinQuietly(Thread t, Duration d) {
        try {
            return t.join(d.isZero() ? Duration.ofNanos(1) : d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !t.isAlive();
        }
    }

    @Override
    public void close() {
        close(Duration.ZERO);
    }
}
