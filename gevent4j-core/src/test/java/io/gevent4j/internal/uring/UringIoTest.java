package io.gevent4j.internal.uring;

import static io.gevent4j.testkit.Delays.LONG;
import static io.gevent4j.testkit.Delays.SHORT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.testkit.Delays;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The io_uring poller on its own (no hub): readiness, level-triggering, wake-ups, closes. */
class UringIoTest {
    private UringIo io;
    private ServerSocket server;
    private final List<AutoCloseable> closeLater = new ArrayList<>();
    private final List<Runnable> fired = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        UringAssumptions.assumeUringAvailable();
        io = new UringIo("test");
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeLater) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
        if (io != null) {
            io.close();
        }
    }

    /** A connected pair: our non-blocking channel and the peer's blocking socket. */
    private SocketChannel connect(Socket[] peer) throws IOException {
        SocketChannel ch = SocketChannel.open(server.getLocalSocketAddress());
        ch.configureBlocking(false);
        peer[0] = server.accept();
        peer[0].setSoTimeout((int) LONG.toMillis());
        closeLater.add(ch);
        closeLater.add(peer[0]);
        return ch;
    }

    private void pollUntil(java.util.function.BooleanSupplier done) throws IOException {
        long deadline = System.nanoTime() + LONG.toNanos();
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("in time").isNegative();
            io.poll(Runnable::run, SHORT.toMillis());
        }
    }

    @Test
    void aReadableChannelRunsItsHandlerWithOpRead() throws Exception {
        Socket[] peer = new Socket[1];
        SocketChannel ch = connect(peer);
        int[] ready = new int[1];
        SelectionKey[] key = new SelectionKey[1];
        key[0] = io.register(ch, 0, () -> ready[0] |= key[0].readyOps());
        key[0].interestOps(SelectionKey.OP_READ);
        io.pollNow(Runnable::run);
        assertThat(ready[0]).as("nothing to read yet").isZero();

        peer[0].getOutputStream().write(new byte[] {1, 2, 3});
        pollUntil(() -> ready[0] != 0);
        assertThat(ready[0]).isEqualTo(SelectionKey.OP_READ);
        assertThat(io.keyFor(ch)).isSameAs(key[0]);
        assertThat(io.registrations()).isEqualTo(1);
    }

    @Test
    void readinessIsLevelTriggeredWhileTheInterestLasts() throws Exception {
        Socket[] peer = new Socket[1];
        SocketChannel ch = connect(peer);
        int[] times = new int[1];
        SelectionKey key = io.register(ch, SelectionKey.OP_READ, () -> times[0]++);
        peer[0].getOutputStream().write(7);
        pollUntil(() -> times[0] == 1);
        pollUntil(() -> times[0] == 2); // unread data: reported again, as the NIO selector does
        key.interestOps(0);
        ch.read(ByteBuffer.allocate(16));
        io.poll(Runnable::run, SHORT.toMillis()); // the armed poll may still fire once
        int after = times[0];
        peer[0].getOutputStream().write(8);
        io.poll(Runnable::run, SHORT.toMillis());
        io.poll(Runnable::run, SHORT.toMillis());
        assertThat(times[0]).as("no interest, no report").isEqualTo(after);
    }

    @Test
    void writeAndConnectReadiness() throws Exception {
        SocketChannel ch = SocketChannel.open();
        closeLater.add(ch);
        ch.configureBlocking(false);
        boolean connected = ch.connect(server.getLocalSocketAddress());
        int[] ready = new int[1];
        SelectionKey[] key = new SelectionKey[1];
        key[0] = io.register(ch, connected ? SelectionKey.OP_WRITE : SelectionKey.OP_CONNECT,
                () -> ready[0] |= key[0].readyOps());
        closeLater.add(server.accept());
        pollUntil(() -> ready[0] != 0);
        assertThat(ready[0]).isEqualTo(connected ? SelectionKey.OP_WRITE : SelectionKey.OP_CONNECT);
    }

    @Test
    void anAcceptableListenerReportsOpAccept() throws Exception {
        ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        closeLater.add(listener);
        listener.configureBlocking(false);
        int[] ready = new int[1];
        SelectionKey[] key = new SelectionKey[1];
        key[0] = io.register(listener, SelectionKey.OP_ACCEPT, () -> ready[0] |= key[0].readyOps());
        closeLater.add(new Socket(InetAddress.getLoopbackAddress(), listener.socket().getLocalPort()));
        pollUntil(() -> ready[0] != 0);
        assertThat(ready[0]).isEqualTo(SelectionKey.OP_ACCEPT);
    }

    @Test
    void aWakeupFromAnotherThreadEndsAnUnboundedPoll() throws Exception {
        Thread waker = Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(SHORT.toMillis()); // the poll below must be in progress (or not: both end it)
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            io.wakeup();
        });
        long t0 = System.nanoTime();
        io.poll(Runnable::run, 0); // no time-out: only the wake-up ends it
        waker.join(LONG.toMillis());
        assertThat(waker.isAlive()).isFalse();
        assertThat(Delays.since(t0)).isLessThan(LONG);
    }

    @Test
    void aWakeupBeforeThePollEndsTheNextOne() throws Exception {
        io.wakeup();
        io.poll(Runnable::run, 0); // returns at once: the eventfd is already readable
        io.pollNow(Runnable::run); // (a pollNow may consume a wake-up, as selectNow clears one)
        io.wakeup();
        io.poll(Runnable::run, 0);
    }

    @Test
    void aPollWithATimeoutWaitsAtLeastThatLong() throws Exception {
        io.poll(Runnable::run, 1); // arms the wake-up read
        long t0 = System.nanoTime();
        io.poll(Runnable::run, SHORT.toMillis());
        assertThat(Delays.since(t0)).isGreaterThanOrEqualTo(SHORT.minusMillis(1));
    }

    @Test
    void closingAWatchedChannelLetsThePeerSeeTheCloseAtTheNextPoll() throws Exception {
        Socket[] peer = new Socket[1];
        SocketChannel ch = connect(peer);
        SelectionKey key = io.register(ch, SelectionKey.OP_READ, () -> {});
        io.pollNow(Runnable::run); // the POLL_ADD is armed: the kernel holds the socket
        ch.close(); // another thread's close
        assertThat(key.isValid()).isFalse();
        io.poll(Runnable::run, 1); // the sweep removes the poll and lets the descriptor go
        assertThat(peer[0].getInputStream().read()).as("the peer sees end of stream").isEqualTo(-1);
        assertThat(io.hasRegistrations()).isFalse();
        assertThatThrownBy(() -> key.interestOps(SelectionKey.OP_READ)).isInstanceOf(CancelledKeyException.class);
    }

    @Test
    void manyChannelsEachReportedOnce() throws Exception {
        int n = 50;
        int[] counts = new int[n];
        List<Socket> peers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Socket[] peer = new Socket[1];
            SocketChannel ch = connect(peer);
            peers.add(peer[0]);
            int at = i;
            SelectionKey[] key = new SelectionKey[1];
            key[0] = io.register(ch, SelectionKey.OP_READ, () -> {
                counts[at]++;
                key[0].interestOps(0);
            });
        }
        for (Socket p : peers) {
            p.getOutputStream().write(1);
        }
        pollUntil(() -> java.util.Arrays.stream(counts).allMatch(c -> c > 0));
        io.poll(Runnable::run, 1);
        assertThat(counts).containsOnly(1);
    }

    @Test
    void aClosedHolderBreaksThePollerForGood() throws Exception {
        io.selectorForTest().close();
        assertThat(io.isOpen()).isFalse();
        assertThatThrownBy(() -> io.poll(Runnable::run, 1)).isInstanceOf(ClosedSelectorException.class);
    }
}
