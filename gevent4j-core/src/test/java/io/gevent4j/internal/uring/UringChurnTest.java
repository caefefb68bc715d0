package io.gevent4j.internal.uring;

import static io.gevent4j.testkit.Delays.LONG;
import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Hub;
import io.gevent4j.internal.Loops;
import io.gevent4j.socket.UdpSocket;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * Short-lived sockets on an io_uring hub, as the resolver makes them (a new socket per query,
 * closed at once): no readiness may be lost while descriptors are closed and their numbers reused.
 */
class UringChurnTest {
    @Test
    void aThousandShortLivedUdpExchangesNeverMissAReply() throws Exception {
        UringAssumptions.assumeUringAvailable();
        String before = System.getProperty(Pollers.PROPERTY);
        System.setProperty(Pollers.PROPERTY, "uring");
        Hub hub;
        try {
            hub = Hub.start("uring-churn");
        } finally {
            if (before == null) {
                System.clearProperty(Pollers.PROPERTY);
            } else {
                System.setProperty(Pollers.PROPERTY, before);
            }
        }
        try (DatagramSocket echo = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            Thread server = Thread.ofPlatform().daemon().start(() -> {
                byte[] buf = new byte[64];
                try {
                    while (true) {
                        DatagramPacket p = new DatagramPacket(buf, buf.length);
                        echo.receive(p);
                        echo.send(p);
                    }
                } catch (java.io.IOException closed) {
                    // the test is over
                }
            });
            assertThat(Loops.byId(hub.id()).ioHandler()).isInstanceOf(UringIo.class);
            InetSocketAddress target = (InetSocketAddress) echo.getLocalSocketAddress();
            Integer done = hub.spawn(() -> {
                int n = 0;
                for (int i = 0; i < 1000; i++) {
                    try (UdpSocket s = UdpSocket.open().timeout(LONG)) {
                        s.sendTo(ByteBuffer.wrap(new byte[] {(byte) i}), target);
                        ByteBuffer in = ByteBuffer.allocate(8);
                        s.recvFrom(in);
                        assertThat(in.get(0)).isEqualTo((byte) i);
                        n++;
                    }
                }
                return n;
            }).result(LONG.multipliedBy(6));
            assertThat(done).isEqualTo(1000);
            echo.close();
            server.join(LONG.toMillis());
        } finally {
            assertThat(hub.close(LONG)).isTrue();
        }
    }
}
