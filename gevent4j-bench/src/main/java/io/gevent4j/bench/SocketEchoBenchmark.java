package io.gevent4j.bench;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.socket.TcpListener;
import io.gevent4j.socket.TcpSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Echo in one process: 100 client and 100 server greenlets on one hub, 1,000 round trips of 64
 * bytes per connection, against the same program on {@code java.net.Socket} with the JDK's
 * default virtual threads (one carrier per core). {@code gevent4j-2-hubs} puts the servers on a
 * second hub (one hub per core, as a {@code HubGroup} would): each side's sockets are watched by
 * its own hub, so the hot path still has no cross-thread wake-up. The score is time per round
 * trip (lower is better); the ratio of the {@code impl} values is the comparison. For a
 * per-core comparison add {@code -jvmArgsAppend "--add-opens java.base/java.lang=ALL-UNNAMED
 * -Djdk.virtualThreadScheduler.parallelism=1"} (the option replaces the annotation's flags).
 *
 * <p>{@code nio-selector-floor} is the floor of one thread: no greenlets, no threads, one
 * {@code Selector} and a state machine per connection doing the same system calls (read, write,
 * amortised epoll_wait). Nothing on one core can do this echo much faster than it: the gap
 * between {@code gevent4j} and the floor is the whole cost of writing it as blocking code.
 *
 * <p>{@code nio-floor-plus-switches} is that floor with the one cost blocking code cannot shed:
 * each connection's two ends are virtual threads that park until the selector finds their socket
 * readable, on a scheduler that is only an {@code ArrayDeque} drained by the selecting thread
 * after each select (no hub, no greenlets, no waiters, no timers). The same system calls as the
 * floor plus two virtual-thread switches per round trip: the gap between it and {@code gevent4j}
 * is what gevent4j's own code costs; the gap between it and the floor is what the JDK charges
 * for a switch.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.lang=ALL-UNNAMED"})
public class SocketEchoBenchmark {
    static final int CONNECTIONS = 100;
    static final int ROUND_TRIPS = 1_000;
    static final int SIZE = 64;

    @Param({"gevent4j", "gevent4j-2-hubs", "jdk-virtual-threads", "nio-selector-floor", "nio-floor-plus-switches"})
    public String impl;

    private Hub hub;
    private Hub serverHub;
    private TcpListener listener;
    private final List<TcpSocket> clients = new ArrayList<>();
    private ServerSocket jdkServer;
    private Thread jdkAcceptor;
    private final List<Socket> jdkClients = new ArrayList<>();
    private NioFloor floor;
    private NioSwitchFloor switchFloor;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        if (impl.startsWith("gevent4j")) {
            hub = Hub.start("echo-bench");
            serverHub = impl.equals("gevent4j-2-hubs") ? Hub.start("echo-bench-servers") : hub;
            listener = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0), 1024);
            serverHub.spawn(() -> {
                for (int i = 0; i < CONNECTIONS; i++) {
                    TcpSocket c = listener.accept();
                    c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    Gevent.spawn(() -> echo(c));
                }
                return null;
            });
            for (int i = 0; i < CONNECTIONS; i++) {
                clients.add(hub.spawn(() -> TcpSocket.connect(listener.localAddress())
                        .setOption(StandardSocketOptions.TCP_NODELAY, true)).result());
            }
        } else if (impl.equals("nio-selector-floor")) {
            floor = new NioFloor();
        } else if (impl.equals("nio-floor-plus-switches")) {
            switchFloor = new NioSwitchFloor();
        } else if (impl.equals("jdk-virtual-threads")) {
            jdkServer = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress());
            jdkAcceptor = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < CONNECTIONS; i++) {
                        Socket s = jdkServer.accept();
                        s.setTcpNoDelay(true);
                        Thread.ofVirtual().start(() -> echo(s));
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            for (int i = 0; i < CONNECTIONS; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), jdkServer.getLocalPort());
                s.setTcpNoDelay(true);
                jdkClients.add(s);
            }
        } else {
            throw new IllegalArgumentException("unknown impl: " + impl);
        }
    }

    private static Void echo(TcpSocket c) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(SIZE * 4);
        while (c.recvInto(buf.clear()) > 0) {
            c.sendAll(buf.flip());
        }
        c.close();
        return null;
    }

    private static void echo(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            byte[] buf = new byte[SIZE * 4];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
            }
        } catch (IOException ignored) {
            // closed at tear-down
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        for (TcpSocket c : clients) {
            c.close();
        }
        if (hub != null) {
            listener.close();
            hub.close();
            serverHub.close();
        }
        for (Socket s : jdkClients) {
            s.close();
        }
        if (floor != null) {
            floor.close();
        }
        if (switchFloor != null) {
            switchFloor.close();
        }
        if (jdkServer != null) {
            jdkServer.close();
            jdkAcceptor.join();
        }
    }

    @Benchmark
    @OperationsPerInvocation(CONNECTIONS * ROUND_TRIPS)
    public void roundTrips() throws Exception {
        if (impl.startsWith("gevent4j")) {
            List<Greenlet<Void>> jobs = new ArrayList<>(CONNECTIONS);
            for (TcpSocket c : clients) {
                jobs.add(hub.spawn(() -> {
                    ByteBuffer out = ByteBuffer.allocateDirect(SIZE);
                    ByteBuffer in = ByteBuffer.allocateDirect(SIZE);
                    for (int i = 0; i < ROUND_TRIPS; i++) {
                        c.sendAll(out.clear());
                        in.clear();
                        while (in.hasRemaining()) {
                            if (c.recvInto(in) < 0) {
                                throw new IOException("closed");
                            }
                        }
                    }
                    return null;
                }));
            }
            Gevent.joinAllOrRaise(jobs);
        } else if (floor != null) {
            floor.roundTrips();
        } else if (switchFloor != null) {
            switchFloor.roundTrips();
        } else {
            List<Thread> threads = new ArrayList<>(CONNECTIONS);
            for (Socket s : jdkClients) {
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        InputStream in = s.getInputStream();
                        OutputStream out = s.getOutputStream();
                        byte[] msg = new byte[SIZE];
                        byte[] back = new byte[SIZE];
                        for (int i = 0; i < ROUND_TRIPS; i++) {
                            out.write(msg);
                            int got = 0;
                            while (got < SIZE) {
                                int n = in.read(back, got, SIZE - got);
                                if (n < 0) {
                                    throw new IOException("closed");
                                }
                                got += n;
                            }
                        }
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
        }
    }

    /** The single-threaded selector loop of {@code nio-selector-floor}. */
    static final class NioFloor {
        private final ServerSocketChannel listener;
        private final Selector selector;
        private final SocketChannel[] clients = new SocketChannel[CONNECTIONS];
        private final SocketChannel[] servers = new SocketChannel[CONNECTIONS];
        private final ByteBuffer[] serverBufs = new ByteBuffer[CONNECTIONS];
        private final ByteBuffer[] clientIn = new ByteBuffer[CONNECTIONS];
        private final ByteBuffer[] clientOut = new ByteBuffer[CONNECTIONS];
        private final int[] left = new int[CONNECTIONS];
        private int done;

        NioFloor() throws IOException {
            listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0), 1024);
            selector = Selector.open();
            for (int i = 0; i < CONNECTIONS; i++) {
                clients[i] = SocketChannel.open(listener.getLocalAddress());
                servers[i] = listener.accept();
                for (SocketChannel c : new SocketChannel[] {clients[i], servers[i]}) {
                    c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    c.configureBlocking(false);
                }
                serverBufs[i] = ByteBuffer.allocateDirect(SIZE * 4);
                clientIn[i] = ByteBuffer.allocateDirect(SIZE);
                clientOut[i] = ByteBuffer.allocateDirect(SIZE);
                servers[i].register(selector, SelectionKey.OP_READ, -(i + 1)); // negative: server side
                clients[i].register(selector, SelectionKey.OP_READ, i);
            }
        }

        void roundTrips() throws IOException {
            done = 0;
            for (int i = 0; i < CONNECTIONS; i++) {
                left[i] = ROUND_TRIPS;
                writeFully(clients[i], clientOut[i].clear());
                clientIn[i].clear();
            }
            while (done < CONNECTIONS) {
                selector.select(this::onReady);
            }
        }

        private void onReady(SelectionKey key) {
            try {
                int id = (Integer) key.attachment();
                if (id < 0) {
                    int i = -id - 1;
                    ByteBuffer b = serverBufs[i].clear();
                    if (servers[i].read(b) > 0) {
                        writeFully(servers[i], b.flip());
                    }
                } else {
                    ByteBuffer in = clientIn[id];
                    if (clients[id].read(in) < 0) {
                        throw new IOException("closed");
                    }
                    if (!in.hasRemaining()) {
                        if (--left[id] == 0) {
                            done++;
                        } else {
                            writeFully(clients[id], clientOut[id].clear());
                            in.clear();
                        }
                    }
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        /** 64 bytes always fit a loopback socket's send buffer here; a full one is an error. */
        private static void writeFully(SocketChannel c, ByteBuffer b) throws IOException {
            c.write(b);
            if (b.hasRemaining()) {
                throw new IOException("send buffer full: the floor measurement assumes it never is");
            }
        }

        void close() throws IOException {
            for (int i = 0; i < CONNECTIONS; i++) {
                clients[i].close();
                servers[i].close();
            }
            selector.close();
            listener.close();
        }
    }

    /**
     * The loop of {@code nio-floor-plus-switches}: {@link NioFloor}'s system calls, each done by
     * the virtual thread of its connection end, woken by the selector through {@code unpark}.
     */
    static final class NioSwitchFloor {
        private final ServerSocketChannel listener;
        private final Selector selector;
        private final ArrayDeque<Runnable> runQueue = new ArrayDeque<>();
        private final Thread.Builder.OfVirtual builder;
        private final SocketChannel[] clients = new SocketChannel[CONNECTIONS];
        private final SocketChannel[] servers = new SocketChannel[CONNECTIONS];
        /** Per channel end (clients 0..N-1, servers N..2N-1): the parked thread and its readiness. */
        private final Thread[] waiting = new Thread[2 * CONNECTIONS];
        private final boolean[] readable = new boolean[2 * CONNECTIONS];
        private volatile boolean closed;
        private int done;

        NioSwitchFloor() throws Exception {
            builder = YieldFloorBenchmark.bareBuilder(runQueue::add);
            listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0), 1024);
            selector = Selector.open();
            for (int i = 0; i < CONNECTIONS; i++) {
                clients[i] = SocketChannel.open(listener.getLocalAddress());
                servers[i] = listener.accept();
                for (SocketChannel c : new SocketChannel[] {clients[i], servers[i]}) {
                    c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    c.configureBlocking(false);
                }
                clients[i].register(selector, SelectionKey.OP_READ, i);
                servers[i].register(selector, SelectionKey.OP_READ, CONNECTIONS + i);
                int end = CONNECTIONS + i;
                SocketChannel server = servers[i];
                builder.start(() -> serve(server, end));
            }
            drain();
        }

        private void serve(SocketChannel server, int end) {
            ByteBuffer b = ByteBuffer.allocateDirect(SIZE * 4);
            try {
                while (awaitReadable(end)) {
                    if (server.read(b.clear()) > 0) {
                        NioFloor.writeFully(server, b.flip());
                    }
                }
            } catch (IOException e) {
                if (!closed) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }

        /** Parks until the selector finds end {@code end} readable; false once closed. */
        private boolean awaitReadable(int end) {
            while (!readable[end]) {
                if (closed) {
                    return false;
                }
                waiting[end] = Thread.currentThread();
                java.util.concurrent.locks.LockSupport.park();
                waiting[end] = null;
            }
            readable[end] = false;
            return !closed;
        }

        void roundTrips() throws IOException {
            done = 0;
            for (int i = 0; i < CONNECTIONS; i++) {
                SocketChannel c = clients[i];
                int end = i;
                builder.start(() -> {
                    ByteBuffer out = ByteBuffer.allocateDirect(SIZE);
                    ByteBuffer in = ByteBuffer.allocateDirect(SIZE);
                    try {
                        for (int r = 0; r < ROUND_TRIPS; r++) {
                            NioFloor.writeFully(c, out.clear());
                            in.clear();
                            while (in.hasRemaining()) {
                                if (!awaitReadable(end) || c.read(in) < 0) {
                                    throw new IOException("closed");
                                }
                            }
                        }
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    done++;
                });
            }
            drain();
            while (done < CONNECTIONS) {
                selector.select(key -> {
                    int end = (Integer) key.attachment();
                    readable[end] = true;
                    Thread t = waiting[end];
                    if (t != null) {
                        java.util.concurrent.locks.LockSupport.unpark(t);
                    }
                });
                drain();
            }
        }

        private void drain() {
            Runnable task;
            while ((task = runQueue.poll()) != null) {
                task.run();
            }
        }

        void close() throws IOException {
            closed = true;
            for (Thread t : waiting) {
                if (t != null) {
                    java.util.concurrent.locks.LockSupport.unpark(t);
                }
            }
            drain();
            for (int i = 0; i < CONNECTIONS; i++) {
                clients[i].close();
                servers[i].close();
            }
            selector.close();
            listener.close();
        }
    }
}
