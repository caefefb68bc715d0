package io.gevent4j.dns;

import io.gevent4j.internal.Strand;
import io.gevent4j.internal.io.Readiness;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Record;

/**
 * All of the resolver's network I/O: one UDP socket per query, on which every try of the query
 * is sent (to one server or several, each try with its own random ID) and every reply is
 * received, and the TCP retry of a truncated reply. A reply is accepted only if it comes from
 * the address and port a try was sent to, has that try's ID, the QR flag and the same
 * question; anything else, bytes dnsjava cannot decode included, is ignored and the wait goes
 * on until its deadline. A late reply to an earlier try is as good as one to the latest.
 *
 * <p>Who may call it: any greenlet (its hub's selector watches the channels); the resolver
 * calls it from its query greenlets only. It parks until a reply or the deadline, however a
 * server paces its bytes; a {@code Timeout} or a kill propagates and closes the channels.
 */
final class Transport {
    /*
     * Implementation overview.
     *
     * Plain non-blocking JDK channels, closed before the query returns. Every operation is
     * tried first and waits for readiness only when it would block; every wait is bounded by
     * what is left until the deadline (a System.nanoTime()), so a server that drips its reply
     * one byte at a time cannot stretch it. The readiness waits and the close that wakes the
     * hub are the three methods at the end: the only calls to the socket layer. The socket of
     * a query is unconnected (it may ask several servers) and bound to a port the kernel picks
     * at random, so an off-path forger must guess the port as well as the ID.
     */
    /** Room for any UDP reply: the EDNS0 size we announce, and more from a server that ignores it. */
    private static final int UDP_BUFFER = 4096;
    /**
     * Receive buffers, lent for one receive and its copy (no park in between): zeroing a fresh
     * 4 KiB buffer per query was a sixth of a burst's CPU. As no receive parks while it holds
     * one, the pool never holds more buffers than threads ever received at once: no bound needed
     * (and {@code ConcurrentLinkedQueue.size()} would walk the queue on every receive).
     */
    private static final ConcurrentLinkedQueue<ByteBuffer> BUFFERS = new ConcurrentLinkedQueue<>();

    private Transport() {}

    /** Only undecodable packets arrived before the deadline (or a TCP reply did not decode). */
    static final class MalformedReply extends IOException {
        private static final long serialVersionUID = 1L;

        MalformedReply() {
            super("malformed reply");
        }
    }

    /** One try of a query: where it went, its ID and bytes, when, and the pacer's epoch then. */
    record Sent(InetSocketAddress server, int id, byte[] wire, boolean edns, long sentAt, long epoch) {}

    /** A reply accepted for the try {@code to}, received at {@code at} (a {@link System#nanoTime()}). */
    record Received(Sent to, Message reply, long at) {}

    /**
     * The UDP socket of one query and the tries sent on it. Closed by the query when it ends.
     * Used by one greenlet at a time.
     */
    static final class UdpQuery implements AutoCloseable {
        private final DatagramChannel ch;
        private final Record question;
        private final List<Sent> sent = new ArrayList<>(2);
        private boolean sawGarbage;

        UdpQuery(Record question) throws IOException {
            this.question = question;
            ch = DatagramChannel.open();
            try {
                ch.configureBlocking(false);
            } catch (IOException | RuntimeException e) {
                Transport.close(ch);
                throw e;
            }
        }

        /** Whether {@code id} was already used by a try of this query (each try needs its own). */
        boolean used(int id) {
            for (Sent s : sent) {
                if (s.id() == id) {
                    return true;
                }
            }
            return false;
        }

        /**
         * Sends one try; false if {@code deadline} passed before the socket had room for it.
         *
         * @throws IOException when the server cannot be reached
         */
        boolean send(Sent s, long deadline) throws IOException {
            ByteBuffer out = ByteBuffer.wrap(s.wire());
            sent.add(s); // before the send: a reply may race the bookkeeping otherwise
            while (ch.send(out, s.server()) == 0) { // no room in the send buffer yet
                if (!waitWrite(ch, deadline)) {
                    sent.remove(s);
                    return false;
                }
            }
            return true;
        }

        /**
         * The first acceptable reply to any try sent so far, or null if {@code deadline}
         * passed first ({@link #takeGarbage} then tells whether undecodable packets came).
         */
        Received receive(long deadline) throws IOException {
            for (;;) {
                ByteBuffer buf = BUFFERS.poll();
                if (buf == null) {
                    buf = ByteBuffer.allocate(UDP_BUFFER);
                }
                SocketAddress from;
                byte[] bytes;
                try {
                    from = ch.receive(buf.clear());
                    bytes = from == null ? null : Arrays.copyOf(buf.array(), buf.position());
                } finally {
                    BUFFERS.offer(buf);
                }
                if (from == null) {
                    if (deadline - System.nanoTime() <= 0 || !waitRead(ch, deadline)) {
                        return null;
                    }
                    continue;
                }
                long at = System.nanoTime();
                Message m = decode(bytes);
                if (m == null) {
                    sawGarbage = true;
                } else {
                    for (Sent s : sent) {
                        if (from.equals(s.server()) && matches(m, s.id(), question)) {
                            return new Received(s, m, at);
                        }
                    }
                    // not from a server we asked, or not an answer to what we asked: ignored
                }
                if (at - deadline >= 0) {
                    return null; // a flood of stray packets does not stretch the wait
                }
            }
        }

        /** Whether undecodable packets came since the last call (and forgets it). */
        boolean takeGarbage() {
            boolean g = sawGarbage;
            sawGarbage = false;
            return g;
        }

        /** Closes the socket; a failure to close it is an {@link UncheckedIOException}. */
        @Override
        public void close() {
            try {
                Transport.close(ch);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * Asks {@code server} again over TCP (two length bytes, then the message: RFC 1035 §4.2.2)
     * with the bytes of a try whose UDP reply was truncated; null if {@code deadline} passed first.
     *
     * @throws MalformedReply when the reply does not decode or does not answer the question
     * @throws IOException when the connection fails
     */
    static Message overTcp(InetSocketAddress server, byte[] wire, int id, Record question, long deadline)
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
