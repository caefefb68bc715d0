package io.gevent4j.bench;

import io.gevent4j.Hub;
import io.gevent4j.socket.TcpSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * sendAll throughput: 1 GiB over loopback from a greenlet ({@code TcpSocket.sendAll}, one call
 * per 16 MiB direct buffer) against a blocking {@link SocketChannel} on a platform thread. The
 * receiver is the same in both: a platform thread draining a blocking channel. Score: time per
 * GiB (lower is better).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.lang=ALL-UNNAMED"})
public class SendAllBenchmark {
    static final long TOTAL = 1L << 30;
    static final int BUFFER = 16 << 20;

    @Param({"gevent4j", "jdk-blocking-channel"})
    public String impl;

    private Hub hub;
    private ServerSocketChannel server;
    private Thread drain;
    private TcpSocket geventSocket;
    private SocketChannel jdkSocket;
    private final ByteBuffer data = ByteBuffer.allocateDirect(BUFFER);

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        drain = Thread.ofPlatform().daemon().start(() -> {
            try (SocketChannel c = server.accept()) {
                ByteBuffer sink = ByteBuffer.allocateDirect(1 << 20);
                while (c.read(sink.clear()) >= 0) {
                    // discard
                }
            } catch (Exception ignored) {
                // closed at tear-down
            }
        });
        InetSocketAddress target = (InetSocketAddress) server.getLocalAddress();
        if (impl.equals("gevent4j")) {
            hub = Hub.start("sendall-bench");
            geventSocket = hub.spawn(() -> TcpSocket.connect(target)).result();
        } else {
            jdkSocket = SocketChannel.open(target);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        if (geventSocket != null) {
            geventSocket.close();
            hub.close();
        }
        if (jdkSocket != null) {
            jdkSocket.close();
        }
        drain.join();
        server.close();
    }

    @Benchmark
    public long sendOneGiB() throws Exception {
        if (impl.equals("gevent4j")) {
            return hub.spawn(() -> {
                for (long sent = 0; sent < TOTAL; sent += BUFFER) {
                    geventSocket.sendAll(data.clear());
                }
                return TOTAL;
            }).result();
        }
        for (long sent = 0; sent < TOTAL; sent += BUFFER) {
            ByteBuffer b = data.clear();
            while (b.hasRemaining()) {
                jdkSocket.write(b);
            }
        }
        return TOTAL;
    }
}
