package io.gevent4j.internal.uring;

import static io.gevent4j.testkit.Delays.LONG;
import static io.gevent4j.testkit.Delays.SHORT;
import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.internal.IoHandler;
import io.gevent4j.testkit.Delays;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The poller when the kernel refuses submissions for a while, as a 5.x kernel's
 * {@code io_uring_enter} answers EBUSY while completions wait in its overflow backlog (simulated:
 * Linux 6.x takes every submission): no descriptor is released while a submission naming it
 * waits, and a wake-up reaped while the submission ring was full still ends the poll.
 */
class UringRefusedSubmissionsTest {
    private UringIo io;
    private final List<AutoCloseable> closeLater = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        UringAssumptions.assumeUringAvailable();
        io = new UringIo("refused");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeLater) {
            c.close();
        }
        if (io != null) {
            io.close();
        }
    }

    @Test
    void aClosedChannelKeepsItsDescriptorWhileASendNamingItWaitsForTheKernel() throws Exception {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        closeLater.add(server);
        SocketChannel ch = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()));
        closeLater.add(ch);
        ch.configureBlocking(false);
        Socket peer = server.accept();
        closeLater.add(peer);
        SelectionKey key = io.register(ch, 0, () -> {});
        io.pollNow(Runnable::run);
        IoHandler.SendQueue q = io.sendQueue(key);
        assertThat(q.offer(ByteBuffer.wrap(new byte[] {1, 2, 3}))).isEqualTo(3); // a SEND prepared, not yet submitted
        ch.close(); // as the library's close does: the channel, then its key through the poller
        key.cancel();
        io.refuseSubmissionsForTest(2); // the pass's enter and the release's enter
        io.pollNow(Runnable::run);
        assertThat(ch.isRegistered())
                .as("the descriptor stays open (registered) while the SEND naming it waits for the kernel").isTrue();
        long end = System.nanoTime() + LONG.toNanos();
        while (ch.isRegistered() && System.nanoTime() < end) {
            io.poll(Runnable::run, SHORT.toMillis());
        }
        assertThat(ch.isRegistered()).as("released once the kernel took the SEND").isFalse();
        assertThat(io.sendsInFlight).isZero();
    }

    @Test
    void aWakeupReapedWhileTheSubmissionRingWasFullStillEndsThePoll() throws Exception {
        List<SelectionKey> keys = new ArrayList<>();
        for (int i = 0; i < UringIo.ENTRIES + 50; i++) {
            DatagramChannel d = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            closeLater.add(d);
            d.configureBlocking(false);
            keys.add(io.register(d, 0, () -> {}));
        }
        io.pollNow(Runnable::run); // the wake-up's read is armed
        io.wakeup(); // its completion waits in the ring; the eventfd is drained again
        // More polls than the submission ring holds, none of them ready: the next poll fills the
        // ring, the kernel refuses it once, and the poller reaps (the wake-up) to make room.
        for (SelectionKey k : keys) {
            k.interestOps(SelectionKey.OP_READ);
        }
        io.refuseSubmissionsForTest(1);
        long t0 = System.nanoTime();
        io.poll(Runnable::run, LONG.multipliedBy(2).toMillis());
        assertThat(Delays.since(t0)).as("the wake-up ended the poll, not its time-out").isLessThan(LONG);
    }
}
