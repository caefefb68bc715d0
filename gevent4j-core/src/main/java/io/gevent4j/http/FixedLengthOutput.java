package io.gevent4j.http;

import java.io.IOException;
import java.nio.channels.FileChannel;

/** A response body of a declared {@code Content-Length}: more is an error, less leaves it incomplete. */
final class FixedLengthOutput extends BodyOutput {
    private final long length;
    private long remaining;

    FixedLengthOutput(ResponseSink sink, long length) {
        super(sink);
        this.length = length;
        this.remaining = length;
    }

    @Override
    void framed(byte[] b, int off, int len) throws IOException {
        if (len > remaining) {
            throw new IOException("body longer than the declared Content-Length " + length);
        }
        sink.body(b, off, len);
        remaining -= len;
    }

    /**
     * Sends the file region without copying it through the heap when the sink can (plain TCP:
     * {@code sendfile(2)}), else copies it. Each {@link #ZERO_COPY_CHUNK} gets its own write
     * time-out, as each large write does, so a big file to a slow but live client is not cut.
     */
    @Override
    long sendFile(FileChannel file, long position, long count) throws IOException {
        if (count > remaining) {
            throw new IOException("body longer than the declared Content-Length " + length);
        }
        long done = 0;
        while (done < count) {
            long n = sink.sendFile(file, position + done, Math.min(count - done, ZERO_COPY_CHUNK));
            if (n < 0) {
                super.sendFile(file, position + done, count - done); // TLS: copy (write() counts down)
                return count;
            }
            remaining -= n;
            done += n;
            if (n < Math.min(count - done + n, ZERO_COPY_CHUNK)) {
                throw new IOException("the file ended " + (count - done) + " bytes before the range sent");
            }
        }
        return count;
    }

    /** The largest region given to one zero-copy send (one write time-out each). */
    static final long ZERO_COPY_CHUNK = 8L << 20;

    @Override
    boolean complete() {
        return remaining == 0;
    }
}
