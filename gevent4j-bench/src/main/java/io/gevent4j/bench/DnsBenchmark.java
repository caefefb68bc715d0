package io.gevent4j.bench;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.dns.DnsConfig;
import io.gevent4j.dns.Resolver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Cache;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * 10,000 look-ups (100 concurrent workers × 100 names each) against an in-process DNS server on
 * loopback: the hub resolver cold (cache cleared before each batch) and cached, beside dnsjava's
 * own blocking resolver called from the JDK's default virtual threads (cold: {@code
 * SimpleResolver.send}; cached: {@code Lookup} with a shared {@code Cache}). Score: time per
 * look-up. The server is one platform thread: the cold numbers include its cost.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.lang=ALL-UNNAMED"})
public class DnsBenchmark {
    static final int WORKERS = 100;
    static final int PER_WORKER = 100;

    @Param({"gevent4j-cold", "gevent4j-cached", "dnsjava-virtual-threads-cold", "dnsjava-virtual-threads-cached"})
    public String impl;

    private DatagramChannel server;
    private Thread serverThread;
    private Hub hub;
    private Resolver resolver;
    private SimpleResolver dnsjava;
    private Cache dnsjavaCache;
    private final List<String> names = new ArrayList<>();

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        server = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        serverThread = Thread.ofPlatform().daemon().start(this::serve);
        InetSocketAddress address = (InetSocketAddress) server.getLocalAddress();
        for (int i = 0; i < WORKERS * PER_WORKER; i++) {
            names.add("n" + i + ".bench.test");
        }
        hub = Hub.start("dns-bench");
        resolver = Resolver.of(DnsConfig.of(List.of(address)).withTimeout(Duration.ofSeconds(2)));
        dnsjava = new SimpleResolver(address);
        dnsjava.setTimeout(Duration.ofSeconds(2));
        dnsjavaCache = new Cache(DClass.IN);
        if (impl.endsWith("cached")) {
            batch(); // fill the caches
        }
    }

    @Setup(Level.Invocation)
    public void forget() {
        if (impl.equals("gevent4j-cold")) {
            resolver.clearCache();
        }
    }

    private void serve() {
        ByteBuffer buf = ByteBuffer.allocate(1500);
        while (server.isOpen()) {
            try {
                InetSocketAddress from = (InetSocketAddress) server.receive(buf.clear());
                byte[] bytes = new byte[buf.flip().remaining()];
                buf.get(bytes);
                Message q = new Message(bytes);
                Record question = q.getQuestion();
                Message r = new Message(q.getHeader().getID());
                r.getHeader().setFlag(Flags.QR);
                r.getHeader().setFlag(Flags.RA);
                r.addRecord(question, Section.QUESTION);
                if (question.getType() == Type.A) {
                    r.addRecord(new ARecord(question.getName(), DClass.IN, 3600,
                            InetAddress.ofLiteral("192.0.2.1")), Section.ANSWER);
                } else {
                    r.getHeader().setRcode(Rcode.NOERROR);
                }
                server.send(ByteBuffer.wrap(r.toWire()), from);
            } catch (IOException e) {
                return;
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        hub.close();
        server.close();
        serverThread.join();
    }

    @Benchmark
    @OperationsPerInvocation(WORKERS * PER_WORKER)
    public void lookups() throws Exception {
        batch();
    }

    private void batch() throws Exception {
        if (impl.startsWith("gevent4j")) {
            List<Greenlet<Void>> jobs = new ArrayList<>(WORKERS);
            for (int w = 0; w < WORKERS; w++) {
                int base = w * PER_WORKER;
                jobs.add(hub.spawn(() -> {
                    for (int i = 0; i < PER_WORKER; i++) {
                        resolver.gethostbyname(names.get(base + i));
                    }
                    return null;
                }));
            }
            Gevent.joinAllOrRaise(jobs);
            return;
        }
        boolean cached = impl.endsWith("cached");
        List<Thread> threads = new ArrayList<>(WORKERS);
        for (int w = 0; w < WORKERS; w++) {
            int base = w * PER_WORKER;
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < PER_WORKER; i++) {
                        Name name = Name.fromString(names.get(base + i), Name.root);
                        if (cached) {
                            Lookup l = new Lookup(name, Type.A);
                            l.setResolver(dnsjava);
                            l.setCache(dnsjavaCache);
                            l.setSearchPath((List<Name>) null);
                            if (l.run() == null) {
                                throw new IllegalStateException("no answer for " + name);
                            }
                        } else {
                            Message reply = dnsjava.send(Message.newQuery(Record.newRecord(name, Type.A, DClass.IN)));
                            if (reply.getRcode() != Rcode.NOERROR) {
                                throw new IllegalStateException("failed: " + name);
                            }
                        }
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
    }
}
