package io.gevent4j.server;

import static io.gevent4j.testkit.Delays.LONG;
import static io.gevent4j.testkit.Delays.MEDIUM;
import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Hub;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** StreamServer's idle shedding at its connection cap, seen through a plain echo handler. */
class IdleSheddingTest {
    Hub hub;
    StreamServer server;
    final List<Socket> sockets = new ArrayList<>();

    @BeforeEach
    void startHub() {
        hub = Hub.start("idle-shedding");
    }

    @AfterEach
    void stopAll() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        if (server != null) {
            server.stop(Duration.ZERO);
        }
        assertThat(hub.close(LONG)).isTrue();
    }

    /** Echoes one byte at a time; marks the connection idle while it waits, if {@code markIdle}. */
    void start(int max, boolean markIdle) throws IOException {
        server = StreamServer.builder(conn -> {
            ByteBuffer b = ByteBuffer.allocate(1);
            for (;;) {
                if (markIdle) {
                    conn.markIdle();
                }
                int n = conn.recvInto(b.clear());
                if (n < 0 || (markIdle && !conn.markBusy())) {
                    return;
                }
                conn.sendAll(b.flip());
            }
        }).hub(hub).listen("127.0.0.1:0").maxConnections(max).build().start();
    }

    Socket connect() throws IOException {
        Socket s = new Socket();
        sockets.add(s);
        s.connect(server.address(), (int) LONG.toMillis());
        s.setSoTimeout((int) LONG.toMillis());
        return s;
    }

    static int echo(Socket s, int c) throws IOException {
        s.getOutputStream().write(c);
        return s.getInputStream().read();
    }

    static boolean closedByServer(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    @Test
    void idleConnectionsAreShedOldestFirstOnlyWhenANewOneWaits() throws Exception {
        start(2, true);
        Socket a = connect();
        assertThat(echo(a, 'a')).isEqualTo('a');
        Socket b = connect();
        assertThat(echo(b, 'b')).isEqualTo('b');
        // full, both idle, nobody waiting: nobody is shed
        a.setSoTimeout((int) MEDIUM.toMillis());
        assertThat(closedByServer(a)).isFalse();
        a.setSoTimeout((int) LONG.toMillis());
        assertThat(echo(a, 'a')).isEqualTo('a'); // a is now the most recently idle
        Socket c = connect();
        assertThat(echo(c, 'c')).isEqualTo('c');
        assertThat(closedByServer(b)).isTrue(); // b was idle the longest
        assertThat(echo(a, 'a')).isEqualTo('a');
        assertThat(server.activeConnections()).isLessThanOrEqualTo(2);
    }

    @Test
    void connectionsNeverMarkedIdleAreNotShed() throws Exception {
        start(1, false);
        Socket a = connect();
        assertThat(echo(a, 'a')).isEqualTo('a');
        Socket b = connect();
        b.getOutputStream().write('b');
        b.setSoTimeout((int) MEDIUM.toMillis());
        assertThat(closedByServer(b)).isFalse(); // waits in the backlog: no reply, not closed
        assertThat(echo(a, 'a')).isEqualTo('a');
        a.close();
        b.setSoTimeout((int) LONG.toMillis());
        assertThat(b.getInputStream().read()).isEqualTo('b');
    }
}
