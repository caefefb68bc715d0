package io.gevent4j.bench;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.server.StreamServer;
import io.gevent4j.socket.TcpSocket;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.time.Duration;
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
 * A pipelined small-write workload on a {@code StreamServer}, with and without
 * {@code batchWrites}: 50 client greenlets on the server's hub (one core) each send 16 requests
 * of 16 bytes in one write, then read the 16 replies; the handler answers each request it has
 * read with two writes (an 8-byte head, a 24-byte body), as a protocol that writes a header and
 * then a payload does. Unbatched that is 32 write system calls per 16 requests; batched, one per
 * read of the handler. The score is time per request (lower is better); {@code batch=0} is the
 * peer of {@code batch=8192} in the same run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.lang=ALL-UNNAMED"})
public class BatchedWritesBenchmark {
    static final int CONNECTIONS = 50;
    static final int DEPTH = 16;
    static final int ROUNDS = 100;
    static final int REQUEST = 16;
    static final int HEAD = 8;
    static final int BODY = 24;

    /** The server's {@code batchWrites} size: 0 is off. */
    @Param({"0", "8192"})
    public int batch;

    private Hub hub;
    private StreamServer server;
    private final List<TcpSocket> clients = new ArrayList<>();

    /**
     * Starts the hub, the server and the client connections.
     *
     * @throws Exception if the server cannot start
     */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        hub = Hub.start("batch-bench");
        server = StreamServer.builder(BatchedWritesBenchmark::answer).batchWrites(batch).hub(hub)
                .listen("127.0.0.1:0").build().start();
        for (int i = 0; i < CONNECTIONS; i++) {
            clients.add(hub.spawn(() -> TcpSocket.connect(server.address())
                    .setOption(StandardSocketOptions.TCP_NODELAY, true)).result());
        }
    }

    private static void answer(io.gevent4j.server.Connection c) throws IOException {
        ByteBuffer in = ByteBuffer.allocate(REQUEST * DEPTH * 2);
        ByteBuffer head = ByteBuffer.allocate(HEAD);
        ByteBuffer body = ByteBuffer.allocate(BODY);
        int partial = 0;
        int n;
        while ((n = c.recvInto(in.clear())) > 0) {
            partial += n;
            for (; partial >= REQUEST; partial -= REQUEST) {
                c.sendAll(head.clear());
                c.sendAll(body.clear());
            }
        }
    }

    /**
     * Stops the server and the hub.
     *
     * @throws Exception if a client socket fails to close
     */
    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        for (TcpSocket c : clients) {
            c.close();
        }
        server.stop(Duration.ofSeconds(1));
        hub.close();
    }

    /**
     * Every client sends {@code ROUNDS} pipelined batches and reads their replies.
     *
     * @throws Exception if a client fails
     */
    @Benchmark
    @OperationsPerInvocation(CONNECTIONS * ROUNDS * DEPTH)
    public void pipelinedRequests() throws Exception {
        List<Greenlet<Void>> jobs = new ArrayList<>(CONNECTIONS);
        for (TcpSocket c : clients) {
            jobs.add(hub.spawn(() -> {
                ByteBuffer out = ByteBuffer.allocateDirect(REQUEST * DEPTH);
                ByteBuffer back = ByteBuffer.allocateDirect((HEAD + BODY) * DEPTH);
                for (int r = 0; r < ROUNDS; r++) {
                    c.sendAll(out.clear());
                    back.clear();
                    while (back.hasRemaining()) {
                        if (c.recvInto(back) < 0) {
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
