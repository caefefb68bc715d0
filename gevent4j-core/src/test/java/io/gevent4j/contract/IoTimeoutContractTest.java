package io.gevent4j.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Greenlet;
import io.gevent4j.GreenletExit;
import io.gevent4j.Timeout;
import io.gevent4j.socket.Io;
import io.gevent4j.socket.TcpListener;
import io.gevent4j.socket.TcpSocket;
import io.gevent4j.socket.UdpSocket;
import io.gevent4j.testkit.Delays;
import io.gevent4j.testkit.ManualHub;
import io.gevent4j.testkit.Probe;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The time-out contract of {@code TimeoutContractTest} (gevent's {@code testing/timing.py}) for
 * the waits of the I/O layer, through public API only: a socket (recv, sendAll, connect),
 * listener, UDP or {@link Io} wait with its own timeout ends as specified once that timeout has
 * passed and not before; an
 * enclosing {@link Timeout} ends a wait without its own timeout, and one shorter than the wait's
 * own, and is raised as itself (never lost, never replaced); a kill ends the wait. Greenlet cases
 * run on a {@link ManualHub} (the I/O is real loopback, the time is the hub's manual clock);
 * the plain-thread cases run in real time, elapsed asserted from below.
 */
class IoTimeoutContractTest {
    static final InetSocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    /** One blocking operation under test, on something that never becomes ready. */
    interface Subject {
        /** The operation with its own timeout. */
        Object timedWait(Duration timeout) throws Exception;

        /** The operation with no timeout of its own. */
        void untimedWait() throws Exception;

        /** Closes what the subject opened. */
        void cleanUp() throws Exception;
    }

    abstract static class Contract {
        static final Duration OWN = Duration.ofSeconds(1);

        /** Opens a subject; called where the wait will run (a greenlet of the hub, or the plain thread). */
        abstract Subject open() throws Exception;

        /** Asserts what the timed operation produced after its timeout: a return value, or what it threw. */
        void assertTimedOut(Object outcome) {
            assertThat(outcome).isInstanceOf(SocketTimeoutException.class);
        }

        static Object capture(Callable<?> call) {
            try {
                return call.call();
            } catch (Throwable t) {
                return t;
            }
        }

        /** Opens the subject in a greenlet of {@code m}, driving the loop until the loopback set-up is done. */
        final Subject openOn(ManualHub m) {
            Greenlet<Subject> g = m.hub().spawn(this::open);
            Probe.await(() -> {
                m.runUntilIdle();
                return g.ready();
            }, Delays.LONG, () -> "the subject's set-up on the hand-driven hub");
            assertThat(g.successful()).as("set-up failed: %s", g.exception()).isTrue();
            return g.value();
        }

        /** Runs {@code body} in a greenlet of {@code m} and returns it once it is parked in its wait. */
        static Greenlet<Void> parkedIn(ManualHub m, Runnable body) {
            Greenlet<Void> g = m.hub().spawn(body);
            m.runUntilIdle();
            assertThat(Probe.isParked(g)).as("parked in the wait under test").isTrue();
            return g;
        }

        @Test
        void timedWaitEndsAsSpecifiedOnceItsTimeoutHasPassedAndNotBefore() throws Exception {
            try (ManualHub m = new ManualHub()) {
                Subject s = openOn(m);
                try {
                    List<Object> out = new ArrayList<>();
                    parkedIn(m, () -> out.add(capture(() -> s.timedWait(OWN))));
                    m.advance(OWN.minusMillis(1));
                    assertThat(out).as("still waiting before its timeout").isEmpty();
                    m.advance(Duration.ofMillis(1));
                    assertThat(out).hasSize(1);
                    assertTimedOut(out.get(0));
                } finally {
                    s.cleanUp();
                }
            }
        }

        @Test
        void enclosingTimeoutEndsAWaitWithoutItsOwnTimeoutAndIsRaisedAsItself() throws Exception {
            try (ManualHub m = new ManualHub()) {
                Subject s = openOn(m);
                try {
                    List<Object> out = new ArrayList<>();
                    parkedIn(m, () -> out.add(underTimeout(OWN, s::untimedWait)));
                    m.advance(OWN.minusMillis(1));
                    assertThat(out).isEmpty();
                    m.advance(Duration.ofMillis(1));
                    assertThat(out).containsExactly("outer timeout");
                } finally {
                    s.cleanUp();
                }
            }
        }

        @Test
        void enclosingTimeoutShorterThanTheOwnTimeoutIsNotLost() throws Exception {
            try (ManualHub m = new ManualHub()) {
                Subject s = openOn(m);
                try {
                    List<Object> out = new ArrayList<>();
                    parkedIn(m, () -> out.add(underTimeout(OWN, () -> s.timedWait(OWN.multipliedBy(10)))));
                    m.advance(OWN);
                    assertThat(out).containsExactly("outer timeout");
                } finally {
                    s.cleanUp();
                }
            }
        }

        @Test
        void aKillEndsTheWait() throws Exception {
            try (ManualHub m = new ManualHub()) {
                Subject s = openOn(m);
                try {
                    List<Object> out = new ArrayList<>();
                    Greenlet<Void> g = parkedIn(m, () -> {
                        try {
                            s.untimedWait();
                            out.add("returned");
                        } catch (GreenletExit e) {
                            out.add("killed");
                            throw e;
                        } catch (Exception e) {
                            out.add(e);
                        }
                    });
                    g.killAsync();
                    m.runUntilIdle();
                    assertThat(out).as("the wait raised the kill, nothing else").containsExactly("killed");
                    assertThat(g.exit()).as("ended by the kill").isPresent();
                    assertThat(m.errors()).isEmpty();
                } finally {
                    s.cleanUp();
                }
            }
        }

        @Test
        void fromAPlainThreadTheTimedWaitTakesAtLeastItsTimeout() throws Exception {
            Subject s = open();
            try {
                long start = System.nanoTime();
                Object outcome = capture(() -> s.timedWait(Delays.SHORT));
                assertThat(Delays.since(start)).isGreaterThanOrEqualTo(Delays.SHORT);
                assertTimedOut(outcome);
            } finally {
                s.cleanUp();
            }
        }

        @Test
        void fromAPlainThreadAnEnclosingTimeoutIsRaisedAsItself() throws Exception {
            Subject s = open();
            try {
                long start = System.nanoTime();
                assertThat(underTimeout(Delays.SHORT, s::untimedWait)).isEqualTo("outer timeout");
                assertThat(Delays.since(start)).isGreaterThanOrEqualTo(Delays.SHORT);
            } finally {
                s.cleanUp();
            }
        }
    }

    @FunctionalInterface
    interface TimedOp {
        Object call(Duration timeout) throws Exception;
    }

    @FunctionalInterface
    interface Wait {
        void run() throws Exception;
    }

    /** Runs {@code body} under a started {@link Timeout}: "outer timeout" if that very Timeout ended it, else what happened. */
    static Object underTimeout(Duration d, Wait body) {
        Timeout t = Timeout.of(d);
        try (t) {
            t.start();
            body.run();
            return "returned";
        } catch (Timeout e) {
            return e == t ? "outer timeout" : e;
        } catch (GreenletExit e) {
            throw e;
        } catch (Throwable e) {
            return e;
        }
    }

    /** A connected loopback pair: the client side, and the server side the test keeps silent. */
    record Pair(TcpListener listener, TcpSocket client, TcpSocket server) implements AutoCloseable {
        static Pair open() throws IOException {
            TcpListener l = TcpListener.bind(LOOPBACK);
            try {
                TcpSocket c = TcpSocket.connect(l.localAddress());
                return new Pair(l, c, l.accept());
            } catch (IOException | RuntimeException e) {
                l.close();
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            try (listener; client; server) {
                // closes all three
            }
        }
    }

    @Nested
    class TcpSocketRecv extends Contract {
        @Override
        Subject open() throws Exception {
            Pair p = Pair.open();
            return new Subject() {
                @Override
                public Object timedWait(Duration timeout) throws Exception {
                    return p.client().timeout(timeout).recv(1);
                }

                @Override
                public void untimedWait() throws Exception {
                    p.client().noTimeout().recv(1);
                }

                @Override
                public void cleanUp() throws IOException {
                    p.close();
                }
            };
        }
    }

    /** More than any loopback socket buffers hold with the small buffers asked for below. */
    static final int FLOOD = 32 << 20;

    @Nested
    class TcpSocketSendAll extends Contract {
        @Override
        Subject open() throws Exception {
            Pair p = Pair.open();
            p.client().setOption(StandardSocketOptions.SO_SNDBUF, 4096);
            p.server().setOption(StandardSocketOptions.SO_RCVBUF, 4096);
            ByteBuffer flood = ByteBuffer.allocate(FLOOD);
            return new Subject() {
                @Override
                public Object timedWait(Duration timeout) throws Exception {
                    p.client().timeout(timeout).sendAll(flood.duplicate());
                    return "sent";
                }

                @Override
                public void untimedWait() throws Exception {
                    p.client().noTimeout().sendAll(flood.duplicate());
                }

                @Override
                public void cleanUp() throws IOException {
                    p.close();
                }
            };
        }
    }

    /**
     * A connect that stays pending: a listener with a backlog of 1 that never accepts, its queue
     * filled first, so that the kernel drops further SYNs. The fillers connect from a platform
     * thread with a real-time bound (the caller may be a greenlet of a hand-driven hub).
     */
    @Nested
    class TcpSocketConnect extends Contract {
        @Override
        Subject open() throws Exception {
            ServerSocketChannel full = ServerSocketChannel.open();
            full.bind(LOOPBACK, 1);
            InetSocketAddress address = (InetSocketAddress) full.getLocalAddress();
            List<Socket> queued = new ArrayList<>();
            List<TcpSocket> connecting = new ArrayList<>();
            AtomicBoolean pending = new AtomicBoolean();
            Thread filler = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 16 && !pending.get(); i++) {
                    Socket s = new Socket();
                    try {
                        s.connect(address, (int) Delays.SHORT.toMillis());
                        queued.add(s);
                    } catch (IOException timedOut) {
                        pending.set(true);
                        try {
                            s.close();
                        } catch (IOException ignored) {
                            // nothing to release
                        }
                    }
                }
            });
            filler.join();
            Subject subject = new Subject() {
                @Override
                public Object timedWait(Duration timeout) throws Exception {
                    TcpSocket s = TcpSocket.open();
                    connecting.add(s);
                    return s.connectTo(address, timeout);
                }

                @Override
                public void untimedWait() throws Exception {
                    TcpSocket s = TcpSocket.open();
                    connecting.add(s);
                    s.connectTo(address);
                }

                @Override
                public void cleanUp() throws IOException {
                    for (TcpSocket s : connecting) {
                        s.close();
                    }
                    for (Socket s : queued) {
                        s.close();
                    }
                    full.close();
                }
            };
            if (!pending.get()) {
                subject.cleanUp();
                throw new AssertionError("a connect to a full accept queue stays pending: none did");
            }
            return subject;
        }
    }

    @Nested
    class TcpListenerAccept extends Contract {
        @Override
        Subject open() throws Exception {
            TcpListener l = TcpListener.bind(LOOPBACK);
            return new Subject() {
                @Override
                public Object timedWait(Duration timeout) throws Exception {
                    return l.timeout(timeout).accept();
                }

                @Override
                public void untimedWait() throws Exception {
                    l.noTimeout().accept();
                }

                @Override
                public void cleanUp() throws IOException {
                    l.close();
                }
            };
        }
    }

    @Nested
    class UdpSocketRecvFrom extends Contract {
        @Override
        Subject open() throws Exception {
            UdpSocket u = UdpSocket.bind(LOOPBACK);
            return new Subject() {
                @Override
                public Object timedWait(Duration timeout) throws Exception {
                    return u.timeout(timeout).recvFrom(ByteBuffer.allocate(512));
                }

                @Override
                public void untimedWait() throws Exception {
                    u.noTimeout().recvFrom(ByteBuffer.allocate(512));
                }

                @Override
                public void cleanUp() throws IOException {
                    u.close();
                }
            };
        }
    }

    @Nested
    class UdpSocketRecvConnected extends Contract {
        @Override
        Subject open() throws Exception {
            UdpSocket silent = UdpSocket.bind(LOOPBACK);
            UdpSocket u = UdpSocket.bind(LOOPBACK).connect(silent.localAddress());
            return new Subject() {
                @Override
                public Object timedWait(Duration timeout) throws Exception {
                    return u.timeout(timeout).recv(ByteBuffer.allocate(512));
                }

                @Override
                public void untimedWait() throws Exception {
                    u.noTimeout().recv(ByteBuffer.allocate(512));
                }

                @Override
                public void cleanUp() throws IOException {
                    try (silent; u) {
                        // closes both
                    }
                }
            };
        }
    }

    /** A pipe whose source never becomes readable (nothing is written). */
    static Subject pipeSubject(Pipe pipe, TimedOp timed, Wait untimed) {
        return new Subject() {
            @Override
            public Object timedWait(Duration timeout) throws Exception {
                return timed.call(timeout);
            }

            @Override
            public void untimedWait() throws Exception {
                untimed.run();
            }

            @Override
            public void cleanUp() throws IOException {
                try (var source = pipe.source(); var sink = pipe.sink()) {
                    Io.close(source);
                    Io.close(sink);
                }
            }
        };
    }

    @Nested
    class IoWaitRead extends Contract {
        @Override
        Subject open() throws Exception {
            Pipe pipe = Pipe.open();
            pipe.source().configureBlocking(false);
            return pipeSubject(pipe, d -> {
                Io.waitRead(pipe.source(), d);
                return "readable";
            }, () -> Io.waitRead(pipe.source()));
        }
    }

    @Nested
    class IoWaitWrite extends Contract {
        @Override
        Subject open() throws Exception {
            Pipe pipe = Pipe.open();
            pipe.sink().configureBlocking(false);
            ByteBuffer chunk = ByteBuffer.allocate(64 << 10);
            long written = 0;
            while (written < FLOOD) { // fill the pipe until a write takes nothing: nobody reads it
                int n = pipe.sink().write(chunk.clear());
                if (n == 0) {
                    break;
                }
                written += n;
            }
            return pipeSubject(pipe, d -> {
                Io.waitWrite(pipe.sink(), d);
                return "writable";
            }, () -> Io.waitWrite(pipe.sink()));
        }
    }

    @Nested
    class IoSelect extends Contract {
        @Override
        Subject open() throws Exception {
            Pipe pipe = Pipe.open();
            pipe.source().configureBlocking(false);
            return pipeSubject(pipe, d -> Io.select(List.of(pipe.source()), List.of(), d),
                    () -> Io.select(List.of(pipe.source()), List.of(), Duration.ofDays(1)));
        }

        @Override
        void assertTimedOut(Object outcome) {
            assertThat(outcome).isInstanceOfSatisfying(Io.Selection.class, sel -> assertThat(sel.isEmpty()).isTrue());
        }
    }
}
