package io.gevent4j.http;

import java.io.IOException;

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

    @Override
    boolean complete() {
        return remaining == 0;
    }
}
