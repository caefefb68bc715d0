package io.gevent4j.http;

import java.io.IOException;
import java.io.OutputStream;
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

    /** How many of {@code len} written bytes count as body bytes sent (for the access log). */
    int bytesOnWire(int len) {
        return len;
    }
}
