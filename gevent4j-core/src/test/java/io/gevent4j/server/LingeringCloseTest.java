package io.gevent4j.server;

import static io.gevent4j.testkit.Delays.LONG;
import static io.gevent4j.testkit.Delays.SHORT;
import static io.gevent4j.server.StreamServerTest.eventually;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Hub;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, lingering close: a handler that returns while its client's input is unread (or the
 * client has not closed) must not make the kernel reset the connection, which destroys the
 * reply before the client reads it. The server half-closes and drops what still comes, bounded.
 */
class LingeringCloseTest {
    static final int REPLY = 64 * 1024;
    static final byte[] PING = "ping".getBytes(US_ASCII);

    Hub hub;
    final List<StreamServer> servers = new ArrayList<>();
    final List<Socket> clients = new ArrayList<>();

    @BeforeEach
    void startHub() {
        hub = Hub.start("linger-test");
    }

    @AfterEach
    void stopAll() throws IOException {
        for (Socket c : clients) {
            c.close();
        }
        for (StreamServer s : servers) {
            s.stop(Duration.ZERO);
        }
        assertThat(hub.close(LONG)).isTrue();
    }

    StreamServer start(StreamServer.Handler h) throws IOException {
        StreamServer s = StreamServer.builder(h).hub(hub).listen("127.0.0.1:0").build();
        servers.add(s);
        return s.start();
    }

    Socket client(StreamServer s) throws IOException {
        Socket c = StreamServerTest.client(s);
        clients.add(c);
        return c;
    }

    /** Reads "ping" (and nothing more), replies REPLY bytes and returns. */
    static void pingReply(Connection c) throws IOException {
        ByteBuffer in = ByteBuffer.allocate(PING.length);
        while (in.hasRemaining()) {
            if (c.recvInto(in) < 0) {
                return;
            }
        }
        byte[] reply = new byte[REPLY];
        Arrays.fill(reply, (byte) 'r');
        c.sendAll(reply);
    }

    /** The whole reply and then a FIN; a reset fails the read with a SocketException. */
    static void assertWholeReplyThenEndOfStream(Socket c) throws IOException {
        InputStream in = c.getInputStream();
        byte[] got = in.readNBytes(REPLY);
        assertThat(got).hasSize(REPLY);
        assertThat(in.read()).as("end of stream (FIN), not more bytes").isEqualTo(-1);
    }

    @Test
    void inputTheHandlerNeverReadDoesNotDestroyTheReply() throws Exception {
        StreamServer s = start(LingeringCloseTest::pingReply);
        Socket c = client(s);
        byte[] extra = new byte[32 * 1024];
        c.getOutputStream().write(PING);
        c.getOutputStream().write(extra); // unread by the handler
        eventually(() -> s.activeConnections() == 0); // the handler has returned, the socket is closed (or half-closed)
        assertWholeReplyThenEndOfStream(c);
    }

    @Test
    void aClientThatHasClosedIsClosedAtOnceWithoutLingering() throws Exception {
        StreamServer s = start(conn -> {
            ByteBuffer buf = ByteBuffer.allocate(1024);
            while (conn.recvInto(buf.clear()) >= 0) {
                // read all, up to the client's FIN
            }
            conn.sendAll("bye".getBytes(US_ASCII));
        });
        Socket c = client(s);
        c.getOutputStream().write(PING);
        c.shutdownOutput();
        assertThat(c.getInputStream().readAllBytes()).isEqualTo("bye".getBytes(US_ASCII));
        eventually(() -> s.activeConnections() == 0);
        assertThat(s.lingeringConnections()).isZero();
    }

    @Test
    void lingeringEndsAtItsTimeBoundWhenTheClientNeverCloses() throws Exception {
        StreamServer s = start(LingeringCloseTest::pingReply);
        Socket c = client(s);
        long t0 = System.nanoTime();
        c.getOutputStream().write(PING);
        c.getOutputStream().write(new byte[1024]);
        assertWholeReplyThenEndOfStream(c);
        eventually(() -> s.activeConnections() == 0);
        assertThat(s.lingeringConnections()).isEqualTo(1); // half-closed, waiting for our FIN
        eventually(() -> s.lingeringConnections() == 0);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(ConnectionTasks.LINGER);
    }

    @Test
    void aLingeringConnectionHoldsNoSlotOfTheLimitOrThePool() throws Exception {
        for (boolean withPool : new boolean[] {false, true}) {
            StreamServer.Builder b = StreamServer.builder(LingeringCloseTest::pingReply).hub(hub).listen("127.0.0.1:0");
            StreamServer s = (withPool ? b.pool(new io.gevent4j.Pool(1)) : b.maxConnections(1)).build();
            servers.add(s);
            s.start();
            Socket first = client(s);
            first.getOutputStream().write(PING);
            first.getOutputStream().write(new byte[1024]);
            assertWholeReplyThenEndOfStream(first);
            eventually(() -> s.lingeringConnections() == 1);
            Socket second = client(s); // served while the first still lingers
            second.getOutputStream().write(PING);
            assertWholeReplyThenEndOfStream(second);
            eventually(() -> s.lingeringConnections() == 2); // both linger: the first did not hold its slot
        }
    }

    @Test
    void aGracefulStopClosesLingeringConnectionsAtItsDeadline() throws Exception {
        StreamServer s = start(LingeringCloseTest::pingReply);
        Socket c = client(s);
        c.getOutputStream().write(PING);
        c.getOutputStream().write(new byte[1024]);
        assertWholeReplyThenEndOfStream(c);
        eventually(() -> s.activeConnections() == 0);
        assertThat(s.lingeringConnections()).isEqualTo(1);
        assertThat(s.stop(SHORT)).isTrue(); // every handler had finished
        assertThat(s.lingeringConnections()).as("closed by the stop, not left to linger on").isZero();
    }

    @Test
    void aLingeringClientThatClosesBeforeTheStopsDeadlineIsDrainedNotCut() throws Exception {
        StreamServer s = start(LingeringCloseTest::pingReply);
        Socket c = client(s);
        c.getOutputStream().write(PING);
        c.getOutputStream().write(new byte[1024]);
        eventually(() -> s.lingeringConnections() == 1);
        Thread stopper = Thread.ofPlatform().start(() -> s.stop(LONG));
        try {
            eventually(s::isStopping);
            assertWholeReplyThenEndOfStream(c);
            c.shutdownOutput();
        } finally {
            stopper.join();
        }
        assertThat(s.lingeringConnections()).isZero();
    }
}
