package io.gevent4j.bench;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.internal.Loops;
import io.gevent4j.internal.uring.Pollers;
import io.gevent4j.socket.TcpListener;
import io.gevent4j.socket.TcpSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
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
 * The hub's two pollers on the same echo, beside the floors under each (issue #15 point 3): 100
 * client and 100 server greenlets on one hub, 1,000 round trips of 64 bytes per connection, with
 * the hub on the NIO selector ({@code nio}) or on the io_uring poller ({@code uring}: readiness
 * by {@code POLL_ADD}s in the ring, reads plain system calls, sends queued into the ring). The
 * floors do the same echo in one thread with no greenlets: {@code nio-floor} is
 * {@link SocketEchoBenchmark}'s selector loop, {@code uring-floor} the same loop on an io_uring
 * ring through FFM ({@link UringEchoFloor}: receives and sends all SQEs). The score is time per
 * round trip. Setting up fails rather than measure NIO twice if io_uring is unavailable.
 *
 * <pre>gevent4j-bench/scripts/uring-vs-nio.sh</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.lang=ALL-UNNAMED",
        "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED"})
public class PollerEchoBenchmark {
    static final int CONNECTIONS = 100;
    static final int ROUND_TRIPS = 1_000;
    static final int SIZE = 64;

    /** The hub's poller ({@code nio}, {@code uring}), or a floor with no hub ({@code nio-floor}, {@code uring-floor}). */
    @Param({"nio", "uring", "nio-floor", "uring-floor"})
    public String poller;

    private SocketEchoBenchmark.NioFloor nioFloor;
    private UringEchoFloor uringFloor;

    private Hub hub;
    private TcpListener listener;
    private final List<TcpSocket> clients = new ArrayList<>();

    /** Starts the hub on the chosen poller, then connects the pairs. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        if (poller.equals("nio-floor")) {
            nioFloor = new SocketEchoBenchmark.NioFloor();
            return;
        }
        if (poller.equals("uring-floor")) {
            uringFloor = new UringEchoFloor(CONNECTIONS, ROUND_TRIPS, SIZE);
            return;
        }
        System.setProperty(Pollers.PROPERTY, poller);
        hub = Hub.start("poller-echo");
        String kind = Pollers.kind(Loops.byId(hub.id()).ioHandler());
        if (!kind.equals(poller)) {
            hub.close();
            throw new IllegalStateException("asked for the " + poller + " poller, the hub got " + kind
                    + " (see the log line above for why)");
        }
        listener = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0), 1024);
        hub.spawn(() -> {
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
    }

    private static Void echo(TcpSocket c) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(SIZE * 4);
        while (c.recvInto(buf.clear()) > 0) {
            c.sendAll(buf.flip());
        }
        c.close();
        return null;
    }

    /** Closes the connections and the hub. */
    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        if (nioFloor != null) {
            nioFloor.close();
            return;
        }
        if (uringFloor != null) {
            uringFloor.close();
            return;
        }
        for (TcpSocket c : clients) {
            c.close();
        }
        listener.close();
        hub.close();
    }

    /** 1,000 round trips on each of the 100 connections, all at once. */
    @Benchmark
    @OperationsPerInvocation(CONNECTIONS * ROUND_TRIPS)
    public void roundTrips() throws Exception {
        if (nioFloor != null) {
            nioFloor.roundTrips();
            return;
        }
        if (uringFloor != null) {
            uringFloor.roundTrips();
            return;
        }
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
    }
}
