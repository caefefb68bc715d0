package io.gevent4j.internal.uring;

import io.gevent4j.internal.IoHandler;
import io.gevent4j.internal.Strand;
import io.gevent4j.internal.Waiter;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The completion-mode sends of one channel on a {@link UringIo}: {@link #offer} copies the bytes
 * into a pooled native buffer (a ring of {@value #CAPACITY} bytes) and prepares an
 * {@code IORING_OP_SEND}, with no system call; the poller's next {@code io_uring_enter} submits
 * it. At most one send is in flight per channel, so the bytes leave in order; a short send's
 * rest is sent next. The buffer returns to the poller's pool only when no send and no cancel
 * of it is in flight (the kernel may read it until then).
 *
 * <p>A send's error (EPIPE, ECONNRESET) drops what is queued and is thrown, as the JDK's write
 * would have thrown it ({@code IOException("Broken pipe")}), by the channel's next send, receive
 * or close. A full queue makes {@link #offer} return 0 and the key report {@code OP_WRITE} only
 * when room frees (back-pressure through the socket's ordinary write wait, with its time-out,
 * {@code Timeout} and kill). A close first {@linkplain #flush flushes} the queue (the JDK shuts
 * a registered channel's output down as it closes it: a send after that fails); an abortive
 * close, or a flush cut short, {@linkplain #cancel cancels} it ({@code IORING_OP_ASYNC_CANCEL}).
 *
 * <p>Who calls it: {@link #offer} and every completion on the loop's thread (the ring's single
 * issuer); {@link #idle}, {@link #flush}, {@link #throwIfFailed} and {@link #cancel} from any
 * thread (their state is volatile; {@link #cancel} hands its ring work to the loop).
 */
final class UringSends implements IoHandler.SendQueue {
    /** Bytes queued per channel at most (a power of two). */
    static final int CAPACITY = 32 * 1024;
    /** An idle queue leaves a write larger than this to the caller (a plain write copies once, not twice). */
    static final int WRITE_ITSELF = 8 * 1024;
    private static final int MASK = CAPACITY - 1;

    private final UringIo io;
    final UringKey key;

    // Loop-confined.
    private MemorySegment buf;
    private ByteBuffer view;
    private int head;
    private int size;
    boolean sendInFlight;
    private int inFlightLen;
    /** What is in flight is a poll for room (the socket's buffer was full), not a send. */
    private boolean polling;
    /** The last send found no room: the next step is a poll for room. */
    private boolean needPoll;
    boolean cancelInFlight;
    private boolean aborted;

    // Any thread.
    private volatile boolean busy;
    private volatile String failure;
    /** Strands waiting for the queue to drain: any number (a close and another hub's send may both wait). */
    private final ConcurrentLinkedQueue<Waiter> drainWaiters = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean cancelled = new AtomicBoolean();

    UringSends(UringIo io, UringKey key) {
        this.io = io;
        this.key = key;
    }

    @Override
    public int offer(ByteBuffer src) throws IOException {
        throwIfFailed();
        if (cancelled.get() || aborted || !key.isValid()) {
            throw new ClosedChannelException();
        }
        int n = src.remaining();
        if (n == 0) {
            return 0;
        }
        if (!busy && n > WRITE_ITSELF) {
            return -1;
        }
        int take = Math.min(CAPACITY - size, n);
        if (take == 0) {
            return 0;
        }
        if (buf == null) {
            buf = io.takeBuffer();
            view = buf.asByteBuffer();
        }
        int tail = (head + size) & MASK;
        int first = Math.min(take, CAPACITY - tail);
        int pos = src.position();
        view.put(tail, src, pos, first);
        if (take > first) {
            view.put(0, src, pos + first, take - first);
        }
        src.position(pos + take);
        size += take;
        if (!busy) {
            busy = true; // a volatile write only when it changes (only the loop writes it)
        }
        if (!sendInFlight) {
            submitNext();
        }
        return take;
    }

    /** Whether the queue has no room (the key's write readiness then waits for a completion). */
    boolean full() {
        return size == CAPACITY;
    }

    /** Prepares the send of the next contiguous run of queued bytes (loop). */
    void submitNext() {
        if (size == 0 || sendInFlight || aborted) {
            settle();
            return;
        }
        if (needPoll && !key.removed) {
            needPoll = false;
            polling = true;
            sendInFlight = true;
            io.submitSendPoll(key);
            return;
        }
        if (key.removed) {
            // The channel was closed under its queue (its descriptor may be reused now): what is
            // queued cannot be sent any more.
            size = 0;
            settle();
            return;
        }
        int len = Math.min(size, CAPACITY - head);
        sendInFlight = true;
        inFlightLen = len;
        io.submitSend(key, buf.address() + head, len);
    }

    /** The completion of this channel's send (loop, while reaping). */
    void sendCompleted(int res) {
        if (polling) {
            // Room in the socket (or an error, which the send then reports): send again.
            polling = false;
            sendInFlight = false;
            if (aborted) {
                size = 0; // abortNow kept the bytes of the send that found no room: none goes now
                settle();
                return;
            }
            io.submitLater(this);
            return;
        }
        if (res == -Syscalls.EAGAIN && !aborted) {
            // The channel is non-blocking, so the kernel does not wait for room: a one-shot poll
            // does, then the same bytes are sent again.
            sendInFlight = false;
            needPoll = true;
            io.submitLater(this);
            return;
        }
        boolean wasFull = full();
        sendInFlight = false;
        if (res >= 0 || res == -Syscalls.EINTR) {
            int n = Math.max(res, 0);
            head = (head + n) & MASK;
            size -= n;
            if (n > 0 && n < inFlightLen) {
                io.shortSends++;
            }
            if (n == 0 && inFlightLen > 0 && res == 0) {
                // A stream socket sends at least one byte or fails; nothing sent means no progress
                // is possible (the socket was shut down): the kernel's own EPIPE.
                failure = Syscalls.strerror(32);
                size = 0;
            }
        } else {
            if (!aborted && res != -Syscalls.ECANCELED) {
                failure = Syscalls.strerror(-res);
            }
            size = 0;
        }
        if (aborted) {
            size = 0;
        }
        if (size > 0) {
            io.submitLater(this);
        } else {
            settle();
        }
        if (wasFull || failure != null) {
            io.reportWritable(key);
        }
    }

    /** The completion of the cancel of this channel's send (loop, while reaping). */
    void cancelCompleted() {
        cancelInFlight = false;
        settle();
    }

    /** Nothing queued and nothing in flight: the buffer goes back, waiters are told (loop). */
    private void settle() {
        if (size != 0 || sendInFlight || cancelInFlight) {
            return;
        }
        if (buf != null) {
            io.giveBuffer(buf);
            buf = null;
            view = null;
        }
        head = 0;
        needPoll = false;
        busy = false; // Dekker with flush: busy written, then the waiters read
        if (!drainWaiters.isEmpty()) {
            for (Waiter w : drainWaiters) {
                w.notifyWaiter();
            }
        }
        io.sendsSettled(key);
    }

    /** Cancels what is in flight and drops the rest (loop). */
    void abortNow() {
        aborted = true;
        size = sendInFlight ? inFlightLen : 0;
        if (sendInFlight && !cancelInFlight) {
            cancelInFlight = true;
            io.submitCancel(key);
        }
        settle();
    }

    /** The channel is gone (its key removed by the poller): the queue stops (loop). */
    void channelGone() {
        if (!sendInFlight) {
            size = 0;
            settle();
        }
    }

    @Override
    public void throwIfFailed() throws IOException {
        String f = failure;
        if (f != null) {
            failure = null;
            throw new IOException(f);
        }
    }

    @Override
    public boolean idle() {
        return !busy;
    }

    @Override
    public boolean flush(Strand strand, long deadline) throws IOException {
        while (busy) {
            Waiter w = new Waiter(strand);
            drainWaiters.add(w);
            try {
                if (!busy) {
                    break; // Dekker: the waiter was published, then busy re-read
                }
                if (!strand.await(w, deadline)) {
                    return false;
                }
            } finally {
                drainWaiters.remove(w);
            }
        }
        return true;
    }

    @Override
    public void cancel() {
        if (cancelled.compareAndSet(false, true)) {
            io.onLoop(this::abortNow);
        }
    }

    /** The poller closes: the buffer is kept from reuse if the kernel may still read it (loop). */
    MemorySegment bufferInFlight() {
        return sendInFlight || cancelInFlight ? buf : null;
    }
}
