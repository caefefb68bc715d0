package io.gevent4j.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * The write side of one connection: responses are appended here and sent in as few writes as
 * possible (when the connection is about to wait for input, when this grows past
 * {@link #FLUSH_AT}, or at the end). Each write to the {@link Wire} carries the deadline the
 * connection gives for writes. Only bytes come here: the head is composed by {@link ResponseHead},
 * the body's framing by {@link FixedLengthOutput}, {@link ChunkedOutput} or
 * {@link CloseDelimitedOutput}. Confined to the connection's greenlet. The buffer is taken at
 * the first write and given back by {@link #release} once all is sent (an idle connection holds
 * none: {@link Buffers}).
 */
final class Output {
    static final int FLUSH_AT = 64 * 1024;
    private final Wire wire;
    private final LongSupplier writeDeadline;
    byte[] buf = Buffers.NONE;
    int count;

    /** {@code writeDeadline} gives the deadline of each write, asked just before it. */
    Output(Wire wire, LongSupplier writeDeadline) {
        this.wire = wire;
        this.writeDeadline = writeDeadline;
    }

    void write(byte[] b) {
        write(b, 0, b.length);
    }

    /**
     * Appends {@code b[off, off+len)}; a large block is not copied: what is buffered is sent,
     * then the block itself, straight from the caller's array.
     */
    void writeThrough(byte[] b, int off, int len) throws IOException {
        if (len < FLUSH_AT) {
            write(b, off, len);
            return;
        }
        flush();
        wire.write(b, off, len, writeDeadline.getAsLong());
    }

    void write(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, count, len);
        count += len;
    }

    void ascii(String s) {
        int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            buf[count++] = (byte) s.charAt(i);
        }
    }

    void latin1(String s) {
        write(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    void crlf() {
        ensure(2);
        buf[count++] = '\r';
        buf[count++] = '\n';
    }

    void decimal(long v) {
        ascii(Long.toString(v));
    }

    private void ensure(int n) {
        if (count + n > buf.length) {
            if (buf == Buffers.NONE) {
                buf = Buffers.take(Buffers.SIZE);
                if (n <= buf.length) {
                    return;
                }
            }
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + n));
        }
    }

    /** Gives the buffer back if everything has been sent (the next write takes one again). */
    void release() {
        if (count == 0 && buf != Buffers.NONE) {
            Buffers.give(buf);
            buf = Buffers.NONE;
        }
    }

    /** Sends everything buffered. */
    void flush() throws IOException {
        if (count > 0) {
            int n = count;
            count = 0; // even if the write fails: the connection is then closed anyway
            wire.write(buf, 0, n, writeDeadline.getAsLong());
            if (buf.length > FLUSH_AT * 2) {
                buf = Buffers.NONE; // do not keep a huge buffer: the next write takes a pooled one
            }
        }
    }

    /** Drops what is buffered (the connection is being aborted). */
    void discard() {
        count = 0;
    }

    void flushIfLarge() throws IOException {
        if (count >= FLUSH_AT) {
            flush();
        }
    }
}
