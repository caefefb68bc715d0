package io.gevent4j.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * The body stream a handler reads. It keeps {@code InputStream}'s contract over every framing: a
 * zero-length read returns 0 at once, end of body is -1 each time, and after {@link #close()}
 * (idempotent; the server still drains what is left, so keep-alive goes on) reads throw.
 *
 * <p>It does no output itself. A client that sent {@code Expect: 100-continue} must get a word
 * before it sends the body: that is a step of the connection, passed in as {@code
 * beforeFirstRead}, which the first read runs (the connection/handler boundary: the handler's
 * first read is its "go on").
 */
final class RequestBody extends InputStream {
    /** A step of the connection run once, before the handler's first read of the body. */
    @FunctionalInterface
    interface Step {
        void run() throws IOException;
    }

    final InputStream raw;
    private Step beforeFirstRead;
    private boolean closed;

    /** {@code raw}: the framing decoder; {@code beforeFirstRead}: null for none. */
    RequestBody(InputStream raw, Step beforeFirstRead) {
        this.raw = raw;
        this.beforeFirstRead = beforeFirstRead;
    }

    private void beforeRead() throws IOException {
        if (closed) {
            throw new IOException("request body closed");
        }
        Step step = beforeFirstRead;
        if (step != null) {
            beforeFirstRead = null;
            step.run();
        }
    }

    @Override
    public int read() throws IOException {
        beforeRead();
        return raw.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        beforeRead();
        return raw.read(b, off, len);
    }

    @Override
    public int available() throws IOException {
        return closed ? 0 : raw.available();
    }

    @Override
    public void close() {
        closed = true;
    }

    /** Whether the whole body has been read (by the handler or the drain). */
    boolean finished() {
        if (raw instanceof FixedLengthInput f) {
            return f.finished();
        }
        if (raw instanceof ChunkedInput c) {
            return c.finished();
        }
        return true;
    }
}
