package io.gevent4j.server;

import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.internal.Loop;
import io.gevent4j.internal.Loops;
import io.gevent4j.internal.LoopStrand;
import io.gevent4j.internal.io.ChannelIo;
import io.gevent4j.internal.io.IoWatch;
import io.gevent4j.socket.Io;
import io.gevent4j.socket.TcpSocket;
import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;

/**
 * The batched writes of one plain connection ({@code StreamServer.Builder.batchWrites}): its
 * greenlet's consecutive small writes are copied into one buffer and written with one system call
 * when the greenlet parks (any wait: a read, a sleep, an event, another socket), yields or ends,
 * when the buffer fills, at {@code flush} and before the connection's close. Bytes keep their
 * order and nothing stays buffered while the greenlet waits; a read that finds bytes already
 * there does not park, so the replies to pipelined requests leave together.
 *
 * <p>Who calls it: the connection's greenlet ({@link #send}, {@link #flush}); the hub's loop
 * ({@link #flushFromLoop}, after the greenlet's slice). Both run on the loop's one thread, never
 * at once, so nothing here is synchronised. A writer on another hub or a plain thread (taking
 * turns with the handler, one writer at a time, as {@code Connection} asks) never touches the
 * batch from its own thread: its write runs in a greenlet on the connection's hub, which sends it
 * after what is batched, and the writer waits for that greenlet, as for an unbatched write.
 */
final class WriteBatch {
    /*
     * Implementation overview. `buf` stays in fill mode (position = bytes waiting). The first
     * write after a flush registers flushFromLoop with the loop's afterSlice: when the greenlet
     * parks, the loop writes the batch without waiting. If the socket takes only part of it, the
     * rest stays at the front of `buf` and the loop finishes it when the socket is writable
     * (IoWatch.onWritable); the greenlet's own next flush cancels that and finishes it itself,
     * waiting for writability as a plain sendAll does; while it does (and parks, which ends its
     * slice) the slice's flush leaves the buffer alone (`flushing`). A failure of a write the loop made is kept
     * and raised by every later call of the greenlet (the bytes are lost, as with a queued send),
     * naming how many bytes were lost. All writes of the batch, even the large ones that bypass
     * its buffer, are plain channel writes in order: nothing else queues this socket's bytes.
     */
    private final TcpSocket tcp;
    private final SocketChannel ch;
    private final int capacity;
    /** The connection's hub, whose loop alone touches the batch. */
    private final Hub home;
    private final Loop homeLoop;
    /** Allocated at the first write: an idle connection that never writes holds none. */
    private ByteBuffer buf = EMPTY;
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    /** A flush after the current slice is registered with the loop. */
    private boolean armed;
    /** The loop waits for writability to write the rest (IoWatch.onWritable is set). */
    private boolean draining;
    /**
     * The greenlet is writing {@code buf} itself ({@link #flush}, flipped to read mode): when it
     * parks on a full socket, the slice's flush must leave the buffer alone.
     */
    private boolean flushing;
    /** The loop's write failed: raised by each later call. */
    private IOException failed;
    private int lostBytes;
    /** Write system calls made (for tests). */
    private long systemWrites;

    /** Made by the connection's greenlet, on the connection's hub. */
    WriteBatch(TcpSocket tcp, int capacity) {
        this.tcp = tcp;
        this.ch = tcp.channel();
        this.capacity = capacity;
        this.home = Hub.current();
        this.homeLoop = Loops.current();
    }

    /** Write system calls made so far (for tests). */
    long systemWrites() {
        return systemWrites;
    }

    /** Bytes written by the greenlet and not yet handed to the kernel. */
    int pending() {
        return buf.position();
    }

    /** Queues all of {@code src} (or writes it, if it is too large to batch); the greenlet's call. */
    void send(ByteBuffer src) throws IOException {
        LoopStrand me = LoopStrand.of(Thread.currentThread());
        if (offHome(me)) {
            fromElsewhere(src);
            return;
        }
        raiseFailure();
        if (!ch.isOpen() && src.hasRemaining()) {
            // As an unbatched write: batched, the error would wait for a next call that may never come.
            throw ChannelIo.closed(new ClosedChannelException());
        }
        if (buf.position() == 0) {
            tcp.flush(); // the batch's plain writes must not overtake what the socket queued (io_uring)
        }
        if (buf == EMPTY) {
            buf = ByteBuffer.allocateDirect(capacity);
        }
        if (src.remaining() > buf.remaining()) {
            flush();
            if (src.remaining() > capacity / 2) {
                writeAll(src); // large: one write of its own, after what came before
                return;
            }
        }
        buf.put(src);
        if (!armed) {
            armed = true;
            me.loop().afterSlice(this::flushFromLoop);
        }
    }

    /** Writes everything batched, waiting for the socket as {@code sendAll} does. */
    void flush() throws IOException {
        if (offHome(LoopStrand.of(Thread.currentThread()))) {
            fromElsewhere(EMPTY);
            return;
        }
        raiseFailure();
        if (buf.position() == 0) {
            return;
        }
        if (draining) {
            draining = false;
            watch().onWritable(null);
        }
        buf.flip();
        flushing = true;
        try {
            writeAll(buf);
        } finally {
            flushing = false;
            buf.clear(); // written, or lost with the error thrown
        }
    }

    /** Whether {@code me} (null: a plain thread) is a strand of another loop than the connection's. */
    private boolean offHome(LoopStrand me) {
        return me == null || me.loop() != homeLoop;
    }

    /**
     * A write (or flush) of a strand off the connection's hub: a greenlet on that hub sends it
     * after the batch and flushes, and the caller waits for it, so the bytes have reached the
     * socket when this returns, as with an unbatched write. Killed while it waits, the caller
     * leaves the write to finish on its own: its bytes were taken from {@code src}.
     */
    private void fromElsewhere(ByteBuffer src) throws IOException {
        byte[] bytes = new byte[src.remaining()];
        src.get(bytes);
        Greenlet<Void> write;
        try {
            write = home.spawn(() -> {
                send(ByteBuffer.wrap(bytes));
                flush();
                return null;
            });
        } catch (IllegalStateException hubGone) {
            SocketException e = new SocketException("the connection's hub " + home.name() + " has stopped: " + hubGone.getMessage());
            e.initCause(hubGone);
            throw e;
        }
        try {
            write.result();
        } catch (CompletionException failed) {
            if (failed.getCause() instanceof IOException io) {
                throw io;
            }
            throw failed;
        }
    }

    /** After the greenlet's slice (or when the socket turns writable): writes without waiting. */
    private void flushFromLoop() {
        armed = false;
        draining = false;
        if (flushing || failed != null || buf.position() == 0) {
            return;
        }
        buf.flip();
        try {
            systemWrites++;
            ch.write(buf);
        } catch (IOException e) {
            lostBytes = buf.remaining();
            failed = e;
            buf.clear();
            return;
        }
        buf.compact();
        if (buf.position() > 0) {
            try {
                watch().onWritable(this::flushFromLoop);
                draining = true;
            } catch (IOException e) {
                lostBytes = buf.position();
                failed = e;
                buf.clear();
            }
        }
    }

    private IoWatch watch() throws IOException {
        return IoWatch.of(Loops.current(), ch);
    }

    private void raiseFailure() throws IOException {
        IOException f = failed;
        if (f != null) {
            SocketException e = new SocketException("a batched write of " + lostBytes
                    + " bytes failed after the greenlet had moved on: " + f);
            e.initCause(f);
            throw e;
        }
    }

    /** Writes all of {@code src}, waiting for writability within the socket's time-out. */
    private void writeAll(ByteBuffer src) throws IOException {
        Optional<Duration> timeout = tcp.timeout();
        long deadline = timeout.map(t -> System.nanoTime() + StreamServer.toNanos(t)).orElse(0L);
        try {
            while (src.hasRemaining()) {
                if (write(src) == 0) {
                    if (timeout.isEmpty()) {
                        Io.waitWrite(ch);
                    } else {
                        long left = deadline - System.nanoTime();
                        if (left <= 0) {
                            throw new SocketTimeoutException("sendAll timed out");
                        }
                        Io.waitWrite(ch, Duration.ofNanos(left));
                    }
                }
            }
        } catch (ClosedChannelException e) {
            throw ChannelIo.closed(e);
        }
    }

    private int write(ByteBuffer src) throws IOException {
        systemWrites++;
        return io.gevent4j.internal.io.SocketIo.writeChunk(ch, src);
    }
}
