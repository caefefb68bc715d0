package io.gevent4j.websocket;

import io.gevent4j.server.Connection;
import io.gevent4j.socket.TcpSocket;
import io.gevent4j.ssl.SslSocket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * The byte stream under one WebSocket: a server's {@link Connection} (plain or TLS) or a
 * client's {@link TcpSocket} or {@link SslSocket}. Each is a TCP socket with, for TLS, a TLS
 * socket over it, so one class serves all three. Reads and writes park the calling greenlet;
 * the read time-out is the TCP socket's (the TLS socket reads through it; set by the reading
 * side only), a send's bound is a {@code Timeout} around it.
 */
final class Link {
    /** How the owner of the socket closes it ({@link Connection#close} also leaves its server's idle index). */
    @FunctionalInterface
    private interface Closer {
        void close() throws IOException;
    }

    private final TcpSocket tcp;
    /** The TLS socket over {@link #tcp}, or null on plain TCP. */
    private final SslSocket ssl;
    private final Closer closer;

    private Link(TcpSocket tcp, SslSocket ssl, Closer closer) {
        this.tcp = tcp;
        this.ssl = ssl;
        this.closer = closer;
    }

    static Link of(Connection c) {
        return new Link(c.tcp(), c.ssl().orElse(null), c::close);
    }

    static Link of(TcpSocket s) {
        return new Link(s, null, s::close);
    }

    static Link of(SslSocket s) {
        return new Link(s.tcp(), s, s::close);
    }

    int read(ByteBuffer dst) throws IOException {
        return ssl != null ? ssl.recvInto(dst) : tcp.recvInto(dst);
    }

    void write(ByteBuffer src) throws IOException {
        if (ssl != null) {
            ssl.sendAll(src);
        } else {
            tcp.sendAll(src);
        }
    }

    /** The time-out of later socket calls; null for none. */
    void timeout(Duration d) {
        if (d == null) {
            tcp.noTimeout();
        } else {
            tcp.timeout(d);
        }
    }

    /** Whether {@link #shutdownOutput()} tells the peer our end of stream (plain TCP, not TLS). */
    boolean halfCloses() {
        return ssl == null;
    }

    /** Sends our FIN after the last frame where the transport allows it (plain TCP; TLS closes with close_notify). */
    void shutdownOutput() {
        if (ssl == null) {
            try {
                tcp.shutdownOutput();
            } catch (IOException | RuntimeException gone) {
                // closed next anyway
            }
        }
    }

    void close() {
        try {
            closer.close();
        } catch (IOException gone) {
            // nothing more to tell the peer
        }
    }
}
