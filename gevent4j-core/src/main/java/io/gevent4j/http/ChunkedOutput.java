package io.gevent4j.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** A response body in {@code Transfer-Encoding: chunked}: one chunk per write, the last chunk on close. */
final class ChunkedOutput extends BodyOutput {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private boolean closed;

    ChunkedOutput(ResponseSink sink) {
        super(sink);
    }

    @Override
    void framed(byte[] b, int off, int len) throws IOException {
        byte[] size = (Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        sink.body(size, 0, size.length);
        sink.body(b, off, len);
        sink.body(CRLF, 0, 2);
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            sink.body(LAST, 0, LAST.length);
        }
    }

    @Override
    boolean complete() {
        return closed;
    }
}
