package io.gevent4j.http;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Objects;

/**
 * The framing of a response body on its way to the {@link ResponseSink}: one subclass per
 * {@link ResponseHead.Framing} ({@link FixedLengthOutput}, {@link ChunkedOutput},
 * {@link CloseDelimitedOutput}; {@link #discarding()} for a response without a body). Writes
 * of zero bytes do nothing; {@link #close()} ends the body on the wire.
 */
abstract class BodyOutput extends OutputStream {
    final ResponseSink sink;

    BodyOutput(ResponseSink sink) {
        this.sink = sink;
    }

    /** For a response that has no body on the wire (HEAD, 1xx, 204, 304): drops what is written. */
    static BodyOutput discarding() {
        return new BodyOutput(null) {
            @Override
            void framed(byte[] b, int off, int len) {
                // no body on the wire
            }

            @Override
            boolean complete() {
                return true;
            }

            @Override
            int bytesOnWire(int len) {
                return 0;
            }

            @Override
            long sendFile(FileChannel file, long position, long count) {
                return 0; // no body on the wire: the file is not even read
            }
        };
    }

    @Override
    public final void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public final void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len > 0) {
            framed(b, off, len);
        }
    }

    /** Frames and passes on {@code len > 0} bytes. */
    abstract void framed(byte[] b, int off, int len) throws IOException;

    /** Whether the body is complete on the wire (e.g. all the declared length was written). */
    abstract boolean complete();

    /**
     * Writes {@code count} bytes of {@code file} from {@code position} as body bytes; returns how
     * many count as sent (for the access log). Here, copied through a heap buffer and framed like
     * any write; {@link FixedLengthOutput} sends them without a copy where the sink can. Fails if
     * the file ends before {@code count} bytes (the body is then incomplete).
     */
    long sendFile(FileChannel file, long position, long count) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(count, FILE_COPY_CHUNK));
        long done = 0;
        while (done < count) {
            buf.clear().limit((int) Math.min(buf.capacity(), count - done));
            int n = file.read(buf, position + done);
            if (n < 0) {
                throw new IOException("the file ended " + (count - done) + " bytes before the range sent");
            }
            write(buf.array(), 0, n);
            done += n;
        }
        return count;
    }

    /** The heap buffer of a copied {@link #sendFile}. */
    static final int FILE_COPY_CHUNK = 64 * 1024;

    /** How many of {@code len} written bytes count as body bytes sent (for the access log). */
    int bytesOnWire(int len) {
        return len;
    }
}
