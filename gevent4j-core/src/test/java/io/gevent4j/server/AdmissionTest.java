package io.gevent4j.server;

import static io.gevent4j.testkit.Delays.LONG;
import static io.gevent4j.testkit.Delays.MEDIUM;
import static io.gevent4j.server.StreamServerTest.client;
import static io.gevent4j.server.StreamServerTest.echo;
import static io.gevent4j.server.StreamServerTest.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.Event;
import io.gevent4j.Hub;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The connection cap's permits across the accept loop's kill: none lost, none made. */
class AdmissionTest {
    Hub hub;
    StreamServer server;

    @BeforeEach
    void startHub() {
        hub = Hub.start("admission-test");
    }

    @AfterEach
    void stopAll() {
        if (server != null) {
            server.stop(Duration.ZERO);
        }
        assertThat(hub.close(LONG)).isTrue();
    }

    @Test
    void anAcceptLoopKilledWhileItWaitsAtTheCapLosesNoPermitAndMakesNone() throws Exception {
        Event go = new Event();
        server = StreamServer.builder(c -> {
            go.await();
            echo(c);
        }).hub(hub).listen("127.0.0.1:0").maxConnections(1).build().start();
        StreamServer s = server;
        try (Socket a = client(s); Socket b = client(s)) {
            // a holds the only permit; the accept loop parks for b's
            eventually(() -> s.activeConnections() == 1 && s.admission().waiting() == 1);
            s.stopAccepting(); // kills the loop in that wait
            assertThat(s.admission().waiting()).isZero();
            s.startAccepting();
            eventually(() -> s.admission().waiting() == 1);

            b.getOutputStream().write('b');
            b.setSoTimeout((int) MEDIUM.toMillis());
            assertThatThrownBy(() -> b.getInputStream().read())
                    .as("the cap still holds: the kill made no permit")
                    .isInstanceOf(SocketTimeoutException.class);

            go.set();
            a.getOutputStream().write('a');
            assertThat(a.getInputStream().read()).isEqualTo('a');
            a.shutdownOutput(); // a's handler sees the end and returns its permit
            b.setSoTimeout((int) LONG.toMillis());
            assertThat(b.getInputStream().read()).as("a's permit went to b: the kill lost none").isEqualTo('b');
        }
        eventually(() -> s.activeConnections() == 0);
        assertThat(s.stop(LONG)).isTrue();
        assertThat(s.admission().free()).as("every permit back after the stop").isEqualTo(1);
    }
}
