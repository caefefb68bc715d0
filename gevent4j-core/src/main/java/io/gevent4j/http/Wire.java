package io.gevent4j.http;

import io.gevent4j.server.Connection;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;

/**
 * The byte source and sink of one HTTP connection: every read and write of the pipeline goes
 * through here, each with the deadline the connection computed for its phase ({@link
 * System#nanoTime()} based; {@link #NONE} for no deadline). Nothing above this class sets a
 * socket time-out.
 *
 * <p>This is the seam for deadline-aware socket operations: today the socket takes a per-call
 * time-out, so each call turns its deadline into the time left and sets it just before the
 * call; when the socket layer offers reads and writes that take a deadline, only this class
 * changes. Confined to the connection's greenlet.
 */
final class Wire {
    /** No deadline. */
    static final long NONE = Long.MAX_VALUE;

    private final Connection conn;
    private final LongAdder writes;
    private final LongAdder bytesRead;
    private final LongAdder bytesWritten;

    /**
     * {@code writes} counts the write calls (a server-wide statistic for tests and benchmarks);
     * {@code bytesRead} and {@code bytesWritten} the bytes this connection's socket calls moved
     * (server-wide totals: {@link HttpServer#stats()}).
     */
    Wire(Connection conn, LongAdder writes, LongAdder bytesRead, LongAdder bytesWritten) {
        this.conn = conn;
        this.writes = writes;
        this.bytesRead = bytesRead;
        this.bytesWritten = bytesWritten;
    }

    /** Counts {@code n} bytes read past this class (a read into the input by the connection itself). */
    void countRead(long n) {
        if (n > 0) {
            bytesRead.add(n);
        }
    }

    /** Counts {@code n} bytes written past this class ({@code sendfile(2)}). */
    void countWritten(long n) {
        if (n > 0) {
            bytesWritten.add(n);
        }
    }

    /** The deadline {@code timeout} from now ({@link #NONE} if that is beyond the clock's range). */
    static long after(Duration timeout) {
        return after(System.nanoTime(), nanos(timeout));
    }

    /** {@code timeout} in nanoseconds, at most {@code Long.MAX_VALUE}. */
    static long nanos(Duration timeout) {
        try {
            return timeout.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    /** The deadline {@code nanos} after {@code now} ({@link #NONE} if that is beyond the clock's range). */
    static long after(long now, long nanos) {
        try {
            return Math.addExact(now, nanos);
        } catch (ArithmeticException tooLong) {
            return NONE;
        }
    }

    /** Reads into {@code b[off, off+len)} before {@code deadline}: the count, or -1 at end of stream. */
    int read(byte[] b, int off, int len, long deadline) throws IOException {
        until(deadline, "read timed out");
        int n = conn.recvInto(ByteBuffer.wrap(b, off, len));
        countRead(n);
        return n;
    }

    /**
     * Reads into {@code b[off, off+len)} what has arrived, without waiting: the count (0 when
     * nothing has, e.g. a spurious readiness), or -1 at end of stream. For the read right after
     * a readiness wait ({@link Http1Connection}'s idle wait), which need not wait again.
     */
    int readNow(byte[] b, int off, int len) throws IOException {
        conn.timeout(Duration.ZERO); // zero: "never wait", so the socket reads at once
        try {
            int n = conn.recvInto(ByteBuffer.wrap(b, off, len));
            countRead(n);
            return n;
        } catch (SocketTimeoutException nothingYet) {
            return 0;
        }
    }

    /** Writes all of {@code b[off, off+len)} before {@code deadline}. */
    void write(byte[] b, int off, int len, long deadline) throws IOException {
        until(deadline, "write timed out");
        writes.increment();
        ByteBuffer buf = ByteBuffer.wrap(b, off, len);
        try {
            conn.sendAll(buf);
        } finally {
            countWritten(len - buf.remaining()); // what the socket took, also when it failed midway
        }
    }

    private void until(long deadline, String timedOut) throws SocketTimeoutException {
        if (deadline == NONE) {
            conn.noTimeout();
            return;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException(timedOut);
        }
        conn.timeout(Duration.ofNanos(left));
    }
}
