package io.gevent4j.server;

import static io.gevent4j.testkit.Delays.LONG;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Hub;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DatagramServerTest {
    Hub hub;

    @BeforeEach
    void startHub() {
        hub = Hub.start("udp-server-test");
    }

    @AfterEach
    void closeHub() {
        assertThat(hub.close(LONG)).isTrue();
    }

    @Test
    void answersEachDatagramThroughTheServersSocket() throws Exception {
        DatagramServer s = DatagramServer.builder(d -> d.reply(new String(d.data(), US_ASCII).toUpperCase(Locale.ROOT)
                        .getBytes(US_ASCII)))
                .hub(hub).listen("127.0.0.1:0").build().start();
        try (DatagramSocket c = new DatagramSocket()) {
            c.setSoTimeout((int) LONG.toMillis());
            for (String msg : new String[] {"ping", "pong", "x"}) {
                byte[] out = msg.getBytes(US_ASCII);
                c.send(new DatagramPacket(out, out.length, s.address()));
                DatagramPacket in = new DatagramPacket(new byte[100], 100);
                c.receive(in);
                assertThat(new String(in.getData(), 0, in.getLength(), US_ASCII)).isEqualTo(msg.toUpperCase(Locale.ROOT));
                assertThat(in.getSocketAddress()).isEqualTo(s.address());
            }
        } finally {
            assertThat(s.stop(Duration.ofSeconds(1))).isTrue();
        }
    }

    @Test
    void aFailingHandlerDoesNotStopTheServer() throws Exception {
        DatagramServer s = DatagramServer.builder(d -> {
                    if (d.data()[0] == 'f') {
                        throw new IllegalArgumentException("bad datagram");
                    }
                    d.reply(d.data());
                })
                .hub(hub).listen("127.0.0.1:0").maxConcurrency(1).build().start();
        try (DatagramSocket c = new DatagramSocket()) {
            c.setSoTimeout((int) LONG.toMillis());
            c.send(new DatagramPacket(new byte[] {'f'}, 1, s.address()));
            c.send(new DatagramPacket(new byte[] {'o'}, 1, s.address()));
            DatagramPacket in = new DatagramPacket(new byte[10], 10);
            c.receive(in);
            assertThat(in.getLength()).isEqualTo(1);
            assertThat(in.getData()[0]).isEqualTo((byte) 'o');
        } finally {
            s.close();
        }
    }
}
