package io.gevent4j.internal.io;

import io.gevent4j.internal.IoHandler;
import io.gevent4j.internal.Loop;
import io.gevent4j.internal.Loops;
import io.gevent4j.internal.Strand;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * The byte stream of a connected {@link SocketChannel} with deadline-aware reads and writes:
 * what {@code TcpSocket} reads and writes through, and what TLS ({@code SslSocket}) reads and
 * writes its records through, so one deadline covers a whole handshake or record. Not
 * thread-safe per direction (one reader and one writer at a time, as the socket's contract says).
 */
public final class SocketIo {
    /*
     * Implementation overview. A short read (the receive buffer was emptied) predicts that the
     * next read finds it still empty: a wasted system call that fails with EAGAIN. So a read after
     * a short read waits for readiness first (`drained`). The selector is level-triggered and the
     * read interest stays registered between waits, so bytes that did arrive meanwhile are
     * reported by the next select at once: the cost of a wrong guess is one pass of the loop, not
     * a lost wake-up. A zero time-out ("never wait") always reads first, and a wait that times
     * out reads once more before it reports it.
     *
     * A read that fills its buffer exactly says nothing about what is left: a stream sender has
     * more queued, a request/response peer (an echo, an RPC client reading a reply of known
     * length) has nothing until it is answered. So that case learns per socket (`fullThenEmpty`):
     * once an eager read right after a full one finds nothing (EAGAIN, one wasted system call
     * per round trip of an echo client), later full reads predict "drained" too, but every
     * PROBE_EVERY-th one reads eagerly again, so a socket that turns into a stream learns back.
     * Heap buffers are written in chunks of at most
     * CHUNK bytes: the JDK copies a heap buffer into a temporary direct buffer as large as what
     * remains.
     */
    public static final int CHUNK = 1 << 20;
    /** {@link #readNow}: nothing to read yet, the caller waits for readiness. */
    public static final int MUST_WAIT = Integer.MIN_VALUE;

    private final SocketChannel ch;
    private final ChannelIo io;
    /** Of the full reads predicted to be followed by nothing, one in this many reads eagerly again. */
    static final int PROBE_EVERY = 16;

    /** The last read emptied the receive buffer: the next one waits for readiness first. A hint: racy by design. */
    private boolean drained;
    /** Writes may be queued into the poller ({@link #queueSends()}); cleared once the poller has no queue. */
    private boolean mayQueue;
    /** The poller's send queue of this channel, once used, and the loop it belongs to. */
    private volatile IoHandler.SendQueue sends;
    private Loop sendLoop;
    /** The last read filled its buffer exactly. */
    private boolean afterFull;
    /** The last eager read right after a full read found nothing. */
    private boolean fullThenEmpty;
    /** Counts full reads predicted to be followed by nothing (for the probes). */
    private int fullReads;

    /** The stream of {@code ch}, waiting through {@code io} (whose time-out says whether reads may wait). */
    public SocketIo(SocketChannel ch, ChannelIo io) {
        this.ch = ch;
        this.io = io;
    }

    /** A connection just made: nothing can have arrived yet, so the first read waits for readiness first. */
    public void expectNothingYet() {
        drained = true;
    }

    /** Reads at least one byte (or -1 at end of stream) by {@code deadline}; {@code what} names a time-out. */
    public int recvInto(ByteBuffer dst, Strand strand, long deadline, String what) throws IOException {
        int n = readNow(dst);
        return n != MUST_WAIT ? n : awaitAndRead(dst, strand, deadline, what);
    }

    /**
     * A read that does not wait: its count (-1 at end of stream, 0 if {@code dst} has no room),
     * or {@link #MUST_WAIT}. After a short read it does not try at all (see the overview).
     */
    public int readNow(ByteBuffer dst) throws IOException {
        if (drained && io.mayWait() && dst.hasRemaining()) {
            return MUST_WAIT;
        }
        boolean probing = afterFull;
        int n = read(dst);
        if (probing) {
            fullThenEmpty = n == 0; // learn what follows a full read on this socket
        }
        return n != 0 || !dst.hasRemaining() ? n : MUST_WAIT;
    }

    /** Waits for readability, then reads, until a read returns bytes or end of stream. */
    public int awaitAndRead(ByteBuffer dst, Strand strand, long deadline, String what) throws IOException {
        for (;;) {
            boolean ready = io.awaitReady(strand, SelectionKey.OP_READ, deadline);
            int n = read(dst);
            if (n != 0) {
                return n;
            }
            if (!ready) {
                throw new SocketTimeoutException(what + " timed out");
            }
        }
    }

    /** Writes all of {@code src} by {@code deadline}. */
    public void sendAll(ByteBuffer src, Strand strand, long deadline, String what) throws IOException {
        while (src.hasRemaining()) {
            if (write(src) == 0) {
                io.await(strand, SelectionKey.OP_WRITE, deadline, what);
            }
        }
    }

    /**
     * Lets writes from a strand of the hub that watches the channel go into that hub's poller
     * queue when it has one (io_uring: {@link IoHandler.SendQueue}): {@code TcpSocket} only; TLS
     * and other users keep plain writes.
     */
    public void queueSends() {
        mayQueue = true;
    }

    /** The send queue for a write by the calling strand, or null for a plain write (after flushing a queue of another loop). */
    private IoHandler.SendQueue queueForWrite() throws IOException {
        IoHandler.SendQueue q = sends;
        if (q != null) {
            if (sendLoop.inLoop()) {
                return q;
            }
            flushQueued("send");
            return null;
        }
        Loop l = Loops.current();
        if (!l.inLoop() || io.watch().loop != l) {
            return null;
        }
        q = l.ioHandler().sendQueue(l.keyFor(ch));
        if (q == null) {
            mayQueue = false; // this poller writes plainly
            return null;
        }
        sendLoop = l;
        sends = q;
        return q;
    }

    /** How long a close waits at most for queued sends to reach the kernel (then it cancels them). */
    public static final long CLOSE_FLUSH_NANOS = 2_000_000_000L;

    /**
     * Before the channel closes (the JDK then shuts its output down): queued sends are flushed,
     * within the socket's time-out and at most {@link #CLOSE_FLUSH_NANOS}; they are cancelled
     * instead on an abortive close ({@code SO_LINGER} 0), from a loop callback (which cannot
     * wait), or when the flush is cut short (time-out, {@code Timeout}, kill: rethrown).
     */
    public void beforeClose() {
        IoHandler.SendQueue q = sends;
        if (q == null || q.idle()) {
            return;
        }
        boolean flushed = false;
        try {
            boolean abort = ch.isOpen() && ch.getOption(java.net.StandardSocketOptions.SO_LINGER) == 0;
            if (!abort && !Loops.callerIsLoop()) {
                Strand strand = Strand.current();
                long deadline = Math.min(io.deadline(strand), strand.deadlineAfter(CLOSE_FLUSH_NANOS));
                flushed = q.flush(strand, deadline);
            }
        } catch (IOException | RuntimeException e) {
            // an option that cannot be read: the queue is cancelled below, the close goes on
        } finally {
            if (!flushed) {
                q.cancel();
            }
        }
    }

    /**
     * Throws the error a queued send met, if it was not reported yet (the socket's close reports it).
     *
     * @throws IOException that error
     */
    public void throwQueuedSendError() throws IOException {
        IoHandler.SendQueue q = sends;
        if (q != null) {
            q.throwIfFailed();
        }
    }

    /**
     * Waits until every queued send reached the kernel ({@code shutdownOutput}, {@code sendFile}
     * and other writes that bypass the queue keep their order after them).
     *
     * @param what the operation, named by a time-out's message
     * @throws IOException a time-out, or the error of a queued send
     */
    public void flushQueued(String what) throws IOException {
        IoHandler.SendQueue q = sends;
        if (q != null) {
            if (!q.idle()) {
                Strand strand = Strand.current();
                if (!q.flush(strand, io.deadline(strand))) {
                    throw new SocketTimeoutException(what + " timed out");
                }
            }
            q.throwIfFailed();
        }
    }

    /** One non-blocking read; a closed channel is the socket's "Socket closed" error. */
    public int read(ByteBuffer dst) throws IOException {
        IoHandler.SendQueue q = sends;
        if (q != null) {
            q.throwIfFailed();
        }
        try {
            int n = ch.read(dst);
            boolean full = n > 0 && !dst.hasRemaining();
            afterFull = full;
            drained = dst.hasRemaining() || full && fullThenEmpty && ++fullReads % PROBE_EVERY != 0;
            return n;
        } catch (java.nio.channels.ClosedChannelException e) {
            throw ChannelIo.closed(e);
        }
    }

    /** One non-blocking write (a heap buffer at most {@link #CHUNK} bytes at a time). */
    public int write(ByteBuffer src) throws IOException {
        try {
            if (mayQueue) {
                IoHandler.SendQueue q = queueForWrite();
                if (q != null) {
                    int n = q.offer(src);
                    if (n >= 0) {
                        return n;
                    }
                }
            }
            return writeChunk(ch, src);
        } catch (java.nio.channels.ClosedChannelException e) {
            throw ChannelIo.closed(e);
        }
    }

    /**
     * One non-blocking write of {@code src} to {@code ch}, a heap buffer at most {@link #CHUNK}
     * bytes of it (for writers that bypass the queue, such as a server's batched writes).
     *
     * @param ch the channel
     * @param src the bytes; its position advances by the count written
     * @return the bytes written
     * @throws IOException as {@link SocketChannel#write(ByteBuffer)}
     */
    public static int writeChunk(SocketChannel ch, ByteBuffer src) throws IOException {
        if (src.isDirect() || src.remaining() <= CHUNK) {
            return ch.write(src);
        }
        int limit = src.limit();
        src.limit(src.position() + CHUNK);
        try {
            return ch.write(src);
        } finally {
            src.limit(limit);
        }
    }
}
