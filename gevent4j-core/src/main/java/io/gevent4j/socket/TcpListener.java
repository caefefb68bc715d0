package io.gevent4j.socket;

import io.gevent4j.Hub;
import io.gevent4j.internal.io.ChannelIo;

import io.gevent4j.internal.Channels;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Optional;

/**
 * A cooperative listening TCP socket: gevent's {@code socket.bind(...); socket.listen()} on a
 * non-blocking {@link ServerSocketChannel} watched by a hub's selector.
 *
 * <p>Who may call it: any greenlet or thread ({@link TcpSocket} explains how each waits).
 * {@link #accept} parks the caller until a connection arrives, at most the listener's
 * {@link #timeout()} (none by default; {@link java.net.SocketTimeoutException}). Closing the
 * listener wakes a blocked {@code accept} with a "Socket closed" error. Accepted sockets have
 * no time-out until one is set.
 *
 * {@snippet :
 * try (TcpListener listener = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0))) {
 *     while (true) {
 *         TcpSocket client = listener.accept();
 *         Gevent.spawn(() -> echo(client));
 *     }
 * }
 * }
 */
public final class TcpListener implements AutoCloseable {
    static {
        // A strand that is not a greenlet waits on the default hub: initialise the core now, which
        // installs it (the engine below names nothing above it).
        Hub.all();
    }

    private final ServerSocketChannel ch;
    private final ChannelIo io;

    private TcpListener(ServerSocketChannel ch) throws IOException {
        this.ch = ch;
        this.io = new ChannelIo(ch);
    }

    /** Binds to {@code address} (port 0: any free port) with the JDK's default backlog; SO_REUSEADDR is set. */
    public static TcpListener bind(InetSocketAddress address) throws IOException {
        return bind(address, 0);
    }

    /** Binds to {@code address} with {@code backlog} pending connections (0: the JDK's default). */
    public static TcpListener bind(InetSocketAddress address, int backlog) throws IOException {
        ServerSocketChannel ch = Channels.openServerFor(address);
        boolean ok = false;
        try {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.bind(address, backlog);
            TcpListener l = new TcpListener(ch);
            ok = true;
            return l;
        } finally {
            if (!ok) {
                ch.close();
            }
        }
    }

    /**
     * Wraps an already bound server channel (options set by the caller, e.g. SO_REUSEPORT); it is
     * switched to non-blocking mode and closed by {@link #close()}.
     */
    public static TcpListener of(ServerSocketChannel bound) throws IOException {
        if (bound.socket().getLocalSocketAddress() == null) {
            throw new IllegalArgumentException("the channel is not bound: " + bound);
        }
        return new TcpListener(bound);
    }

    /** Waits for the next connection and returns it as a cooperative socket. */
    public TcpSocket accept() throws IOException {
        SocketChannel c = io.retry(SelectionKey.OP_ACCEPT, "accept", ch::accept);
        try {
            return new TcpSocket(c);
        } catch (IOException | RuntimeException | Error e) {
            c.close();
            throw e;
        }
    }

    /** Sets the default time-out of {@code accept}; {@link io.gevent4j.Timeout}s still apply on top. */
    public TcpListener timeout(Duration timeout) {
        io.timeout(timeout);
        return this;
    }

    /** Removes the default time-out: {@code accept} waits as long as it takes. */
    public TcpListener noTimeout() {
        io.noTimeout();
        return this;
    }

    /** The default time-out of {@code accept}, if one is set. */
    public Optional<Duration> timeout() {
        return io.timeout();
    }

    /** The address the listener is bound to. */
    public InetSocketAddress localAddress() throws IOException {
        return io.localAddress();
    }

    /** Sets a socket option of the listening socket. */
    public <T> TcpListener setOption(SocketOption<T> option, T value) throws IOException {
        io.setOption(option, value);
        return this;
    }

    /** Reads a socket option of the listening socket. */
    public <T> T getOption(SocketOption<T> option) throws IOException {
        return io.getOption(option);
    }

    /** Whether the listener is still open. */
    public boolean isOpen() {
        return io.isOpen();
    }

    /** The underlying non-blocking channel, for {@link Io#select}. */
    public ServerSocketChannel channel() {
        return ch;
    }

    /** Stops listening and wakes a blocked {@link #accept} with a "Socket closed" error. Idempotent. */
    @Override
    public void close() throws IOException {
        io.close();
    }

    @Override
    public String toString() {
        return "TcpListener[" + ch + "]";
    }
}
