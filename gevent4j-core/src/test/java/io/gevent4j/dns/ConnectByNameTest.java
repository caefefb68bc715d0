package io.gevent4j.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.socket.TcpListener;
import io.gevent4j.socket.TcpSocket;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code TcpSocket.connect(host, port)} resolves through {@link Dns} and tries each address in turn. */
class ConnectByNameTest {
    static final Duration LONG = Duration.ofSeconds(5);
    Hub hub;

    @BeforeEach
    void start() {
        hub = Hub.start("connect-test");
        // 127.0.0.2 is loopback too on Linux, but nothing listens there: the first address fails.
        Dns.setResolver(Resolver.of(DnsConfig.of(List.of(new InetSocketAddress("127.0.0.1", 9))),
                "127.0.0.2 multi.test\n127.0.0.1 multi.test\n127.0.0.2 nowhere.test\n127.0.0.3 nowhere.test\n"));
    }

    @AfterEach
    void stop() {
        Dns.setResolver(Resolver.system());
        assertThat(hub.close(LONG)).isTrue();
    }

    @Test
    void triesEachAddressInTurn() throws Exception {
        try (TcpListener listener = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0))) {
            int port = listener.localAddress().getPort();
            Greenlet<TcpSocket> acceptor = hub.spawn(listener::accept);
            Greenlet<InetSocketAddress> g = hub.spawn(() -> {
                try (TcpSocket s = TcpSocket.connect("multi.test", port, LONG)) {
                    return s.remoteAddress();
                }
            });
            assertThat(g.result(LONG).getAddress().getHostAddress()).isEqualTo("127.0.0.1");
            acceptor.result(LONG).close();
        }
    }

    @Test
    void reportsTheLastErrorWithTheEarlierOnesSuppressed() throws Exception {
        int port;
        try (TcpListener probe = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0))) {
            port = probe.localAddress().getPort();
        }
        Greenlet<TcpSocket> g = hub.spawn(() -> TcpSocket.connect("nowhere.test", port, LONG));
        g.join(LONG);
        Throwable e = g.exception();
        assertThat(e).isInstanceOf(ConnectException.class).hasMessageContaining("127.0.0.3");
        assertThat(e.getSuppressed()).singleElement().asString().contains("127.0.0.2");
    }
}
