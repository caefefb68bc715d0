package io.gevent4j.internal.uring;

import static io.gevent4j.testkit.Delays.LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.Hub;
import io.gevent4j.internal.IoHandler;
import io.gevent4j.internal.Loop;
import io.gevent4j.internal.Loops;
import io.gevent4j.internal.SelectorIo;
import io.gevent4j.socket.TcpListener;
import io.gevent4j.socket.TcpSocket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Choosing the poller: the property, its errors, and that the chosen one really serves the hubs. */
class UringBackendTest {
    @Test
    void theSuiteRunsOnThePollerItAskedFor() throws Exception {
        String asked = System.getProperty(Pollers.PROPERTY, "nio");
        Hub hub = Hub.start("backend");
        try {
            String kind = Pollers.kind(loopOf(hub).ioHandler());
            if (asked.equals("uring") && !Pollers.unavailableReason().isEmpty()) {
                assertThat(System.getenv("CI")).as("CI must run the uring suite on io_uring: "
                        + Pollers.unavailableReason()).isNotEqualTo("true");
                assertThat(kind).as("fell back").isEqualTo("nio");
            } else {
                assertThat(kind).isEqualTo(asked);
            }
        } finally {
            assertThat(hub.close(LONG)).isTrue();
        }
    }

    @Test
    void anUnknownPollerNameIsAnError() {
        String before = System.getProperty(Pollers.PROPERTY);
        System.setProperty(Pollers.PROPERTY, "epoll");
        try {
            assertThatThrownBy(() -> Pollers.open("x")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("-Dgevent4j.io=epoll: unknown poller; expected nio (the default) or uring");
        } finally {
            restore(before);
        }
    }

    @Test
    void nioIsTheDefault() {
        String before = System.getProperty(Pollers.PROPERTY);
        System.clearProperty(Pollers.PROPERTY);
        try {
            IoHandler io = Pollers.open("x");
            assertThat(io).isInstanceOf(SelectorIo.class);
            io.close();
        } finally {
            restore(before);
        }
    }

    @Test
    void aHubOnIoUringEchoesOverItsOwnSockets() throws Exception {
        UringAssumptions.assumeUringAvailable();
        String before = System.getProperty(Pollers.PROPERTY);
        System.setProperty(Pollers.PROPERTY, "uring");
        Hub hub;
        try {
            hub = Hub.start("uring-echo");
        } finally {
            restore(before);
        }
        try {
            assertThat(loopOf(hub).ioHandler()).isInstanceOf(UringIo.class);
            byte[] reply = hub.spawn(() -> {
                try (TcpListener l = TcpListener.bind(new java.net.InetSocketAddress("127.0.0.1", 0))) {
                    var server = io.gevent4j.Gevent.spawn(() -> {
                        try (TcpSocket c = l.accept()) {
                            c.sendAll(recvExactly(c, 5));
                        }
                        return null;
                    });
                    try (TcpSocket c = TcpSocket.connect(l.localAddress())) {
                        c.sendAll("hello".getBytes(StandardCharsets.US_ASCII));
                        byte[] back = recvExactly(c, 5);
                        server.join();
                        return back;
                    }
                }
            }).result(LONG);
            assertThat(new String(reply, StandardCharsets.US_ASCII)).isEqualTo("hello");
        } finally {
            assertThat(hub.close(LONG)).isTrue();
        }
    }

    private static Loop loopOf(Hub hub) {
        return Loops.byId(hub.id());
    }

    private static void restore(String before) {
        if (before == null) {
            System.clearProperty(Pollers.PROPERTY);
        } else {
            System.setProperty(Pollers.PROPERTY, before);
        }
    }

    private static byte[] recvExactly(TcpSocket c, int n) throws java.io.IOException {
        byte[] buf = new byte[n];
        int got = 0;
        while (got < n) {
            int r = c.recvInto(buf, got, n - got);
            assertThat(r).as("end of stream after %d bytes", got).isPositive();
            got += r;
        }
        return buf;
    }
}
