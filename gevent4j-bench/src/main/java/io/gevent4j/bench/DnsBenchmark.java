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
 * Three measurements of the hub resolver.
 *
 * <p>{@code lookups} (JMH): 10,000 look-ups (100 concurrent workers × 100 names each) against an in-process DNS server on
 * loopback: the hub resolver cold (cache cleared before each batch) and cached, beside dnsjava's
 * own blocking resolver called from the JDK's default virtual threads (cold: {@code
 * SimpleResolver.send}; cached: {@code Lookup} with a shared {@code Cache}). Score: time per
 * look-up. The server is one platform thread: the cold numbers include its cost.
 *
 * <p>{@link Single} (JMH): one cold look-up at a time against the same in-process server: the
 * latency the pacing of issue 19 must not add to.
 *
 * <p>{@link #main} (issue 19, not JMH): bursts of unique names at once, one greenlet each,
 * against an external server such as dnsmasq ({@code --address=/test/10.1.2.3
 * --cache-size=0}), on a warmed resolver; prints answered, lost and the time of each burst.
 * {@code scripts/dns_burst_gevent.py} is gevent's c-ares resolver doing the same.
 * {@snippet lang=sh :
 * java -cp gevent4j-bench/target/benchmarks.jar io.gevent4j.bench.DnsBenchmark \
 *     --port 5353 --names 2000 --bursts 5
 * }
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

    /** One cold look-up at a time: the latency of a single look-up, cache cleared before each. */
    @State(Scope.Benchmark)
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    @Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.lang=ALL-UNNAMED"})
    public static class Single {
        private final DnsBenchmark server = new DnsBenchmark();
        private Resolver resolver;
        private Hub hub;

        /** Starts the in-process server and a resolver on its own hub. */
        @Setup(Level.Trial)
        public void setUp() throws Exception {
            server.server = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            server.serverThread = Thread.ofPlatform().daemon().start(server::serve);
            hub = Hub.start("dns-single");
            resolver = Resolver.of(DnsConfig.of(List.of((InetSocketAddress) server.server.getLocalAddress())));
        }

        /** Stops them. */
        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            hub.close();
            server.server.close();
            server.serverThread.join();
        }

        /** One look-up, from a greenlet of the hub, its answer forgotten first. */
        @Benchmark
        public String oneLookup() {
            resolver.clearCache();
            return hub.spawn(() -> resolver.gethostbyname("single.bench.test")).result();
        }
    }

    /**
     * Bursts of unique names at once against an external DNS server on loopback; see the class
     * comment. Options: {@code --server IP} (127.0.0.1), {@code --port N} (53), {@code --names N}
     * (2000), {@code --bursts N} (5), {@code --timeout SECONDS} (the resolver's per-try
     * time-out, 5), {@code --wait SECONDS} (the most one burst is waited for, 15),
     * {@code --tag T} (the names' prefix, unique per run).
     */
    public static void main(String[] args) throws Exception {
        String host = "127.0.0.1";
        int port = 53;
        int names = 2_000;
        int bursts = 5;
        double timeout = 5;
        double wait = 15;
        String tag = "j";
        int warmups = 1;
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + args[i] + " needs a value");
            }
            String v = args[i + 1];
            switch (args[i]) {
                case "--server" -> host = v;
                case "--port" -> port = Integer.parseInt(v);
                case "--names" -> names = Integer.parseInt(v);
                case "--bursts" -> bursts = Integer.parseInt(v);
                case "--timeout" -> timeout = Double.parseDouble(v);
                case "--wait" -> wait = Double.parseDouble(v);
                case "--tag" -> tag = v;
                case "--warm-up-bursts" -> warmups = Integer.parseInt(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (--server, --port, --names, --bursts, --timeout, --wait, --tag, --warm-up-bursts)");
            }
        }
        if (names < 1 || bursts < 1 || timeout <= 0 || wait <= 0 || warmups < 0) {
            throw new IllegalArgumentException("--names, --bursts, --timeout and --wait must be positive, "
                    + "--warm-up-bursts not negative");
        }
        InetSocketAddress server = new InetSocketAddress(InetAddress.ofLiteral(host), port);
        Resolver resolver = Resolver.of(DnsConfig.of(List.of(server))
                .withTimeout(Duration.ofMillis((long) (timeout * 1000))));
        double worst = 0;
        try (Hub hub = Hub.start("dns-burst")) {
            String warm = "warm-up." + tag + ".test";
            System.out.println("warm-up " + warm + " -> " + hub.spawn(() -> resolver.gethostbyname(warm)).result());
            for (int b = -warmups; b < bursts; b++) {
                List<Greenlet<String>> jobs = new ArrayList<>(names);
                long t0 = System.nanoTime();
                for (int i = 0; i < names; i++) {
                    String name = tag + (b + warmups) + "-" + i + "." + tag + ".test";
                    jobs.add(hub.spawn(() -> resolver.gethostbyname(name)));
                }
                Gevent.joinAll(jobs, Duration.ofMillis((long) (wait * 1000)));
                double took = (System.nanoTime() - t0) / 1e9;
                long answered = jobs.stream().filter(g -> "10.1.2.3".equals(g.value())).count();
                Gevent.killAll(jobs, Duration.ofSeconds(5));
                if (b >= 0) {
                    worst = Math.max(worst, took);
                }
                System.out.printf("gevent4j %s %d: %d names, answered %d, lost %d, %.3f s%n",
                        b < 0 ? "warm-up burst" : "burst", b < 0 ? b + warmups + 1 : b + 1, names, answered,
                        names - answered, took);
            }
        }
        System.out.printf("gevent4j worst of %d bursts: %.3f s%n", bursts, worst);
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
