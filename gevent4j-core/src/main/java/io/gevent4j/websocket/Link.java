package io.gevent4j.websocket;

import io.gevent4j.server.Connection;
import io.gevent4j.socket.TcpSocket;
import io.gevent4j.ssl.SslSocket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * The byte stream under one WebSocket: a server's {@link Connection} (plain or TLS) or a
 * client's {@link TcpSocket} or {@link SslSocket}. Reads and writes park the calling greenlet; the read time-out is
 * the socket's (set by the reading side only), a send's bound is a {@code Timeout} around it.
 */
abstract sealed class Link {
    abstract int read(ByteBuffer dst) throws IOException;

    abstract void write(ByteBuffer src) throws IOException;

    /** The time-out of later socket calls; null for none. */
    abstract void timeout(Duration d);

    /** Sends our FIN after the last frame where the transport allows it (plain TCP). */
    abstract void shutdownOutput();

    /** Whether {@link #shutdownOutput()} tells the peer our end of stream (plain TCP, not TLS). */
    abstract boolean halfCloses();

    abstract void close();

    static Link of(Connection c) {
        return new Server(c);
    }

    static Link of(TcpSocket s) {
        return new Client(s);
    }

    static Link of(SslSocket s) {
        return new TlsClient(s);
    }

    /** A {@code wss://} client: the TLS socket reads its time-out from the TCP socket under it. */
    private static final class TlsClient extends Link {
        private final SslSocket s;

        TlsClient(SslSocket s) {
            this.s = s;
        }

        @Override
        int read(ByteBuffer dst) throws IOException {
            return s.recvInto(dst);
        }

        @Override
        void write(ByteBuffer src) throws IOException {
            s.sendAll(src);
        }

        @Override
        void timeout(Duration d) {
            if (d == null) {
                s.tcp().noTimeout();
            } else {
                s.tcp().timeout(d);
            }
        }

        @Override
        boolean halfCloses() {
            return false;
        }

        @Override
        void shutdownOutput() {
            // no half-close under TLS: close() sends close_notify
        }

        @Override
        void close() {
            try {
                s.close();
            } catch (IOException gone) {
                // nothing more to tell the peer
            }
        }
    }

    private static final class Server extends Link {
        private final Connection c;

        Server(Connection c) {
            this.c = c;
        }

        @Override
        int read(ByteBuffer dst) throws IOException {
            return c.recvInto(dst);
        }

        @Override
        void write(ByteBuffer src) throws IOException {
            c.sendAll(src);
        }

        @Override
        void timeout(Duration d) {
            if (d == null) {
                c.noTimeout();
            } else {
                c.timeout(d);
            }
        }

        @Override
        boolean halfCloses() {
            return !c.isSecure();
        }

        @Override
        void shutdownOutput() {
            if (!c.isSecure()) {
                try {
                    c.tcp().shutdownOutput();
                } catch (IOException | RuntimeException gone) {
                    // closed next anyway
                }
            }
        }

        @Override
        void close() {
            try {
                c.close();
            } catch (IOException gone) {
                // nothing more to tell the peer
            }
        }
    }

    private static final class Client extends Link {
        private final TcpSocket s;

        Client(TcpSocket s) {
            this.s = s;
        }

        @Override
        int read(ByteBuffer dst) throws IOException {
            return s.recvInto(dst);
        }

        @Override
        void write(ByteBuffer src) throws IOException {
            s.sendAll(src);
        }

        @Override
        void timeout(Duration d) {
            if (d == null) {
                s.noTimeout();
            } else {
                s.timeout(d);
            }
        }

        @Override
        boolean halfCloses() {
            return true;
        }

        @Override
        void shutdownOutput() {
            try {
                s.shutdownOutput();
            } catch (IOException | RuntimeException gone) {
                // closed next anyway
            }
        }

        @Override
        void close() {
            try {
                s.close();
            } catch (IOException gone) {
                // nothing more to tell the peer
            }
        }
    }
}
