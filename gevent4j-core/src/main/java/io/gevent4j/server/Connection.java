package io.gevent4j.server;

import io.gevent4j.socket.TcpSocket;
import io.gevent4j.ssl.SslSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;

/**
 * One accepted connection of a {@link StreamServer}, plain or TLS: what a handler reads from
 * and writes to. The server closes it when the handler returns.
 *
 * <p>Who may call it: the handler's greenlet (one reader and one writer at a time, like the
 * sockets it wraps). Reads and writes park the greenlet, never the hub, and wait at most the
 * {@link #timeout(Duration) time-out} (none by default: {@link java.net.SocketTimeoutException}).
 *
 * <p>Memory. A connection holds no buffer of its own: an idle one costs what its handler keeps
 * while it waits. To hold many idle clients cheaply (push feeds, chat rooms), wait for the next
 * message before taking a buffer, and give the buffer up between messages, as the HTTP server
 * does: {@code Io.waitRead(conn.tcp().channel())} waits for readiness with nothing allocated
 * (a plain connection; under TLS read through {@link #recvInto}, as the TLS layer may already
 * hold decrypted bytes). The parked greenlet's stack is part of the cost: wait near the bottom
 * of the handler, not deep inside helper calls.
 *
 * {@snippet :
 * StreamServer.Handler echo = conn -> {
 *     ByteBuffer buf = ByteBuffer.allocate(8192);
 *     while (conn.recvInto(buf.clear()) > 0) {
 *         conn.sendAll(buf.flip());
 *     }
 * };
 * }
 */
public final class Connection implements AutoCloseable {
    private final TcpSocket tcp;
    private final SslSocket ssl;
    private final InetSocketAddress remote;
    private final InetSocketAddress local;
    private final java.util.concurrent.atomic.AtomicReference<Runnable> onStop = new java.util.concurrent.atomic.AtomicReference<>();
    private volatile boolean stopping;
    private static final int BUSY = 0;
    private static final int IDLE = 1;
    private static final int SHED = 2;
    /** BUSY, IDLE or SHED; see IdleConnections for the races it settles. */
    private final java.util.concurrent.atomic.AtomicInteger idleState = new java.util.concurrent.atomic.AtomicInteger();
    /** The server's index of idle connections, or null when the server has no connection cap. */
    private IdleConnections idleIndex;
    // The server's list of idle connections (IdleConnections), guarded by its monitor.
    Connection idlePrev;
    Connection idleNext;
    boolean idleListed;
    /** Batched writes ({@code StreamServer.Builder.batchWrites}), or null. */
    private WriteBatch batch;
    /** The greenlet that serves this connection (the only one whose close flushes the batch). */
    private Thread owner;

    Connection(TcpSocket tcp, SslSocket ssl, InetSocketAddress remote, InetSocketAddress local) {
        this.tcp = tcp;
        this.ssl = ssl;
        this.remote = remote;
        this.local = local;
    }

    /**
     * Reads into {@code dst}, waiting until at least one byte is available; -1 at end of stream.
     * With batched writes, a read that has to wait parks the greenlet, which sends the batch; one
     * that finds bytes already there leaves it to grow (the replies to pipelined requests).
     */
    public int recvInto(ByteBuffer dst) throws IOException {
        return ssl != null ? ssl.recvInto(dst) : tcp.recvInto(dst);
    }

    /**
     * Writes all of {@code src}. With batched writes ({@code StreamServer.Builder.batchWrites})
     * a small {@code src} is copied into the connection's batch and written with the writes that
     * follow it, at the latest when this greenlet next waits for anything, yields or ends; the
     * error of such a write is thrown by the next call on this connection.
     */
    public void sendAll(ByteBuffer src) throws IOException {
        if (batch != null) {
            batch.send(src);
        } else if (ssl != null) {
            ssl.sendAll(src);
        } else {
            tcp.sendAll(src);
        }
    }

    /**
     * Writes now what batched writes hold (waiting for the socket like {@link #sendAll}); with
     * unbatched writes it does nothing. Call it before writing to {@link #tcp()} directly (a
     * batch that starts after such writes waits for them first).
     *
     * @throws IOException if a write fails, now or (batched earlier) after the greenlet moved on
     */
    public void flush() throws IOException {
        if (batch != null) {
            batch.flush();
        }
    }

    /** The write system calls of batched writes so far (tests), or -1 when writes are not batched. */
    long batchSystemWrites() {
        return batch != null ? batch.systemWrites() : -1;
    }

    /** Batches this connection's writes in a buffer of {@code capacity} bytes (the connection task, before the handler). */
    void batchWrites(int capacity) {
        if (ssl != null) {
            throw new IllegalStateException("batched writes are for plain TCP connections, not TLS ones");
        }
        owner = Thread.currentThread();
        batch = new WriteBatch(tcp, capacity);
    }

    /** Writes all of {@code data}. */
    public void sendAll(byte[] data) throws IOException {
        sendAll(ByteBuffer.wrap(data));
    }

    /** A stream view for reading; closing it closes the connection (after flushing batched writes). */
    public InputStream inputStream() {
        if (batch != null) {
            InputStream in = tcp.inputStream();
            return new InputStream() {
                @Override
                public int read() throws IOException {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    return in.read(b, off, len);
                }

                @Override
                public int available() throws IOException {
                    return in.available();
                }

                @Override
                public void close() throws IOException {
                    Connection.this.close();
                }
            };
        }
        return ssl != null ? ssl.inputStream() : tcp.inputStream();
    }

    /**
     * A stream view for writing (unbuffered unless writes are batched: then through the batch,
     * and {@code flush()} flushes it); closing it closes the connection.
     */
    public OutputStream outputStream() {
        if (batch != null) {
            return new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    batch.send(ByteBuffer.wrap(new byte[] {(byte) b}));
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    java.util.Objects.checkFromIndexSize(off, len, b.length);
                    batch.send(ByteBuffer.wrap(b, off, len));
                }

                @Override
                public void flush() throws IOException {
                    batch.flush();
                }

                @Override
                public void close() throws IOException {
                    Connection.this.close();
                }
            };
        }
        return ssl != null ? ssl.outputStream() : tcp.outputStream();
    }

    /** The time-out of each later read or write (a whole call). */
    public Connection timeout(Duration timeout) {
        tcp.timeout(timeout);
        return this;
    }

    /** Removes the time-out (the default). */
    public Connection noTimeout() {
        tcp.noTimeout();
        return this;
    }

    /** The client's address. */
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    /** The local address the client connected to. */
    public InetSocketAddress localAddress() {
        return local;
    }

    /** The TCP socket underneath (under TLS: the encrypted stream; do not read it directly). */
    public TcpSocket tcp() {
        return tcp;
    }

    /** The TLS socket, if the server has an {@code SSLContext}. */
    public Optional<SslSocket> ssl() {
        return Optional.ofNullable(ssl);
    }

    /** Whether the connection is TLS ({@code true} for an {@link io.gevent4j.ssl.SslSocket}). */
    public boolean isSecure() {
        return ssl != null;
    }

    /** Whether the connection's socket is still open. */
    public boolean isOpen() {
        return tcp.isOpen();
    }

    /**
     * Sets what to do when the server begins a graceful stop (replacing any earlier action),
     * e.g. close the connection if it is idle. It runs once, on the thread that calls
     * {@code stop}, and must not block; if the stop has already begun it runs now.
     */
    public void onServerStop(Runnable action) {
        onStop.set(java.util.Objects.requireNonNull(action, "action"));
        if (stopping) {
            runStopAction(); // the stop began meanwhile: its pass may have missed this action
        }
    }

    /** Called by the connection task ({@code ConnectionTasks}) before the handler runs, when the server has a connection cap. */
    void idleIndex(IdleConnections index) {
        this.idleIndex = index;
    }

    /**
     * Marks this connection as waiting for its client's next request (a new connection that
     * has sent nothing yet, or an idle keep-alive one). While it is marked, a server at its
     * {@code maxConnections} cap may close it, oldest idle first, to admit a new connection;
     * a read then fails as on a closed socket. Call {@link #markBusy()} as soon as a request
     * begins to arrive. Cheap, does not block; the handler's greenlet only.
     */
    public void markIdle() {
        if (idleIndex != null && idleState.compareAndSet(BUSY, IDLE)) {
            idleIndex.add(this);
        }
    }

    /**
     * Ends {@link #markIdle()}. Returns false if the server has already closed this connection
     * to admit another (then the handler should just return); true otherwise.
     */
    public boolean markBusy() {
        if (idleState.compareAndSet(IDLE, BUSY)) {
            idleIndex.remove(this);
            return true;
        }
        return idleState.get() != SHED;
    }

    /** IDLE -> SHED; true if this call won the connection (the caller then closes it). */
    boolean shed() {
        return idleState.compareAndSet(IDLE, SHED);
    }

    /** Whether the server that accepted this connection has begun to stop. */
    public boolean serverStopping() {
        return stopping;
    }

    void stopBegins() {
        markStopping();
        runStopAction();
    }

    /**
     * The first half of {@link #stopBegins}: from now on {@link #serverStopping()} is true. The
     * server marks every connection before it runs any stop action, so that no response begun
     * after one idle connection was closed for the stop still announces keep-alive.
     */
    void markStopping() {
        stopping = true; // Dekker pair with onServerStop: one of the two sides runs the action
    }

    /** The second half of {@link #stopBegins}: the stop action, if it has not run. */
    void runStopAction() {
        Runnable r = onStop.getAndSet(null);
        if (r != null) {
            r.run();
        }
    }

    /**
     * The first half of the server's lingering close (see {@code ConnectionTasks}' overview).
     * Closes now and returns false when there is nothing to wait for: TLS (it ends with its
     * close_notify), a socket already closed, or a peer that has closed (end of stream) or reset.
     * Otherwise sends our FIN after the reply (half-close) and returns true: the caller then
     * calls {@link #drainAndClose}. One non-blocking read, no allocation beyond a 1-byte buffer.
     */
    boolean closeOrHalfClose() throws IOException {
        if (idleIndex != null) {
            // Lingering holds no slot: shedding it would free none for the accept loop.
            idleIndex.remove(this);
            idleState.compareAndSet(IDLE, BUSY);
        }
        if (ssl != null || !tcp.isOpen()) {
            close();
            return false;
        }
        if (batch != null) {
            try {
                batch.flush(); // the reply's last bytes go before our FIN
            } catch (IOException | RuntimeException failed) {
                close();
                throw failed;
            }
        }
        int n;
        try {
            n = tcp.channel().read(ByteBuffer.allocate(1)); // non-blocking: 0 = peer open, nothing pending
        } catch (IOException resetOrClosed) {
            n = -1;
        }
        if (n < 0) {
            close(); // all input read: the kernel sends a FIN, not a reset
            return false;
        }
        try {
            tcp.shutdownOutput();
        } catch (IOException e) {
            close();
            return false;
        }
        return true;
    }

    /**
     * The second half of the lingering close: reads and drops what the peer still sends until
     * its end of stream, at most {@code maxBytes} and until {@code deadline} ({@code
     * System.nanoTime()}), then closes. Never throws; parks the calling greenlet.
     */
    void drainAndClose(long deadline, long maxBytes) {
        try {
            ByteBuffer skip = ByteBuffer.allocate(16 * 1024);
            for (long budget = maxBytes; budget > 0; ) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                tcp.timeout(Duration.ofNanos(left));
                int n = tcp.recvInto(skip.clear());
                if (n < 0) {
                    return;
                }
                budget -= n;
            }
        } catch (IOException | RuntimeException goneOrTimedOut) {
            // closed next either way
        } finally {
            try {
                close();
            } catch (IOException e) {
                // nothing more to do
            }
        }
    }

    /**
     * Closes the connection (TLS: with a close_notify) and wakes any strand blocked on it.
     * Idempotent. Called by the connection's own greenlet, it first flushes batched writes
     * (their error is thrown after the close); from elsewhere they are dropped.
     */
    @Override
    public void close() throws IOException {
        if (idleIndex != null) {
            idleIndex.remove(this);
        }
        if (batch != null && Thread.currentThread() == owner && tcp.isOpen()) {
            try {
                batch.flush();
            } finally {
                tcp.close();
            }
            return;
        }
        if (ssl != null) {
            ssl.close();
        } else {
            tcp.close();
        }
    }

    @Override
    public String toString() {
        return "Connection[" + remote + (ssl != null ? ", TLS" : "") + "]";
    }
}
