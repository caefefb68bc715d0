package io.gevent4j.dns;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * A UDP DNS server on loopback that overflows under load, as a real one's socket does: it
 * answers every A query for a name ending in {@code .test} with {@code 10.1.2.3} after
 * {@code delay}, but drops a query that arrives while {@code capacity} others wait for their
 * answer, and a share ({@code dropShare}) of those that arrive while three quarters as many wait. Counts queries, drops, and queries per name. One receiving thread and one
 * scheduler thread, joined by {@link #close()}.
 */
final class LossyDnsServer implements AutoCloseable {
    static final String ADDRESS = "10.1.2.3";

    private final DatagramChannel udp;
    private final Thread receiver;
    private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
    private final int capacity;
    private final double dropShare;
    private final Duration delay;
    private final SplittableRandom random = new SplittableRandom(19);
    private final AtomicInteger waiting = new AtomicInteger();
    final AtomicInteger queries = new AtomicInteger();
    final AtomicInteger dropped = new AtomicInteger();
    final AtomicInteger maxWaiting = new AtomicInteger();
    final Map<String, AtomicInteger> perName = new ConcurrentHashMap<>();
    /** Answers held back by {@link #holdUntilFull}, sent when the server first drops a query; null: none held. */
    private java.util.List<Runnable> held;

    LossyDnsServer(int capacity, double dropShare, Duration delay) throws IOException {
        this.capacity = capacity;
        this.dropShare = dropShare;
        this.delay = delay;
        udp = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        receiver = Thread.ofPlatform().name("lossy-dns").daemon().start(this::serve);
    }

    /**
     * Holds back every answer (a server hiccup) until the queries piling up overflow the
     * server and it drops one, or {@code atMost} has passed: however slowly a loaded test
     * machine sends the burst, its first queries overflow the server. Then the held answers
     * go out, each after the usual delay.
     */
    void holdUntilFull(Duration atMost) {
        synchronized (this) {
            held = new java.util.ArrayList<>();
        }
        later.schedule(this::release, atMost.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void release() {
        java.util.List<Runnable> h;
        synchronized (this) {
            h = held;
            held = null;
        }
        if (h != null) {
            h.forEach(a -> later.schedule(a, delay.toNanos(), TimeUnit.NANOSECONDS));
        }
    }

    InetSocketAddress address() {
        try {
            return (InetSocketAddress) udp.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void serve() {
        ByteBuffer buf = ByteBuffer.allocate(1500);
        while (udp.isOpen()) {
            InetSocketAddress from;
            Message q;
            try {
                from = (InetSocketAddress) udp.receive(buf.clear());
                q = new Message(java.util.Arrays.copyOf(buf.array(), buf.position()));
            } catch (IOException e) {
                return; // closed
            }
            queries.incrementAndGet();
            Record question = q.getQuestion();
            perName.computeIfAbsent(question.getName().toString(true), n -> new AtomicInteger()).incrementAndGet();
            int now = waiting.get();
            if (now >= capacity || now >= capacity * 3 / 4 && random.nextDouble() < dropShare) {
                dropped.incrementAndGet();
                release();
                continue;
            }
            maxWaiting.accumulateAndGet(waiting.incrementAndGet(), Math::max);
            byte[] reply = answer(q).toWire();
            Runnable answer = () -> {
                try {
                    udp.send(ByteBuffer.wrap(reply), from);
                } catch (IOException ignored) {
                    // closed: the test is over
                } finally {
                    waiting.decrementAndGet();
                }
            };
            synchronized (this) {
                if (held != null) {
                    held.add(answer);
                    continue;
                }
            }
            later.schedule(answer, delay.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private static Message answer(Message q) {
        Record question = q.getQuestion();
        Message r = new Message(q.getHeader().getID());
        r.getHeader().setFlag(Flags.QR);
        r.getHeader().setFlag(Flags.RA);
        r.addRecord(question, Section.QUESTION);
        if (!question.getName().toString(true).endsWith(".test")) {
            r.getHeader().setRcode(Rcode.NXDOMAIN);
        } else if (question.getType() == Type.A) {
            r.addRecord(new ARecord(question.getName(), DClass.IN, 300, InetAddress.ofLiteral(ADDRESS)), Section.ANSWER);
        }
        return r;
    }

    /** Queries that name received, retransmits included. */
    int queriesFor(String name) {
        AtomicInteger n = perName.get(name);
        return n == null ? 0 : n.get();
    }

    /** The names asked more than once (a try of theirs was dropped, or timed out). */
    List<String> retried() {
        return perName.entrySet().stream().filter(e -> e.getValue().get() > 1).map(Map.Entry::getKey).toList();
    }

    @Override
    public void close() throws Exception {
        udp.close();
        later.shutdownNow();
        receiver.join();
        later.awaitTermination(5, TimeUnit.SECONDS);
    }
}
