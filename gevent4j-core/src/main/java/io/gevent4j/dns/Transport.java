package io.gevent4j.dns;

import io.gevent4j.internal.Strand;
import io.gevent4j.internal.io.Readiness;
import java.io.EOFException;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Record;

/**
 * One exchange with one name server, and all of the resolver's network I/O: the query over UDP,
 * and over TCP again when the UDP reply is truncated, both within one deadline. A reply is
 * accepted only if it comes from the server's address and port, has the query's ID, the QR flag
 * and the same question; anything else, bytes dnsjava cannot decode included, is ignored and the
 * wait goes on until the deadline.
 *
 * <p>Who may call it: any greenlet (its hub's selector watches the channels); the resolver
 * calls it from its query greenlets only. It parks until a reply or the deadline, however a
 * server paces its bytes; a {@code Timeout} or a kill propagates and closes the channels.
 */
final class Transport {
    /*
     * Implementation overview.
     *
     * Plain non-blocking JDK channels, one per exchange, closed before returning. Every
     * operation is tried first and waits for readiness only when it would block; every wait
     * is bounded by what is left until the deadline (a System.nanoTime()), so a server that
     * drips its reply one byte at a time cannot stretch it. The readiness waits and the close
     * that wakes the hub are the three methods at the end: the only calls to the socket layer.
     */
    /** Room for any UDP reply: the EDNS0 size we announce, and more from a server that ignores it. */
    private static final int UDP_BUFFER = 4096;

    /** Only undecodable packets arrived before the deadline (or a TCP reply did not decode). */
    static final class MalformedReply extends IOException {
        private static final long serialVersionUID = 1L;

        MalformedReply() {
            super("malformed reply");
        }
    }

    /**
     * Sends {@code query} to {@code server} and returns its reply, or null if {@code deadline}
     * passes first. A truncated UDP reply is asked again over TCP.
     *
     * @throws MalformedReply when only undecodable packets came, or the TCP reply was not one
     * @throws IOException when the server cannot be reached (an ICMP "unreachable", a refused connection)
     */
    Message exchange(InetSocketAddress server, Message query, long deadline) throws IOException {
        byte[] wire = query.toWire();
        int id = query.getHeader().getID();
        Record question = query.getQuestion();
        Message reply = overUdp(server, wire, id, question, deadline);
        if (reply != null && reply.getHeader().getFlag(Flags.TC)) {
            reply = overTcp(server, wire, id, question, deadline);
        }
        return reply;
    }

    private Message overUdp(InetSocketAddress server, byte[] wire, int id, Record question, long deadline)
            throws IOException {
        DatagramChannel ch = DatagramChannel.open();
        try {
            ch.configureBlocking(false);
            ByteBuffer out = ByteBuffer.wrap(wire);
            while (ch.send(out, server) == 0) { // no room in the send buffer yet
                if (!waitWrite(ch, deadline)) {
                    return null;
                }
            }
            ByteBuffer buf = ByteBuffer.allocate(UDP_BUFFER);
            boolean sawGarbage = false;
            for (;;) {
                if (deadline - System.nanoTime() <= 0) {
                    if (sawGarbage) {
                        throw new MalformedReply();
                    }
                    return null;
                }
                SocketAddress from = ch.receive(buf.clear());
                if (from == null) {
                    waitRead(ch, deadline); // the loop re-checks the deadline
                    continue;
                }
                if (!from.equals(server)) {
                    continue; // not from the server we asked
                }
                Message m = decode(Arrays.copyOf(buf.array(), buf.position()));
                if (m == null) {
                    sawGarbage = true;
                    continue;
                }
                if (matches(m, id, question)) {
                    return m;
                }
            }
        } finally {
            close(ch);
        }
    }

    /** The TCP retry of a truncated reply: two length bytes, then the message (RFC 1035 §4.2.2). */
    private Message overTcp(InetSocketAddress server, byte[] wire, int id, Record question, long deadline)
            throws IOException {
        if (deadline - System.nanoTime() <= 0) {
            return null;
        }
        SocketChannel ch = server.getAddress() instanceof Inet4Address
                ? SocketChannel.open(StandardProtocolFamily.INET) : SocketChannel.open();
        try {
            ch.configureBlocking(false);
            if (!ch.connect(server)) {
                while (!ch.finishConnect()) {
                    if (!waitWrite(ch, deadline)) {
                        return null;
                    }
                }
            }
            ByteBuffer out = ByteBuffer.allocate(2 + wire.length);
            out.putShort((short) wire.length).put(wire).flip();
            while (out.hasRemaining()) {
                if (ch.write(out) == 0 && !waitWrite(ch, deadline)) {
                    return null;
                }
            }
            ByteBuffer len = ByteBuffer.allocate(2);
            if (!readFully(ch, len, deadline)) {
                return null;
            }
            ByteBuffer body = ByteBuffer.allocate(Short.toUnsignedInt(len.getShort(0)));
            if (!readFully(ch, body, deadline)) {
                return null;
            }
            Message m = decode(body.array());
            if (m == null || !matches(m, id, question)) {
                throw new MalformedReply();
            }
            return m;
        } finally {
            close(ch);
        }
    }

    /** Fills {@code b}; false if {@code deadline} passed first (checked before every read). */
    private static boolean readFully(SocketChannel ch, ByteBuffer b, long deadline) throws IOException {
        while (b.hasRemaining()) {
            if (deadline - System.nanoTime() <= 0) {
                return false;
            }
            int n = ch.read(b);
            if (n < 0) {
                throw new EOFException("the nameserver closed the TCP connection mid-reply");
            }
            if (n == 0 && !waitRead(ch, deadline)) {
                return false;
            }
        }
        return true;
    }

    private static Message decode(byte[] bytes) {
        try {
            return new Message(bytes);
        } catch (IOException | RuntimeException garbage) {
            return null; // garbage never crashes the resolver
        }
    }

    private static boolean matches(Message m, int id, Record question) {
        if (m.getHeader().getID() != id || !m.getHeader().getFlag(Flags.QR)) {
            return false;
        }
        Record q = m.getQuestion();
        return q != null && q.getType() == question.getType() && q.getDClass() == question.getDClass()
                && q.getName().equals(question.getName());
    }

    // ------------------------------------------------------------ the engine's readiness waits

    /** Waits until {@code ch} is readable; false if {@code deadline} (on {@link System#nanoTime}) passed first. */
    private static boolean waitRead(SelectableChannel ch, long deadline) throws IOException {
        long left = deadline - System.nanoTime();
        return left > 0 && Readiness.waitReadable(ch, Strand.current().deadlineAfter(left));
    }

    /** Waits until {@code ch} is writable (connected, for a connect in progress); false if {@code deadline} passed first. */
    private static boolean waitWrite(SelectableChannel ch, long deadline) throws IOException {
        long left = deadline - System.nanoTime();
        return left > 0 && Readiness.waitWritable(ch, Strand.current().deadlineAfter(left));
    }

    /** Closes {@code ch} and lets its hub deregister it at once (the JDK frees the socket only then). */
    private static void close(SelectableChannel ch) throws IOException {
        Readiness.closeAndWake(ch);
    }
}
