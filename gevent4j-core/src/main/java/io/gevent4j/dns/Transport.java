package io.gevent4j.dns;

import io.gevent4j.socket.TcpSocket;
import io.gevent4j.socket.UdpSocket;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
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
 * <p>Who may call it: any greenlet; the resolver calls it from its query greenlets only. It
 * parks until a reply or the deadline, however a server paces its bytes; a {@code Timeout} or
 * a kill propagates and closes the sockets.
 */
final class Transport {
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

    /** Sends one query and waits for its reply; null on time-out. Ignores foreign and garbage packets. */
    private Message overUdp(InetSocketAddress server, byte[] wire, int id, Record question, long deadline)
            throws IOException {
        try (UdpSocket s = UdpSocket.open()) {
            s.sendTo(ByteBuffer.wrap(wire), server);
            ByteBuffer buf = ByteBuffer.allocate(UDP_BUFFER);
            boolean sawGarbage = false;
            for (;;) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    if (sawGarbage) {
                        throw new MalformedReply();
                    }
                    return null;
                }
                s.timeout(Duration.ofNanos(left));
                InetSocketAddress from;
                try {
                    from = s.recvFrom(buf.clear());
                } catch (SocketTimeoutException e) {
                    continue; // re-checks the deadline
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
        }
    }

    /** The TCP retry of a truncated reply; null when {@code deadline} passes first, however the bytes are paced. */
    private Message overTcp(InetSocketAddress server, byte[] wire, int id, Record question, long deadline)
            throws IOException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            return null;
        }
        try (TcpSocket s = TcpSocket.connect(server, Duration.ofNanos(left))) {
            ByteBuffer out = ByteBuffer.allocate(2 + wire.length);
            out.putShort((short) wire.length).put(wire).flip();
            if (!untilDeadline(s, deadline)) {
                return null;
            }
            s.sendAll(out);
            ByteBuffer len = ByteBuffer.allocate(2);
            if (!readFully(s, len, deadline)) {
                return null;
            }
            ByteBuffer body = ByteBuffer.allocate(Short.toUnsignedInt(len.getShort(0)));
            if (!readFully(s, body, deadline)) {
                return null;
            }
            Message m = decode(body.array());
            if (m == null || !matches(m, id, question)) {
                throw new MalformedReply();
            }
            return m;
        } catch (SocketTimeoutException e) {
            return null;
        }
    }

    /** Fills {@code b}; false if {@code deadline} passed first (each read waits only for what is left). */
    private static boolean readFully(TcpSocket s, ByteBuffer b, long deadline) throws IOException {
        while (b.hasRemaining()) {
            if (!untilDeadline(s, deadline)) {
                return false;
            }
            if (s.recvInto(b) < 0) {
                throw new EOFException("the nameserver closed the TCP connection mid-reply");
            }
        }
        return true;
    }

    /** Sets the socket's time-out to what is left until {@code deadline}; false if nothing is. */
    private static boolean untilDeadline(TcpSocket s, long deadline) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            return false;
        }
        s.timeout(Duration.ofNanos(left));
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
}
