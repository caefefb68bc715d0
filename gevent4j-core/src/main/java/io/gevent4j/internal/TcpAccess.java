package io.gevent4j.internal;

import io.gevent4j.socket.TcpSocket;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Deadline-aware operations of {@link TcpSocket} for the library's layers above it (SSL), so one
 * deadline can cover a whole handshake or record. Installed by {@code TcpSocket}; not exported.
 */
public interface TcpAccess {
    /** The deadline of one operation of {@code socket} started now by {@code strand} (its time-out). */
    long deadline(TcpSocket socket, Object strand);

    /** Reads at least one byte (or -1 at end of stream) by {@code deadline}; {@code what} names a time-out. */
    int recvInto(TcpSocket socket, ByteBuffer dst, Object strand, long deadline, String what) throws IOException;

    /** Writes all of {@code src} by {@code deadline}. */
    void sendAll(TcpSocket socket, ByteBuffer src, Object strand, long deadline, String what) throws IOException;

    /** The installed instance (initialises {@code TcpSocket}). */
    static TcpAccess get() {
        TcpAccess a = Holder.instance;
        if (a == null) {
            try {
                Class.forName(TcpSocket.class.getName(), true, TcpSocket.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
            a = Holder.instance;
        }
        return a;
    }

    /** Called once by {@code TcpSocket}. */
    static void install(TcpAccess a) {
        if (Holder.instance != null) {
            throw new IllegalStateException("already installed");
        }
        Holder.instance = a;
    }

    /** Holds the instance. */
    final class Holder {
        private static volatile TcpAccess instance;

        private Holder() {}
    }
}
