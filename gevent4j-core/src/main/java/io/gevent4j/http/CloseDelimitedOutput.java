package io.gevent4j.http;

import java.io.IOException;

/**
 * A response body that ends when the connection closes (HTTP/1.0 without a length): the bytes
 * go out as written, and the connection never persists after it.
 */
final class CloseDelimitedOutput extends BodyOutput {
    CloseDelimitedOutput(ResponseSink sink) {
        super(sink);
    }

    @Override
    void framed(byte[] b, int off, int len) throws IOException {
        sink.body(b, off, len);
    }

    @Override
    boolean complete() {
        return true;
    }
}
