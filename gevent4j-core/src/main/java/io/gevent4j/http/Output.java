package io.gevent4j.http;

import io.gevent4j.server.Connection;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The write side of one connection: responses are appended here and sent in as few writes as
 * possible (when the connection is about to wait for input, when this grows past
 * {@link #FLUSH_AT}, or at the end). Confined to the connection's greenlet.
 */
final class Output {
    static final int FLUSH_AT = 64 * 1024;
    private final Connection conn;
    private final Runnable beforeWrite;
    byte[] buf = new byte[4096];
    int count;

    Output(Connection conn, Runnable beforeWrite) {
        this.conn = conn;
        this.beforeWrite = beforeWrite;
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
        beforeWrite.run();
        conn.sendAll(ByteBuffer.wrap(b, off, len));
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
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + n));
        }
    }

    /** Sends everything buffered. */
    void flush() throws IOException {
        if (count > 0) {
            beforeWrite.run();
            int n = count;
            count = 0; // even if the write fails: the connection is then closed anyway
            conn.sendAll(ByteBuffer.wrap(buf, 0, n));
            if (buf.length > FLUSH_AT * 2) {
                buf = new byte[4096]; // do not keep a huge buffer on an idle connection
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
