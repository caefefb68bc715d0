package io.gevent4j.internal.uring;

import static io.gevent4j.testkit.Delays.LONG;
import static io.gevent4j.testkit.Delays.MEDIUM;
import static io.gevent4j.testkit.Delays.SHORT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.internal.IoHandler;
import io.gevent4j.internal.Loops;
import io.gevent4j.internal.Strand;
import io.gevent4j.socket.TcpSocket;
import io.gevent4j.testkit.Delays;
import io.gevent4j.testkit.Probe;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Completion-mode sends on the io_uring poller: a {@code TcpSocket}'s sends are queued into the
 * ring and submitted by the hub's next pass, with their order, errors, bound and close kept.
 */
class UringSendsTest {
    private Hub hub;
    private ServerSocket server;
    private final List<AutoCloseable> closeLater = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        UringAssumptions.assumeUringAvailable();
        String before = System.getProperty(Pollers.PROPERTY);
        System.setProperty(Pollers.PROPERTY, "uring");
        try {
            hub = Hub.start("uring-sends");
        } finally {
            if (before == null) {
                System.clearProperty(Pollers.PROPERTY);
            } else {
                System.setProperty(Pollers.PROPERTY, before);
            }
        }
        assertThat(uring()).isNotNull();
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
        for (Thread t : threads) {
            t.join(LONG.toMillis());
            assertThat(t.isAlive()).as("%s ended", t).isFalse();
        }
        if (hub != null) {
            assertThat(hub.close(LONG)).isTrue();
        }
    }

    private UringIo uring() {
        IoHandler io = Loops.byId(hub.id()).ioHandler();
        return io instanceof UringIo u ? u : null;
    }

    private InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }

    /** The peer of a socket just connected (it waits in the backlog: accept does not block). */
    private Socket acceptPeer() throws IOException {
        Socket peer = server.accept();
        peer.setSoTimeout((int) LONG.toMillis());
        closeLater.add(peer);
        return peer;
    }

    private static byte patternAt(long i) {
        return (byte) (i * 31 + (i >>> 8));
    }

    /** Reads the peer to its end on a thread, checking the pattern; the count read. */
    private Thread reader(Socket peer, long startAfterMillis, AtomicLong count, AtomicReference<Throwable> error) {
        Thread t = Thread.ofPlatform().name("peer-reader").start(() -> {
            try {
                Thread.sleep(startAfterMillis); // the sender fills its buffers first
                InputStream in = peer.getInputStream();
                byte[] buf = new byte[8192];
                long at = 0;
                for (int n; (n = in.read(buf)) > 0; ) {
                    for (int i = 0; i < n; i++) {
                        if (buf[i] != patternAt(at + i)) {
                            throw new AssertionError("byte " + (at + i) + " is out of order");
                        }
                    }
                    at += n;
                }
                count.set(at);
            } catch (Throwable e) {
                error.set(e);
            }
        });
        threads.add(t);
        return t;
    }

    private static void sendPattern(TcpSocket c, long total, int chunk) throws IOException {
        byte[] b = new byte[chunk];
        for (long at = 0; at < total; at += chunk) {
            for (int i = 0; i < chunk; i++) {
                b[i] = patternAt(at + i);
            }
            c.sendAll(b);
        }
    }

    @Test
    void aSendIsQueuedAndGoesOutWithTheHubsNextPass() throws Exception {
        int[] seen = hub.spawn(() -> {
            try (TcpSocket c = TcpSocket.connect(address())) {
                Socket peer = acceptPeer();
                c.sendAll(new byte[] {1, 2, 3, 4, 5});
                int before = peer.getInputStream().available(); // no system call sent them yet
                Gevent.sleep(SHORT);
                int after = peer.getInputStream().available();
                return new int[] {before, after};
            }
        }).result(LONG);
        assertThat(seen).containsExactly(0, 5);
    }

    @Test
    void shortSendsAreCompletedInOrder() throws Exception {
        shortSendsInOrder(false);
    }

    /** A send answered EAGAIN (a kernel that does not wait in the ring) polls for room, then sends again. */
    @Test
    void aSendThatFindsNoRoomPollsForItThenSendsAgain() throws Exception {
        uring().sendFlags |= UringIo.MSG_DONTWAIT;
        shortSendsInOrder(true);
    }

    private void shortSendsInOrder(boolean eagain) throws Exception {
        long total = 3000L * 1000;
        AtomicLong read = new AtomicLong();
        AtomicReference<Throwable> error = new AtomicReference<>();
        long shortBefore = uring().shortSends;
        long pollsBefore = uring().roomPolls;
        hub.spawn(() -> {
            TcpSocket c = TcpSocket.open().setOption(StandardSocketOptions.SO_SNDBUF, 8192);
            c.connectTo(address(), LONG);
            Socket peer = acceptPeer();
            reader(peer, MEDIUM.toMillis(), read, error);
            try (c) {
                sendPattern(c, total, 1000);
            }
            return null;
        }).result(Delays.VERY_LONG);
        threads.get(0).join(Delays.VERY_LONG.toMillis());
        assertThat(error.get()).isNull();
        assertThat(read.get()).isEqualTo(total);
        assertThat(uring().shortSends).as("sends the kernel took in part").isGreaterThan(shortBefore);
        if (eagain) {
            assertThat(uring().roomPolls).as("sends that found no room (EAGAIN) and polled for it").isGreaterThan(pollsBefore);
        }
    }

    @Test
    void aQueuedSendsErrorIsThrownByTheNextCall() throws Exception {
        AtomicReference<Throwable> onSend = new AtomicReference<>();
        Greenlet<Void> g = hub.spawn(() -> {
            TcpSocket c = TcpSocket.connect(address());
            closeLater.add(c);
            Socket peer = acceptPeer();
            peer.setSoLinger(true, 0);
            peer.close(); // a reset
            Gevent.sleep(SHORT);
            c.sendAll(new byte[100]); // queued: no error yet
            Gevent.sleep(SHORT); // its completion arrives with the error
            try {
                c.sendAll(new byte[100]);
            } catch (IOException e) {
                onSend.set(e);
            }
            return null;
        });
        g.result(LONG);
        assertThat(onSend.get()).isExactlyInstanceOf(IOException.class)
                .message().isIn("Connection reset by peer", "Broken pipe");
    }

    @Test
    void aQueuedSendsErrorIsThrownByClose() throws Exception {
        AtomicReference<Throwable> onClose = new AtomicReference<>();
        hub.spawn(() -> {
            TcpSocket c = TcpSocket.connect(address());
            Socket peer = acceptPeer();
            peer.setSoLinger(true, 0);
            peer.close();
            Gevent.sleep(SHORT);
            c.sendAll(new byte[100]);
            Gevent.sleep(SHORT);
            try {
                c.close();
            } catch (IOException e) {
                onClose.set(e);
            }
            assertThat(c.isOpen()).isFalse();
            return null;
        }).result(LONG);
        assertThat(onClose.get()).isExactlyInstanceOf(IOException.class)
                .message().isIn("Connection reset by peer", "Broken pipe");
    }

    @Test
    void queuedBytesAreBoundedAndAFullQueueWaitsWithinTheTimeout() throws Exception {
        long cap = 256L << 20; // far beyond the socket buffers and the queue: reaching it is the failure
        long[] sent = new long[1];
        Throwable thrown = hub.spawn(() -> {
            TcpSocket c = TcpSocket.connect(address());
            closeLater.add(c);
            acceptPeer(); // never reads
            c.timeout(MEDIUM);
            byte[] chunk = new byte[1000];
            try {
                while (sent[0] < cap) {
                    c.sendAll(chunk);
                    sent[0] += chunk.length;
                }
                return null;
            } catch (SocketTimeoutException e) {
                return e;
            }
        }).result(Delays.VERY_LONG);
        assertThat(thrown).isInstanceOf(SocketTimeoutException.class).hasMessage("sendAll timed out");
        assertThat(sent[0]).isLessThan(cap);
    }

    @Test
    void aWriterWaitingForRoomCanBeKilled() throws Exception {
        TcpSocket[] socket = new TcpSocket[1];
        Greenlet<Void> g = hub.spawn(() -> {
            TcpSocket c = TcpSocket.connect(address());
            socket[0] = c;
            closeLater.add(c);
            acceptPeer();
            byte[] chunk = new byte[1000];
            for (;;) {
                c.sendAll(chunk);
            }
        });
        // Wait until it waits for room (parked with its queue full), then kill it. Both are read
        // at one moment: while the kernel's buffers still fill, the queue is full only by turns.
        Probe.await(() -> socket[0] != null && queueFull(socket[0]) && Probe.isParked(g), LONG,
                () -> "the writer parked with a full queue");
        assertThat(g.kill(LONG)).isTrue();
        assertThat(g.dead()).isTrue();
    }

    private boolean queueFull(TcpSocket s) {
        SelectionKey k = Loops.byId(hub.id()).keyFor(s.channel());
        return k instanceof UringKey u && u.sends != null && u.sends.full();
    }

    @Test
    void closeFlushesTheQueuedBytesFirst() throws Exception {
        long total = 700L * 1500;
        AtomicLong read = new AtomicLong();
        AtomicReference<Throwable> error = new AtomicReference<>();
        hub.spawn(() -> {
            TcpSocket c = TcpSocket.connect(address());
            reader(acceptPeer(), 0, read, error);
            sendPattern(c, total, 700);
            c.close(); // queued bytes remain: the close sends them before the end of stream
            return null;
        }).result(Delays.VERY_LONG);
        threads.get(0).join(Delays.VERY_LONG.toMillis());
        assertThat(error.get()).isNull();
        assertThat(read.get()).isEqualTo(total);
    }

    @Test
    void shutdownOutputSendsTheEndOfStreamAfterTheQueuedBytes() throws Exception {
        long total = 700L * 1500;
        AtomicLong read = new AtomicLong();
        AtomicReference<Throwable> error = new AtomicReference<>();
        hub.spawn(() -> {
            try (TcpSocket c = TcpSocket.connect(address())) {
                reader(acceptPeer(), 0, read, error);
                sendPattern(c, total, 700);
                c.shutdownOutput();
                Gevent.sleep(MEDIUM); // the socket stays open: only the FIN ends the reader
            }
            return null;
        }).result(Delays.VERY_LONG);
        threads.get(0).join(Delays.VERY_LONG.toMillis());
        assertThat(error.get()).isNull();
        assertThat(read.get()).isEqualTo(total);
    }

    /** A socket whose peer never reads, registered (interest 0) on a poller, with its send queue. */
    private record Silent(SocketChannel ch, SelectionKey key, IoHandler.SendQueue q) {}

    private Silent silentPeer(UringIo io) throws IOException {
        SocketChannel ch = SocketChannel.open(address());
        closeLater.add(ch);
        ch.configureBlocking(false);
        acceptPeer(); // never reads
        SelectionKey key = io.register(ch, 0, () -> {});
        return new Silent(ch, key, io.sendQueue(key));
    }

    /**
     * Cancels {@code q}, whose one operation is in flight, lets the poller settle it, and checks
     * that it is idle, holds no buffer and refuses new bytes.
     */
    private static void cancelAndSettle(UringIo io, SelectionKey key, IoHandler.SendQueue q, ByteBuffer chunk)
            throws Exception {
        q.cancel();
        for (int i = 0; i < 20 && !q.idle(); i++) {
            io.poll(Runnable::run, SHORT.toMillis());
        }
        assertThat(io.sendsInFlight).isZero();
        assertThat(q.idle()).as("the cancelled queue settled").isTrue();
        assertThat(((UringKey) key).sends.bufferInFlight()).isNull();
        assertThatThrownBy(() -> q.offer(chunk.clear())).isInstanceOf(ClosedChannelException.class);
    }

    /** On the poller alone: a cancel ends a send the peer never lets finish; the buffer is released after it. */
    @Test
    void cancelEndsASendInFlight() throws Exception {
        UringIo io = new UringIo("cancel");
        try {
            Silent silent = silentPeer(io);
            SocketChannel ch = silent.ch();
            SelectionKey key = silent.key();
            IoHandler.SendQueue q = silent.q();
            ByteBuffer chunk = ByteBuffer.allocate(1000);
            long end = System.nanoTime() + LONG.toNanos();
            // Fill the socket and then the queue: the last send stays in flight.
            while (System.nanoTime() < end) {
                int n = q.offer(chunk.clear());
                io.pollNow(Runnable::run);
                if (n == 0) {
                    break;
                }
            }
            assertThat(((UringKey) key).sends.full()).isTrue();
            io.poll(Runnable::run, SHORT.toMillis());
            assertThat(io.sendsInFlight).isEqualTo(1);
            cancelAndSettle(io, key, q, chunk);
            assertThat(ch.isOpen()).isTrue();
        } finally {
            io.close();
        }
    }
    /**
     * On the poller alone, on a kernel that answers a full socket with EAGAIN: a cancel ends the
     * poll for room in flight, and the queue settles (idle, a flush waiting for it returns).
     */
    @Test
    void cancelEndsAPollForRoomInFlight() throws Exception {
        UringIo io = new UringIo("cancel-room-poll");
        io.sendFlags |= UringIo.MSG_DONTWAIT;
        try {
            Silent silent = silentPeer(io);
            SocketChannel ch = silent.ch();
            SelectionKey key = silent.key();
            IoHandler.SendQueue q = silent.q();
            ByteBuffer chunk = ByteBuffer.allocate(1000);
            long end = System.nanoTime() + LONG.toNanos();
            // Fill the socket and then the queue: the send that finds no room polls for it.
            while (System.nanoTime() < end && q.offer(chunk.clear()) > 0) {
                io.pollNow(Runnable::run);
            }
            while (System.nanoTime() < end && io.roomPolls == 0) {
                io.poll(Runnable::run, SHORT.toMillis());
            }
            io.poll(Runnable::run, SHORT.toMillis());
            assertThat(io.roomPolls).as("a send found no room and polls for it").isPositive();
            assertThat(io.sendsInFlight).as("the poll for room").isEqualTo(1);
            cancelAndSettle(io, key, q, chunk);
        } finally {
            io.close();
        }
    }
    /**
     * On the poller alone: two strands wait at once for one queue to drain (another hub's send on
     * the socket and a close from a thread do so): both are told when it drains.
     */
    @Test
    void everyStrandWaitingForTheQueueToDrainIsTold() throws Exception {
        UringIo io = new UringIo("two-flushers");
        try {
            SocketChannel ch = SocketChannel.open(address());
            closeLater.add(ch);
            ch.configureBlocking(false);
            Socket peer = acceptPeer();
            SelectionKey key = io.register(ch, 0, () -> {});
            IoHandler.SendQueue q = io.sendQueue(key);
            ByteBuffer chunk = ByteBuffer.allocate(1000);
            long offered = 0;
            long end = System.nanoTime() + LONG.toNanos();
            for (int n; System.nanoTime() < end && (n = q.offer(chunk.clear())) > 0; ) {
                offered += n;
                io.pollNow(Runnable::run);
            }
            io.poll(Runnable::run, SHORT.toMillis());
            assertThat(q.idle()).as("bytes wait in the queue").isFalse();
            boolean[] flushed = new boolean[2];
            for (int i = 0; i < 2; i++) {
                int at = i;
                Thread t = Thread.ofPlatform().name("flusher-" + i).start(() -> {
                    try {
                        Strand s = Strand.current();
                        flushed[at] = q.flush(s, s.deadlineAfter(LONG.toNanos()));
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                threads.add(t);
                Probe.awaitParked(t, LONG);
            }
            long toRead = offered;
            Thread drainer = Thread.ofPlatform().name("drainer").start(() -> {
                try {
                    peer.getInputStream().readNBytes(Math.toIntExact(toRead));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            threads.add(drainer);
            long until = System.nanoTime() + LONG.toNanos() + SHORT.toNanos();
            while (System.nanoTime() < until && (threads.get(0).isAlive() || threads.get(1).isAlive())) {
                io.poll(Runnable::run, SHORT.toMillis());
            }
            assertThat(q.idle()).isTrue();
            assertThat(flushed).as("both flushes saw the queue drain before their deadline").containsExactly(true, true);
        } finally {
            io.close();
        }
    }
}
