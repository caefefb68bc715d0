package io.gevent4j.dns;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * An in-process DNS server on loopback (UDP and TCP on the same port) that a test scripts: for
 * each query the script returns the packets to send back, each with a delay and a choice of
 * socket (the server's own, or a stranger's port). Runs on two platform threads and one
 * scheduler thread, all joined by {@link #close()}.
 */
final class ScriptedDnsServer implements AutoCloseable {
    /** One packet to send back. */
    record Reply(byte[] bytes, Duration delay, boolean stranger) {
        Reply after(Duration d) {
            return new Reply(bytes, d, stranger);
        }

        Reply fromStranger() {
            return new Reply(bytes, delay, true);
        }
    }

    /** Decides the replies to a query; {@code tcp} tells the transport. */
    interface Script extends BiFunction<Message, Boolean, List<Reply>> {}

    private final DatagramChannel udp;
    private final DatagramChannel stranger;
    private final ServerSocketChannel tcp;
    private final Thread udpThread;
    private final Thread tcpThread;
    private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
    private volatile Script script;
    final AtomicInteger udpQueries = new AtomicInteger();
    final AtomicInteger tcpQueries = new AtomicInteger();
    final List<String> questions = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger outstanding = new AtomicInteger();
    /** If set, TCP replies are written one byte per this delay (a slow-drip server). */
    private volatile Duration tcpDrip;
    private final java.util.concurrent.CountDownLatch closing = new java.util.concurrent.CountDownLatch(1);
    final AtomicInteger maxOutstanding = new AtomicInteger();

    ScriptedDnsServer(Script script) throws IOException {
        this.script = script;
        // UDP and TCP on one port number: take a free UDP port, then the same TCP port; another
        // process may hold that TCP port (a shared machine), so try again with another one.
        DatagramChannel u = null;
        ServerSocketChannel t = null;
        for (int attempt = 0; t == null; attempt++) {
            u = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
            int port = ((InetSocketAddress) u.getLocalAddress()).getPort();
            ServerSocketChannel candidate = ServerSocketChannel.open();
            try {
                t = candidate.bind(new InetSocketAddress("127.0.0.1", port));
            } catch (java.net.BindException inUse) {
                candidate.close();
                u.close();
                if (attempt == 50) {
                    throw inUse;
                }
            }
        }
        udp = u;
        tcp = t;
        stranger = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        udpThread = Thread.ofPlatform().name("dns-udp").daemon().start(this::serveUdp);
        tcpThread = Thread.ofPlatform().name("dns-tcp").daemon().start(this::serveTcp);
    }

    void script(Script s) {
        script = s;
    }

    /** Writes every TCP reply one byte per {@code perByte} from now on. */
    void dripTcp(Duration perByte) {
        tcpDrip = perByte;
    }

    InetSocketAddress address() {
        try {
            return (InetSocketAddress) udp.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A config that points at this server only, with the given per-try time-out and one attempt. */
    DnsConfig config(Duration timeout) {
        return DnsConfig.of(List.of(address())).withTimeout(timeout).withAttempts(1);
    }

    private void serveUdp() {
        ByteBuffer buf = ByteBuffer.allocate(65535);
        while (udp.isOpen()) {
            try {
                InetSocketAddress from = (InetSocketAddress) udp.receive(buf.clear());
                byte[] bytes = new byte[buf.flip().remaining()];
                buf.get(bytes);
                Message q = new Message(bytes);
                udpQueries.incrementAndGet();
                questions.add(q.getQuestion().getName() + " " + Type.string(q.getQuestion().getType()));
                List<Reply> replies = script.apply(q, false);
                int now = outstanding.addAndGet(replies.isEmpty() ? 0 : 1);
                maxOutstanding.accumulateAndGet(now, Math::max);
                for (int i = 0; i < replies.size(); i++) {
                    Reply r = replies.get(i);
                    boolean last = i == replies.size() - 1;
                    later.schedule(() -> {
                        try {
                            (r.stranger() ? stranger : udp).send(ByteBuffer.wrap(r.bytes()), from);
                        } catch (IOException ignored) {
                            // the test is over
                        } finally {
                            if (last) {
                                outstanding.decrementAndGet();
                            }
                        }
                    }, r.delay().toNanos(), TimeUnit.NANOSECONDS);
                }
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serveTcp() {
        while (tcp.isOpen()) {
            try (SocketChannel c = tcp.accept()) {
                ByteBuffer len = ByteBuffer.allocate(2);
                while (len.hasRemaining() && c.read(len) >= 0) { }
                ByteBuffer body = ByteBuffer.allocate(Short.toUnsignedInt(len.getShort(0)));
                while (body.hasRemaining() && c.read(body) >= 0) { }
                Message q = new Message(body.array());
                tcpQueries.incrementAndGet();
                for (Reply r : script.apply(q, true)) {
                    ByteBuffer out = ByteBuffer.allocate(2 + r.bytes().length);
                    out.putShort((short) r.bytes().length).put(r.bytes()).flip();
                    Duration drip = tcpDrip;
                    while (out.hasRemaining()) {
                        if (drip == null) {
                            c.write(out);
                        } else {
                            c.write(out.slice(out.position(), 1));
                            out.position(out.position() + 1);
                            if (closing.await(drip.toNanos(), TimeUnit.NANOSECONDS)) {
                                return;
                            }
                        }
                    }
                }
            } catch (IOException e) {
                if (!tcp.isOpen()) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() throws Exception {
        closing.countDown();
        udp.close();
        tcp.close();
        stranger.close();
        later.shutdownNow();
        udpThread.join();
        tcpThread.join();
        later.awaitTermination(5, TimeUnit.SECONDS);
    }

    // ---------------------------------------------------------------- reply builders

    static Message reply(Message q, int rcode) {
        Message r = new Message(q.getHeader().getID());
        r.getHeader().setFlag(Flags.QR);
        r.getHeader().setFlag(Flags.RA);
        r.getHeader().setRcode(rcode);
        r.addRecord(q.getQuestion(), Section.QUESTION);
        return r;
    }

    static Reply send(Message m) {
        return new Reply(m.toWire(), Duration.ZERO, false);
    }

    static Reply rcode(Message q, int rcode) {
        return send(reply(q, rcode));
    }

    static Reply garbage() {
        return new Reply(new byte[] {1, 2, 3, (byte) 0xff, 0, 7}, Duration.ZERO, false);
    }

    static Reply truncated(Message q) {
        Message r = reply(q, Rcode.NOERROR);
        r.getHeader().setFlag(Flags.TC);
        return send(r);
    }

    /** Answers from a zone: name (no trailing dot) to addresses; PTR from reverse names; NXDOMAIN else. */
    static Script zone(Map<String, List<String>> names, long ttl) {
        Map<String, List<String>> z = new ConcurrentHashMap<>(names);
        return (q, tcp) -> List.of(send(answer(q, z, ttl)));
    }

    static Message answer(Message q, Map<String, List<String>> zone, long ttl) {
        Record question = q.getQuestion();
        Name name = question.getName();
        List<String> values = zone.get(name.toString(true).toLowerCase());
        if (values == null) {
            return reply(q, Rcode.NXDOMAIN);
        }
        Message r = reply(q, Rcode.NOERROR);
        for (String v : values) {
            try {
                Record rec = switch (question.getType()) {
                    case Type.A -> {
                        InetAddress a = InetAddress.ofLiteral(v);
                        yield a instanceof java.net.Inet4Address ? new ARecord(name, DClass.IN, ttl, a) : null;
                    }
                    case Type.AAAA -> {
                        InetAddress a = InetAddress.ofLiteral(v);
                        yield a instanceof java.net.Inet6Address ? new AAAARecord(name, DClass.IN, ttl, a) : null;
                    }
                    case Type.PTR -> new PTRRecord(name, DClass.IN, ttl, Name.fromString(v, Name.root));
                    default -> null;
                };
                if (rec != null) {
                    r.addRecord(rec, Section.ANSWER);
                }
            } catch (IllegalArgumentException | IOException notOfThisType) {
                // e.g. a PTR target in an A query: skip
            }
        }
        return r;
    }
}
