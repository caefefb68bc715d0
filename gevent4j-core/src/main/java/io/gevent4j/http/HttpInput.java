package io.gevent4j.http;

import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;

/**
 * The read side of one connection: a buffer of bytes received and not yet parsed, refilled from
 * a {@link Source} (the socket, or a byte array in tests). Confined to the connection's greenlet.
 * The buffer starts small and grows up to {@code maxBuffer} only while a head needs it. It is
 * taken at the first {@link #fill} and given back by {@link #release} when nothing is buffered
 * (an idle connection holds none: {@link Buffers}).
 */
final class HttpInput {
    /** Reads into {@code b[off, off+len)}: the count, or -1 at end of stream. */
    @FunctionalInterface
    interface Source {
        int read(byte[] b, int off, int len) throws IOException;
    }

    byte[] buf = Buffers.NONE;
    int pos;
    int lim;
    private final Source source;
    private final int initial;
    private final int maxBuffer;
    private boolean eof;

    HttpInput(Source source, int initial, int maxBuffer) {
        if (initial <= 0) {
            throw new IllegalArgumentException("initial buffer size must be positive: " + initial);
        }
        this.source = source;
        this.initial = initial;
        this.maxBuffer = Math.max(initial, maxBuffer);
    }

    /** Gives the buffer back if nothing is buffered (the next {@link #fill} takes one again); true if it did. */
    boolean release() {
        if (pos != lim || buf == Buffers.NONE) {
            return false;
        }
        Buffers.give(buf);
        buf = Buffers.NONE;
        pos = 0;
        lim = 0;
        return true;
    }

    /** A source that delivers {@code data} in one piece, then end of stream. */
    static Source of(byte[] data) {
        int[] at = {0};
        return (b, off, len) -> {
            if (at[0] >= data.length) {
                return -1;
            }
            int n = Math.min(len, data.length - at[0]);
            System.arraycopy(data, at[0], b, off, n);
            at[0] += n;
            return n;
        };
    }

    int available() {
        return lim - pos;
    }

    boolean atEof() {
        return eof && pos == lim;
    }

    /**
     * Reads more bytes after those buffered (compacting or growing the buffer). Returns false at
     * end of stream. Throws if the buffer is already at its maximum and full.
     */
    boolean fill() throws IOException {
        if (eof) {
            return false;
        }
        if (buf == Buffers.NONE) {
            buf = Buffers.take(initial); // pos == lim == 0 while it has none
        } else if (lim == buf.length) {
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, lim - pos);
                lim -= pos;
                pos = 0;
            } else if (buf.length < maxBuffer) {
                buf = Arrays.copyOf(buf, Math.min(maxBuffer, buf.length * 2));
            } else {
                throw new IllegalStateException("input buffer full");
            }
        }
        int n = source.read(buf, lim, buf.length - lim);
        if (n < 0) {
            eof = true;
            return false;
        }
        lim += n;
        return true;
    }

    /** Whether the buffer could take more bytes before {@code from + need} relative to pos. */
    boolean canHold(int need) {
        return need <= maxBuffer;
    }

    /** Compacts an empty buffer back to its start (cheap, keeps later reads contiguous). */
    void resetIfEmpty() {
        if (pos == lim) {
            pos = 0;
            lim = 0;
        }
    }

    /** Reads up to len body bytes (buffered first); -1 at end of stream. */
    int read(byte[] b, int off, int len) throws IOException {
        if (pos == lim) {
            if (len >= 4096 && !eof) {
                int n = source.read(b, off, len); // large reads bypass the buffer
                if (n < 0) {
                    eof = true;
                }
                return n;
            }
            resetIfEmpty();
            if (!fill()) {
                return -1;
            }
        }
        int n = Math.min(len, lim - pos);
        System.arraycopy(buf, pos, b, off, n);
        pos += n;
        return n;
    }

    /**
     * Reads one CRLF-terminated line of at most {@code max} bytes and returns the offset of its
     * end (the CR); the line starts at the old {@link #pos}, and pos moves past the LF only when
     * the caller calls {@link #consumeLine}. Bare LF, or a CR inside the line, is a 400; a line
     * longer than {@code max} (CRLF not counted) is a {@code tooLong} error, whether it arrived
     * whole or in pieces.
     */
    int lineEnd(int max, String what, int tooLong) throws IOException {
        int from = pos;
        int scan = pos;
        for (;;) {
            for (int i = scan; i < lim; i++) {
                byte c = buf[i];
                if (c == '\n') {
                    if (i == from || buf[i - 1] != '\r') {
                        throw new HttpError(400, "bare LF in " + what);
                    }
                    if (i - 1 - from > max) {
                        throw new HttpError(tooLong, what + " too long");
                    }
                    return i - 1;
                }
                if (c == '\r' && i + 1 < lim && buf[i + 1] != '\n') {
                    throw new HttpError(400, "CR without LF in " + what);
                }
            }
            if (lim - from > max + 1) { // + 1: the CR of a line of exactly max bytes may be here without its LF
                throw new HttpError(tooLong, what + " too long");
            }
            scan = Math.max(from, lim - 1);
            int shift = pos;
            if (!fill()) {
                throw new EOFException("connection closed inside " + what);
            }
            shift -= pos; // fill() may have compacted the buffer
            from -= shift;
            scan -= shift;
        }
    }

    void consumeLine(int crAt) {
        pos = crAt + 2;
    }
}
