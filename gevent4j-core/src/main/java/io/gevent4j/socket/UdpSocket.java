package io.gevent4j.socket;

import io.gevent4j.Hub;
import io.gevent4j.internal.io.ChannelIo;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.time.Duration;
import java.util.Optional;

/**
 * A cooperative UDP socket: gevent's {@code socket.socket(AF_INET, SOCK_DGRAM)} on a
 * non-blocking {@link DatagramChannel} watched by a hub's selector.
 *
 * <p>Who may call it: any greenlet or thread ({@link TcpSocket} explains how each waits).
 * Receives wait for a datagram, sends wait for buffer space, each at most the socket's
 * {@link #timeout()} (none by default; {@link java.net.SocketTimeoutException}). Closing the
 * socket wakes a blocked receive with a "Socket closed" error.
 *
 * {@snippet :
 * try (UdpSocket udp = UdpSocket.bind(new InetSocketAddress("127.0.0.1", 0))) {
 *     ByteBuffer buf = ByteBuffer.allocate(512);
 *     InetSocketAddress from = udp.recvFrom(buf);
 *     udp.sendTo(buf.flip(), from); // echo
 * }
 * }
 */
public final class UdpSocket implements AutoCloseable {
    static {
        // A strand that is not a greenlet waits on the default hub: initialise the core now, which
        // installs it (the engine below names nothing above it).
        Hub.all();
    }

    private final DatagramChannel ch;
    private final ChannelIo io;

    private UdpSocket(DatagramChannel ch) throws IOException {
        this.ch = ch;
        this.io = new ChannelIo(ch);
    }

    /** An unbound socket (bound to an ephemeral port by its first send). */
    public static UdpSocket open() throws IOException {
        return new UdpSocket(DatagramChannel.open());
    }

    /** Wraps an existing (usually bound) channel; it is switched to non-blocking mode and closed by {@link #close()}. */
    public static UdpSocket of(DatagramChannel channel) throws IOException {
        return new UdpSocket(channel);
    }

    /** A socket bound to {@code address} (port 0: any free port). */
    public static UdpSocket bind(InetSocketAddress address) throws IOException {
        DatagramChannel ch = DatagramChannel.open();
        boolean ok = false;
        try {
            ch.bind(address);
            UdpSocket s = new UdpSocket(ch);
            ok = true;
            return s;
        } finally {
            if (!ok) {
                ch.close();
            }
        }
    }

    /** Sends {@code src} as one datagram to {@code target}, waiting for buffer space if needed. */
    public int sendTo(ByteBuffer src, SocketAddress target) throws IOException {
        return io.retry(SelectionKey.OP_WRITE, "sendTo", () -> sent(ch.send(src, target), src));
    }

    /**
     * Receives one datagram into {@code dst} (truncated if it does not fit), waiting until one
     * arrives; returns its source.
     */
    public InetSocketAddress recvFrom(ByteBuffer dst) throws IOException {
        return (InetSocketAddress) io.retry(SelectionKey.OP_READ, "recvFrom", () -> ch.receive(dst));
    }

    /** Restricts this socket to one peer: {@link #send} and {@link #recv} then use it. */
    public UdpSocket connect(InetSocketAddress peer) throws IOException {
        ch.connect(peer);
        return this;
    }

    /** Sends one datagram to the connected peer. */
    public int send(ByteBuffer src) throws IOException {
        return io.retry(SelectionKey.OP_WRITE, "send", () -> sent(ch.write(src), src));
    }

    /** A send's result for {@link ChannelIo#retry}: null (wait and try again) if nothing went and something should have. */
    private static Integer sent(int n, ByteBuffer src) {
        return n != 0 || !src.hasRemaining() ? n : null;
    }

    /** Receives one datagram from the connected peer; returns its length. */
    public int recv(ByteBuffer dst) throws IOException {
        if (!ch.isConnected()) {
            throw new java.nio.channels.NotYetConnectedException();
        }
        int before = dst.position();
        recvFrom(dst);
        return dst.position() - before;
    }

    /** Sets the default time-out of each blocking call; {@link io.gevent4j.Timeout}s still apply on top. */
    public UdpSocket timeout(Duration timeout) {
        io.timeout(timeout);
        return this;
    }

    /** Removes the default time-out: receives wait as long as it takes. */
    public UdpSocket noTimeout() {
        io.noTimeout();
        return this;
    }

    /** The default time-out of each blocking call, if one is set. */
    public Optional<Duration> timeout() {
        return io.timeout();
    }

    /** The socket's local address. */
    public InetSocketAddress localAddress() throws IOException {
        return io.localAddress();
    }

    /** Sets a socket option. */
    public <T> UdpSocket setOption(SocketOption<T> option, T value) throws IOException {
        io.setOption(option, value);
        return this;
    }

    /** Reads a socket option. */
    public <T> T getOption(SocketOption<T> option) throws IOException {
        return io.getOption(option);
    }

    /** Whether the socket is still open. */
    public boolean isOpen() {
        return io.isOpen();
    }

    /** The underlying non-blocking channel, for {@link Io#select}. */
    public DatagramChannel channel() {
        return ch;
    }

    /** Closes the socket and wakes a blocked receive or send with a "Socket closed" error. Idempotent. */
    @Override
    public void close() throws IOException {
        io.close();
    }

    @Override
    public String toString() {
        return "UdpSocket[" + ch + "]";
    }
}
