package io.gevent4j.contract;

import static io.gevent4j.contract.IoTimeoutContractTest.underTimeout;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.AsyncResult;
import io.gevent4j.Event;
import io.gevent4j.Greenlet;
import io.gevent4j.GreenletExit;
import io.gevent4j.Hub;
import io.gevent4j.dns.DnsConfig;
import io.gevent4j.dns.DnsException;
import io.gevent4j.dns.Resolver;
import io.gevent4j.http.HttpServer;
import io.gevent4j.server.StreamServer;
import io.gevent4j.testkit.Delays;
import io.gevent4j.testkit.Probe;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The time-out contract (gevent's {@code testing/timing.py}) for the blocking calls of the
 * servers and the resolver, through public API only, in real time on real hubs (their graceful
 * stop and their queries run on the system clock): a call with its own timeout returns or raises
 * as specified, and not before its timeout; an enclosing {@code Timeout} ends a call without a
 * timeout of its own (or a longer one) and is raised as itself; a kill ends the call.
 */
class ServerAndResolverTimeoutContractTest {
    static final InetSocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    Hub hub;

    @BeforeEach
    void startHub() {
        hub = Hub.start("contract");
    }

    @AfterEach
    void closeHub() {
        assertThat(hub.close(Delays.LONG)).as("the hub ended").isTrue();
    }

    /** A handler stuck in a wait that never ends: records its greenlet, and whether a kill ended it. */
    static final class Stuck {
        final AsyncResult<Greenlet<?>> handler = new AsyncResult<>();
        final List<String> ends = new CopyOnWriteArrayList<>();

        void waitForever() {
            handler.set(Greenlet.current().orElseThrow());
            try {
                new Event().await();
                ends.add("returned");
            } catch (GreenletExit e) {
                ends.add("killed");
                throw e;
            }
        }

        /** Waits until the handler is parked in its wait. */
        Greenlet<?> awaitParked() {
            Greenlet<?> g = handler.result(Delays.LONG);
            Probe.awaitParked(g, Delays.LONG);
            return g;
        }
    }

    /** Opens a loopback connection and sends {@code bytes}; the caller closes it. */
    static Socket client(InetSocketAddress at, String bytes) throws IOException {
        Socket s = new Socket(at.getAddress(), at.getPort());
        s.getOutputStream().write(bytes.getBytes(US_ASCII));
        s.getOutputStream().flush();
        return s;
    }

    @Nested
    class StreamServerCalls {
        Stuck stuck = new Stuck();
        StreamServer server;

        @BeforeEach
        void start() throws IOException {
            server = StreamServer.builder(c -> stuck.waitForever()).listen(LOOPBACK).hub(hub).build().start();
        }

        @AfterEach
        void stop() {
            server.stop(Delays.SHORT);
        }

        @Test
        void stopWithATimeoutReturnsFalseNotBeforeItAndKillsTheStuckHandler() throws Exception {
            try (Socket c = client(server.address(), "x")) {
                Greenlet<?> handler = stuck.awaitParked();
                long start = System.nanoTime();
                assertThat(server.stop(Delays.SHORT)).as("a handler did not finish by itself").isFalse();
                assertThat(Delays.since(start)).isGreaterThanOrEqualTo(Delays.SHORT);
                assertThat(handler.join(Delays.LONG)).isTrue();
                assertThat(stuck.ends).containsExactly("killed");
            }
        }

        @Test
        void awaitStopReturnsFalseNotBeforeItsTimeout() {
            long start = System.nanoTime();
            assertThat(server.awaitStop(Delays.SHORT)).isFalse();
            assertThat(Delays.since(start)).isGreaterThanOrEqualTo(Delays.SHORT);
        }

        @Test
        void serveForeverFromAPlainThreadUnderAnEnclosingTimeoutRaisesThatTimeout() {
            long start = System.nanoTime();
            assertThat(underTimeout(Delays.SHORT, server::serveForever)).isEqualTo("outer timeout");
            assertThat(Delays.since(start)).isGreaterThanOrEqualTo(Delays.SHORT);
            assertThat(server.isStarted()).as("the timeout ended the wait, not the server").isTrue();
        }

        @Test
        void serveForeverInAGreenletUnderAnEnclosingTimeoutRaisesThatTimeout() {
            Hub other = Hub.start("caller");
            try {
                Greenlet<Object> g = other.spawn(() -> underTimeout(Delays.SHORT, server::serveForever));
                assertThat(g.join(Delays.LONG)).isTrue();
                assertThat(g.value()).isEqualTo("outer timeout");
            } finally {
                assertThat(other.close(Delays.LONG)).isTrue();
            }
        }

        @Test
        void aKillEndsServeForever() throws Exception {
            Greenlet<Void> g = hub.spawn(() -> {
                server.serveForever();
                return null;
            });
            Probe.awaitParked(g, Delays.LONG);
            assertThat(g.kill(Delays.LONG)).isTrue();
            assertThat(g.exit()).isPresent();
            assertThat(server.isStarted()).as("killing a waiter does not stop the server").isTrue();
        }
    }

    @Nested
    class HttpServerCalls {
        Stuck stuck = new Stuck();
        HttpServer server;

        @BeforeEach
        void start() throws IOException {
            server = HttpServer.builder((req, resp) -> stuck.waitForever()).listen(LOOPBACK).hub(hub).build().start();
        }

        @AfterEach
        void stop() {
            server.stop(Delays.SHORT);
        }

        @Test
        void stopWithATimeoutReturnsFalseNotBeforeItAndKillsTheStuckHandler() throws Exception {
            try (Socket c = client(server.address(), "GET / HTTP/1.1\r\nHost: contract\r\n\r\n")) {
                Greenlet<?> handler = stuck.awaitParked();
                long start = System.nanoTime();
                assertThat(server.stop(Delays.SHORT)).as("a request did not finish by itself").isFalse();
                assertThat(Delays.since(start)).isGreaterThanOrEqualTo(Delays.SHORT);
                assertThat(handler.join(Delays.LONG)).isTrue();
                assertThat(stuck.ends).containsExactly("killed");
            }
        }

        @Test
        void serveForeverFromAPlainThreadUnderAnEnclosingTimeoutRaisesThatTimeout() {
            long start = System.nanoTime();
            assertThat(underTimeout(Delays.SHORT, server::serveForever)).isEqualTo("outer timeout");
            assertThat(Delays.since(start)).isGreaterThanOrEqualTo(Delays.SHORT);
        }
    }

    /** A query to a name server that never answers: a bound loopback UDP port nobody reads. */
    @Nested
    class ResolverQuery {
        DatagramChannel silent;

        @BeforeEach
        void bindSilentServer() throws IOException {
            silent = DatagramChannel.open().bind(LOOPBACK);
        }

        @AfterEach
        void closeSilentServer() throws IOException {
            silent.close();
        }

        Resolver resolver(Duration timeout) throws IOException {
            var config = new DnsConfig(List.of((InetSocketAddress) silent.getLocalAddress()), List.of(), 1, timeout, 1);
            return Resolver.of(config, ""); // no hosts file: every name goes to the silent server
        }

        @Test
        void aQueryWithItsOwnTimeoutFailsWithATimeoutNotBeforeIt() throws Exception {
            Resolver r = resolver(Delays.SHORT);
            Greenlet<Object> g = hub.spawn(() -> IoTimeoutContractTest.Contract.capture(() -> r.getaddrinfo("www.example.test")));
            long start = System.nanoTime();
            assertThat(g.join(Delays.LONG)).isTrue();
            assertThat(Delays.since(start)).isGreaterThanOrEqualTo(Delays.SHORT);
            assertThat(g.value()).isInstanceOfSatisfying(DnsException.class,
                    e -> assertThat(e.kind()).isEqualTo(DnsException.Kind.TIMEOUT));
        }

        @Test
        void anEnclosingTimeoutShorterThanTheQuerysIsRaisedAsItselfInAGreenlet() throws Exception {
            Resolver r = resolver(Delays.LONG.multipliedBy(10));
            long start = System.nanoTime();
            Greenlet<Object> g = hub.spawn(() -> underTimeout(Delays.SHORT, () -> r.getaddrinfo("www.example.test")));
            assertThat(g.join(Delays.LONG)).isTrue();
            assertThat(g.value()).isEqualTo("outer timeout");
            assertThat(Delays.since(start)).isGreaterThanOrEqualTo(Delays.SHORT);
        }

        @Test
        void anEnclosingTimeoutShorterThanTheQuerysIsRaisedAsItselfOnAPlainThread() throws Exception {
            Resolver r = resolver(Delays.LONG.multipliedBy(10));
            long start = System.nanoTime();
            assertThat(underTimeout(Delays.SHORT, () -> r.getaddrinfo("www.example.test"))).isEqualTo("outer timeout");
            assertThat(Delays.since(start)).isGreaterThanOrEqualTo(Delays.SHORT);
        }

        @Test
        void aKillEndsTheQuery() throws Exception {
            Resolver r = resolver(Delays.LONG.multipliedBy(10));
            Greenlet<Object> g = hub.spawn(() -> r.getaddrinfo("www.example.test"));
            Probe.awaitParked(g, Delays.LONG);
            assertThat(g.kill(Delays.LONG)).isTrue();
            assertThat(g.exit()).isPresent();
        }
    }
}
