package io.gevent4j.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * {@code InputStream}/{@code OutputStream} views over a cooperative connection (a TCP socket, a
 * TLS socket): reads are its {@code recvInto}, writes its {@code sendAll}, and closing a view
 * closes the connection, as with {@code java.net.Socket}. Internal: not exported.
 */
public final class ByteStreams {
    private ByteStreams() {}

    /** Reads into a buffer, waiting as the connection does; -1 at end of stream. */
    @FunctionalInterface
    public interface Receiver {
        int recvInto(ByteBuffer dst) throws IOException;
    }

    /** Writes the whole buffer, waiting as the connection does. */
    @FunctionalInterface
    public interface Sender {
        void sendAll(ByteBuffer src) throws IOException;
    }

    /** Closes the connection. */
    @FunctionalInterface
    public interface Closer {
        void close() throws IOException;
    }

    public static InputStream input(Receiver receiver, Closer closer) {
        Objects.requireNonNull(receiver, "receiver");
        Objects.requireNonNull(closer, "closer");
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                Objects.checkFromIndexSize(off, len, b.length);
                return len == 0 ? 0 : receiver.recvInto(ByteBuffer.wrap(b, off, len));
            }

            @Override
            public void close() throws IOException {
                closer.close();
            }
        };
    }

    public static OutputStream output(Sender sender, Closer closer) {
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(closer, "closer");
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                sender.sendAll(ByteBuffer.wrap(new byte[] {(byte) b}));
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                Objects.checkFromIndexSize(off, len, b.length);
                sender.sendAll(ByteBuffer.wrap(b, off, len));
            }

            @Override
            public void close() throws IOException {
                closer.close();
            }
        };
    }
}
