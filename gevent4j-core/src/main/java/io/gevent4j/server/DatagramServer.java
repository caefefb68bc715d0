package io.gevent4j.server;

import io.gevent4j.BoundedSemaphore;
import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.GreenletExit;
import io.gevent4j.Hub;
import io.gevent4j.socket.UdpSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A UDP server that runs a handler per datagram, each in its own greenlet: gevent's
 * {@code DatagramServer}. Replies go out through the server's own socket.
 *
 * <p>Who may call it: any thread or greenlet. {@link #start()} binds and returns (the receive
 * loop is a greenlet on the caller's hub, or the builder's); {@link #stop(Duration)} closes the
 * socket, waits for running handlers up to the time-out, then kills the rest. With
 * {@code maxConcurrency(n)} the receive loop stops reading while {@code n} handlers run
 * (datagrams then queue in the kernel buffer, and may be dropped by it, as UDP does).
 *
 * {@snippet :
 * DatagramServer echo = DatagramServer.builder(d -> d.reply(d.data()))
 *         .listen("127.0.0.1:0").build().start();
 * }
 */
public final class DatagramServer implements AutoCloseable {
    /*
     * Implementation overview: one receive-loop greenlet (acquire a slot, receive into a buffer
     * of maxDatagram bytes, copy the datagram out, spawn its handler). sendTo from handlers on
     * the same socket is safe: UdpSocket allows one reader and one writer at a time, and
     * replies are serialised by `sendLock` (handlers may run on one hub only, so contention is
     * between greenlets of that hub and only when the socket buffer is full).
     */
    private static final System.Logger LOG = System.getLogger(DatagramServer.class.getName());

    /** What the server runs for each datagram, in its own greenlet. */
    @FunctionalInterface
    public interface Handler {
        /** Handles one datagram, in its own greenlet; what it throws is logged and the server goes on. */
        void handle(Datagram datagram) throws Exception;
    }

    /** One received datagram: its bytes, its sender, and a way to answer it. */
    public static final class Datagram {
        private final byte[] data;
        private final InetSocketAddress sender;
        private final DatagramServer server;

        Datagram(byte[] data, InetSocketAddress sender, DatagramServer server) {
            this.data = data;
            this.sender = sender;
            this.server = server;
        }

        /** The datagram's bytes (a copy owned by the handler). */
        public byte[] data() {
            return data;
        }

        /** The address the datagram came from, where {@code reply} sends to. */
        public InetSocketAddress sender() {
            return sender;
        }

        /** Sends {@code reply} to the sender through the server's socket. */
        public void reply(byte[] reply) throws IOException {
            server.sendTo(ByteBuffer.wrap(reply), sender);
        }
    }

    private final Handler handler;
    private final InetSocketAddress bindAddress;
    private final int maxDatagram;
    private final BoundedSemaphore slots;
    private final Hub fixedHub;
    private final Object lock = new Object();
    private final BoundedSemaphore sendLock = new BoundedSemaphore(1);
    private final Set<Greenlet<?>> active = ConcurrentHashMap.newKeySet();
    private UdpSocket socket;
    private Greenlet<Void> loop;
    private volatile boolean stopping;

    private DatagramServer(Builder b) {
        this.handler = b.handler;
        this.bindAddress = b.address;
        this.maxDatagram = b.maxDatagram;
        this.slots = new BoundedSemaphore(b.maxConcurrency);
        this.fixedHub = b.hub;
    }

    /** A builder for a server that runs {@code handler} for each datagram it receives. */
    public static Builder builder(Handler handler) {
        return new Builder(handler);
    }

    /** Binds and starts receiving; idempotent. */
    public DatagramServer start() throws IOException {
        synchronized (lock) {
            if (stopping) {
                throw new IllegalStateException("stopped: " + this);
            }
            if (socket == null) {
                socket = UdpSocket.bind(bindAddress);
                Hub hub = fixedHub != null ? fixedHub : Hub.current();
                loop = hub.spawn(this::receiveLoop);
                loop.name("DatagramServer-receive");
            }
        }
        return this;
    }

    /** The address the server is bound to (with the port the system chose when 0 was asked). */
    public InetSocketAddress address() {
        synchronized (lock) {
            if (socket == null) {
                throw new IllegalStateException("not started");
            }
            try {
                return socket.localAddress();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Sends one datagram from the server's socket (replies to clients). */
    public void sendTo(ByteBuffer data, SocketAddress target) throws IOException {
        UdpSocket s;
        synchronized (lock) {
            s = socket;
        }
        if (s == null) {
            throw new IllegalStateException("not started");
        }
        sendLock.acquire();
        try {
            s.sendTo(data, target);
        } finally {
            sendLock.release();
        }
    }

    private void receiveLoop() {
        UdpSocket s;
        synchronized (lock) {
            s = socket;
        }
        ByteBuffer buf = ByteBuffer.allocate(maxDatagram);
        Hub hub = Hub.current();
        while (!stopping) {
            slots.acquire();
            boolean handedOver = false;
            try {
                InetSocketAddress from;
                try {
                    from = s.recvFrom(buf.clear());
                } catch (IOException e) {
                    if (!s.isOpen() || e instanceof ClosedChannelException) {
                        return;
                    }
                    LOG.log(System.Logger.Level.WARNING, "receive failed: " + e);
                    Gevent.sleep(Duration.ofMillis(10));
                    continue;
                }
                byte[] data = new byte[buf.flip().remaining()];
                buf.get(data);
                Datagram d = new Datagram(data, from, this);
                hub.spawn(() -> serve(d));
                handedOver = true;
            } finally {
                if (!handedOver) {
                    slots.release();
                }
            }
        }
    }

    private void serve(Datagram d) {
        Greenlet<?> me = Greenlet.current().orElseThrow();
        active.add(me);
        try {
            handler.handle(d);
        } catch (GreenletExit e) {
            // stopped
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "handler failed on a datagram from " + d.sender(), e);
        } finally {
            active.remove(me);
            slots.release();
        }
    }

    /** Closes the socket, lets running handlers finish until {@code timeout}, then kills them. Returns whether all finished. */
    public boolean stop(Duration timeout) {
        long deadline = System.nanoTime() + StreamServer.toNanos(timeout);
        UdpSocket s;
        Greenlet<Void> l;
        synchronized (lock) {
            stopping = true;
            s = socket;
            l = loop;
        }
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing", e);
            }
        }
        if (l != null && Greenlet.current().orElse(null) != l) {
            l.kill(StreamServer.KILL_GRACE);
        }
        if (l != null && s != null) {
            StreamServer.awaitReleased(java.util.List.of(l.hub()), java.util.List.of(s.channel())); // the port is free when stop returns
        }
        boolean graceful = true;
        for (Greenlet<?> g : new ArrayList<>(active)) {
            if (!g.join(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
                graceful = false;
            }
        }
        if (!graceful) {
            Gevent.killAll(new ArrayList<>(active), StreamServer.KILL_GRACE);
        }
        return graceful;
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(1));
    }

    /** Options of a {@link DatagramServer}. */
    public static final class Builder {
        private final Handler handler;
        private InetSocketAddress address = new InetSocketAddress(0);
        private int maxDatagram = 65_535;
        private int maxConcurrency = Integer.MAX_VALUE;
        private Hub hub;

        private Builder(Handler handler) {
            this.handler = Objects.requireNonNull(handler, "handler");
        }

        /** The address to bind, as {@code "host:port"} or {@code ":port"}. */
        public Builder listen(String address) {
            return listen(StreamServer.parseAddress(address));
        }

        /** The address to bind. */
        public Builder listen(InetSocketAddress address) {
            this.address = Objects.requireNonNull(address, "address");
            return this;
        }

        /** Longest datagram delivered whole (longer ones are truncated). Default 65,535. */
        public Builder maxDatagram(int bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("maxDatagram must be positive: " + bytes);
            }
            this.maxDatagram = bytes;
            return this;
        }

        /** How many handler greenlets may run at once (positive); further datagrams wait in the socket buffer. */
        public Builder maxConcurrency(int max) {
            if (max <= 0) {
                throw new IllegalArgumentException("maxConcurrency must be positive: " + max);
            }
            this.maxConcurrency = max;
            return this;
        }

        /** The hub the server's greenlets run on (default: the calling thread's hub). */
        public Builder hub(Hub hub) {
            this.hub = Objects.requireNonNull(hub, "hub");
            return this;
        }

        /** Binds the socket and returns the server, not yet serving (see {@code start} and {@code serveForever}). */
        public DatagramServer build() {
            return new DatagramServer(this);
        }
    }
}
