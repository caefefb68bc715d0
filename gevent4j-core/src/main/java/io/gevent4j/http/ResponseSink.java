package io.gevent4j.http;

import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * What a {@link HttpResponse} may do to its connection, and all it may do: the one-way door from
 * the response to the output. The response reports facts (its head, with its framing and
 * whether it asks to close; whether its body was complete) and hands over bytes; the connection
 * decides from them whether it persists. Implemented by the connection ({@code Http1Connection});
 * confined to the connection's greenlet.
 */
interface ResponseSink {
    /** The response commits: the connection decides persistence and writes {@code head}. */
    void head(ResponseHead head);

    /** Body bytes, already framed; sent when the connection flushes (or at once when large). */
    void body(byte[] b, int off, int len) throws IOException;

    /** Sends what is buffered now (a handler's explicit flush). */
    void flush() throws IOException;

    /** The response has ended; {@code complete}: all of its declared body was written. */
    void finished(boolean complete);

    /** Drops what is buffered and closes the connection without completing the response. */
    void abort() throws IOException;

    /**
     * Sends {@code count} bytes of {@code file} from {@code position} straight to the socket,
     * after what is buffered ({@code sendfile(2)}, no copy through the heap): the bytes sent, or
     * -1 if this sink cannot (TLS encrypts in user space), and then the caller copies.
     */
    default long sendFile(FileChannel file, long position, long count) throws IOException {
        return -1;
    }
}
