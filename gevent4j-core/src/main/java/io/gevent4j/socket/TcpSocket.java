package io.gevent4j.socket;

import io.gevent4j.Hub;
import io.gevent4j.internal.Strand;
import io.gevent4j.internal.io.ChannelIo;

import io.gevent4j.internal.Channels;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import io.gevent4j.dns.Dns;
import io.gevent4j.internal.ByteStreams;
import io.gevent4j.internal.io.SocketIo;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A cooperative TCP socket: gevent's {@code socket.socket(AF_INET, SOCK_STREAM)} on a
 * non-blocking {@link SocketChannel} registered with a hub's selector.
 *
 * <p>Who may call it: any greenlet or thread. A greenlet that waits (for data, for buffer
 * space, for a connection) parks and frees its hub; the socket is watched by the hub of the
 * strand that waits on it first. A plain thread (e.g. {@code main}) waits the same way through
 * that hub (the default hub, for a thread), parking its own thread: same semantics, at the cost
 * of a cross-thread wake-up per wait.
 *
 * <p>Blocking and time-outs: every operation waits at most the socket's {@link #timeout()}
 * (none by default), one deadline per call: a whole {@link #sendAll} (not per chunk), a
 * {@link #connect} over all addresses. A passed deadline throws
 * {@link SocketTimeoutException}; a {@code Timeout} or a kill around the call works too.
 * Closing the socket wakes every strand blocked on it with a {@link java.net.SocketException}
 * "Socket closed ..." (also one in {@link Io#waitRead}/{@link Io#select} on its channel, and a
 * pending {@link #connectTo} of an {@link #open()} socket); two strands waiting to read (or to write) at once is an
 * {@link IllegalStateException}, not a hang.
 *
 * {@snippet :
 * try (TcpSocket s = TcpSocket.connect("example.org", 80, Duration.ofSeconds(5))) {
 *     s.sendAll("HEAD / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
 *     byte[] reply = s.recv(4096);
 * }
 * }
 */
public final class TcpSocket implements AutoCloseable {
    static {
        // A strand that is not a greenlet waits on the default hub: initialise the core now, which
        // installs it (the engine below names nothing above it).
        Hub.all();
    }

    /*
     * Implementation overview.
     *
     * Every operation first tries the non-blocking call; only when it would block does it find
     * the calling strand, compute the one deadline of the call and wait on the IoWatch. So an
     * operation that does not block costs one system call and no allocation beyond the JDK's.
     *
     * Reads and writes go through SocketIo (internal, shared with TLS): it waits for readiness
     * before a read that follows a short read, and writes heap buffers in chunks (see there).
     */

    private final SocketChannel ch;
    private final ChannelIo io;
    /** Reads and writes with deadlines (the short-read hint, chunked heap writes): see SocketIo. */
    private final SocketIo stream;

    TcpSocket(SocketChannel ch) throws IOException {
        this.ch = ch;
        this.io = new ChannelIo(ch);
        this.stream = new SocketIo(ch, io);
        stream.queueSends(); // on an io_uring hub, sends are queued into its ring (TLS keeps plain writes)
    }

    // ---------------------------------------------------------------- connecting

    /** Connects to {@code host:port} with no time-out. */
    public static TcpSocket connect(String host, int port) throws IOException {
        return connect(host, port, Optional.empty());
    }

    /**
     * Connects to {@code host:port}, trying each address of {@code host} in turn and reporting
     * the last error if none accepts; {@code timeout} bounds the whole connect (all addresses)
     * and becomes the socket's {@link #timeout()} (like gevent's {@code create_connection}).
     * Host names are resolved by {@link io.gevent4j.dns.Dns} (on the hub, never blocking it).
     */
    public static TcpSocket connect(String host, int port, Duration timeout) throws IOException {
        return connect(host, port, Optional.of(timeout));
    }

    /** Connects to one address; {@code timeout} bounds the connect and becomes the socket's time-out. */
    public static TcpSocket connect(InetSocketAddress address, Duration timeout) throws IOException {
        return connect(address, Optional.of(timeout));
    }

    /** Connects to one address, with no time-out. */
    public static TcpSocket connect(InetSocketAddress address) throws IOException {
        return connect(address, Optional.empty());
    }

    private static TcpSocket connect(String host, int port, Optional<Duration> timeout) throws IOException {
        Objects.requireNonNull(host, "host");
        Strand strand = Strand.current();
        long deadline = timeout.map(t -> strand.deadlineAfter(nanos(t))).orElse(Strand.NO_DEADLINE);
        List<InetAddress> addresses = Dns.getaddrinfo(host);
        IOException last = null;
        for (InetAddress a : addresses) {
            try {
                return connect(new InetSocketAddress(a, port), timeout, strand, deadline);
            } catch (SocketTimeoutException e) {
                throw e; // the deadline is for the whole connect
            } catch (IOException e) {
                if (last != null) {
                    e.addSuppressed(last);
                }
                last = e;
            }
        }
        throw last != null ? last : new java.net.UnknownHostException(host + ": no address");
    }

    private static TcpSocket connect(InetSocketAddress address, Optional<Duration> timeout) throws IOException {
        Strand strand = Strand.current();
        long deadline = timeout.map(t -> strand.deadlineAfter(nanos(t))).orElse(Strand.NO_DEADLINE);
        return connect(address, timeout, strand, deadline);
    }

    private static TcpSocket connect(InetSocketAddress address, Optional<Duration> timeout, Strand strand, long deadline)
            throws IOException {
        if (address.isUnresolved()) {
            throw new java.net.UnknownHostException(address.getHostString());
        }
        TcpSocket s = new TcpSocket(Channels.openFor(address));
        timeout.ifPresent(s::timeout);
        s.connectNow(address, strand, deadline);
        return s;
    }

    /**
     * A socket not connected yet: {@link #connectTo} connects it. Unlike the {@code connect}
     * factories, another strand holds it while it connects, so it can {@link #close()} it then,
     * which ends the pending connect at once with a "Socket closed" {@link java.net.ConnectException}.
     */
    public static TcpSocket open() throws IOException {
        return new TcpSocket(SocketChannel.open());
    }

    /**
     * Connects this {@linkplain #open() unconnected} socket to {@code address}, waiting at most
     * {@code timeout} ({@link SocketTimeoutException}); the socket's own {@link #timeout()} is not
     * changed. A failed connect closes the socket (as the JDK's {@code SocketChannel} does).
     * (An instance {@code connect} would clash with the static factories of the same signature.)
     */
    public TcpSocket connectTo(InetSocketAddress address, Duration timeout) throws IOException {
        Strand strand = Strand.current();
        return connectNow(address, strand, strand.deadlineAfter(nanos(timeout)));
    }

    /** Connects this {@linkplain #open() unconnected} socket to {@code address} within the socket's {@link #timeout()}. */
    public TcpSocket connectTo(InetSocketAddress address) throws IOException {
        Strand strand = Strand.current();
        return connectNow(address, strand, io.deadline(strand));
    }

    private TcpSocket connectNow(InetSocketAddress address, Strand strand, long deadline) throws IOException {
        if (address.isUnresolved()) {
            close();
            throw new java.net.UnknownHostException(address.getHostString());
        }
        boolean ok = false;
        try {
            try {
                if (!ch.connect(address)) {
                    while (!ch.finishConnect()) {
                        io.await(strand, SelectionKey.OP_CONNECT, deadline, "connect to " + address);
                    }
                }
            } catch (SocketTimeoutException e) {
                throw e;
            } catch (IOException e) {
                java.net.ConnectException ce = new java.net.ConnectException("connect to " + address + " failed: "
                        + (e instanceof java.nio.channels.ClosedChannelException ? "Socket closed" : e.getMessage()));
                ce.initCause(e);
                throw ce;
            }
            // Nothing can have arrived on a connection that was just made (a server that speaks
            // first is found by the first wait): its first read waits for readiness first.
            stream.expectNothingYet();
            ok = true;
            return this;
        } finally {
            if (!ok) {
                close(); // also on a Timeout or a kill (Errors), which propagate
            }
        }
    }

    static long nanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException overflow) {
            return Long.MAX_VALUE;
        }
    }

    // ---------------------------------------------------------------- time-out

    /** Sets the time-out of each later operation (a whole call: one deadline). Zero: never wait. */
    public TcpSocket timeout(Duration timeout) {
        io.timeout(timeout);
        return this;
    }

    /** Removes the time-out: operations wait as long as they need (the default). */
    public TcpSocket noTimeout() {
        io.noTimeout();
        return this;
    }

    /** The default time-out of each blocking call, if one is set. */
    public Optional<Duration> timeout() {
        return io.timeout();
    }

    // ---------------------------------------------------------------- reading

    /**
     * Reads what is available into {@code dst}, waiting until at least one byte is; returns the
     * count, or -1 at end of stream (0 only if {@code dst} has no room).
     */
    public int recvInto(ByteBuffer dst) throws IOException {
        int n = stream.readNow(dst);
        if (n != SocketIo.MUST_WAIT) {
            return n;
        }
        Strand strand = Strand.current(); // found only when the read has to wait
        return stream.awaitAndRead(dst, strand, io.deadline(strand), "recv");
    }

    /** {@link #recvInto(ByteBuffer)} into {@code buf[off, off+len)}. */
    public int recvInto(byte[] buf, int off, int len) throws IOException {
        return recvInto(ByteBuffer.wrap(buf, off, len));
    }

    /** Reads at most {@code max} bytes, waiting until some are available; empty at end of stream. */
    public byte[] recv(int max) throws IOException {
        byte[] buf = new byte[max];
        int n = recvInto(ByteBuffer.wrap(buf));
        return n <= 0 ? new byte[0] : n == max ? buf : Arrays.copyOf(buf, n);
    }

    // ---------------------------------------------------------------- writing

    /** Writes what fits now, waiting once for buffer space if none does; returns the count. */
    public int send(ByteBuffer src) throws IOException {
        if (!src.hasRemaining()) {
            return 0;
        }
        int n = write(src);
        if (n != 0) {
            return n;
        }
        Strand strand = Strand.current();
        io.await(strand, SelectionKey.OP_WRITE, io.deadline(strand), "send");
        return write(src);
    }

    /** Writes all of {@code src}; the socket's time-out bounds the whole call, not each chunk. */
    public void sendAll(ByteBuffer src) throws IOException {
        Strand strand = null;
        long deadline = 0;
        while (src.hasRemaining()) {
            if (write(src) == 0) {
                if (strand == null) {
                    strand = Strand.current();
                    deadline = io.deadline(strand);
                }
                io.await(strand, SelectionKey.OP_WRITE, deadline, "sendAll");
            }
        }
    }

    /**
     * Writes all of {@code src} within {@code timeout}, whatever the socket's own time-out (which
     * keeps bounding reads): for a protocol whose sends have their own bound, such as a
     * WebSocket's write time-out. A write that goes through at once costs no timer; only a wait
     * for room in the send buffer uses the bound.
     *
     * @param src the bytes to send
     * @param timeout the bound of the whole call; zero: only what goes through without waiting
     * @throws java.net.SocketTimeoutException if the bytes did not all go within {@code timeout}
     * @throws IOException if the socket is closed or the connection is gone
     */
    public void sendAll(ByteBuffer src, java.time.Duration timeout) throws IOException {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("a negative time-out: " + timeout);
        }
        Strand strand = null;
        long deadline = 0;
        while (src.hasRemaining()) {
            if (write(src) == 0) {
                if (strand == null) {
                    strand = Strand.current();
                    deadline = strand.deadlineAfter(nanos(timeout));
                }
                io.await(strand, SelectionKey.OP_WRITE, deadline, "sendAll");
            }
        }
    }

    /**
     * Sends {@code count} bytes of {@code file} from {@code position}, with the kernel's
     * zero-copy transfer where it has one ({@code sendfile(2)}): the socket's time-out bounds the
     * whole call, as for {@link #sendAll}. Returns the bytes sent: {@code count}, or fewer if the
     * file ends first. The file's position is not changed. Reading the file may wait for the disk
     * (a page-cache miss blocks the hub for that read): for large cold files, read them in a
     * {@link io.gevent4j.ThreadPool} and {@code sendAll} the bytes. gevent's {@code sendfile}.
     */
    public long sendFile(java.nio.channels.FileChannel file, long position, long count) throws IOException {
        Objects.requireNonNull(file, "file");
        if (position < 0 || count < 0) {
            throw new IllegalArgumentException("negative position or count: " + position + ", " + count);
        }
        stream.flushQueued("sendFile");
        Strand strand = null;
        long deadline = 0;
        long sent = 0;
        while (sent < count) {
            long n;
            try {
                n = file.transferTo(position + sent, count - sent, ch);
            } catch (java.nio.channels.ClosedChannelException e) {
                if (!ch.isOpen()) {
                    throw ChannelIo.closed(e);
                }
                throw e; // the file was closed
            }
            if (n > 0) {
                sent += n;
                continue;
            }
            if (position + sent >= file.size()) {
                break; // the file ended
            }
            if (strand == null) {
                strand = Strand.current();
                deadline = io.deadline(strand);
            }
            io.await(strand, SelectionKey.OP_WRITE, deadline, "sendFile");
        }
        return sent;
    }

    /** Sends the whole of the file at {@code path} (see {@link #sendFile(java.nio.channels.FileChannel, long, long)}). */
    public long sendFile(java.nio.file.Path path) throws IOException {
        try (java.nio.channels.FileChannel f = java.nio.channels.FileChannel.open(path)) {
            return sendFile(f, 0, f.size());
        }
    }

    /** Writes all of {@code data}. */
    public void sendAll(byte[] data) throws IOException {
        sendAll(ByteBuffer.wrap(data));
    }

    /** Writes {@code data[off, off+len)} entirely. */
    public void sendAll(byte[] data, int off, int len) throws IOException {
        sendAll(ByteBuffer.wrap(data, off, len));
    }

    private int read(ByteBuffer dst) throws IOException {
        return stream.read(dst);
    }

    private int write(ByteBuffer src) throws IOException {
        return stream.write(src);
    }

    // ---------------------------------------------------------------- streams

    /**
     * An {@code InputStream} over this socket, for code that wants streams: reads wait like
     * {@link #recvInto}; closing it closes the socket (like {@code java.net.Socket}).
     */
    public InputStream inputStream() {
        return ByteStreams.input(this::recvInto, this::close);
    }

    /** An {@code OutputStream} over this socket: writes are {@link #sendAll}; closing it closes the socket. */
    public OutputStream outputStream() {
        return ByteStreams.output(this::sendAll, this::close);
    }

    // ---------------------------------------------------------------- the rest

    /** Shuts down reading: later reads see end of stream. */
    public void shutdownInput() throws IOException {
        ch.shutdownInput();
    }

    /** Shuts down writing: the peer sees end of stream. */
    public void shutdownOutput() throws IOException {
        stream.flushQueued("shutdownOutput"); // the FIN after the queued sends
        ch.shutdownOutput();
    }

    /** The socket's local address. */
    public InetSocketAddress localAddress() throws IOException {
        return io.localAddress();
    }

    /** The peer's address. */
    public InetSocketAddress remoteAddress() throws IOException {
        SocketAddress a = ch.getRemoteAddress();
        if (a == null) {
            throw new java.nio.channels.NotYetConnectedException();
        }
        return (InetSocketAddress) a;
    }

    /** Sets a socket option. */
    public <T> TcpSocket setOption(SocketOption<T> option, T value) throws IOException {
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

    /**
     * Waits, within the socket's time-out, until the bytes of earlier sends are in the kernel:
     * on an io_uring hub a greenlet's sends are queued into the ring and leave with the hub's
     * next pass; elsewhere every send is already written and this returns at once. Call it
     * before writing to {@link #channel()} directly, so those bytes cannot overtake the queued
     * ones ({@code SslSocket} calls it when it takes the socket over).
     *
     * @throws java.net.SocketTimeoutException if the queued bytes did not leave in time
     * @throws IOException the error a queued send met (the connection is then broken)
     */
    public void flush() throws IOException {
        stream.flushQueued("flush");
    }

    /**
     * The underlying non-blocking channel, for {@link Io#waitRead} / {@link Io#select}. Reading
     * or writing it directly bypasses the socket's time-out; do not make it blocking. Writing it
     * directly after a {@link #sendAll}: {@link #flush()} first.
     */
    public SocketChannel channel() {
        return ch;
    }

    /** Closes the socket and wakes every strand blocked on it with a "Socket closed" error. Idempotent. */
    @Override
    public void close() throws IOException {
        try {
            stream.beforeClose(); // queued sends (io_uring) are flushed first, or cancelled
        } finally {
            io.close();
        }
        stream.throwQueuedSendError();
    }

    @Override
    public String toString() {
        return "TcpSocket[" + ch + "]";
    }
}
