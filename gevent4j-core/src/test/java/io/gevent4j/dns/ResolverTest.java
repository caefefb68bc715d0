package io.gevent4j.dns;

import static io.gevent4j.dns.ScriptedDnsServer.answer;
import static io.gevent4j.dns.ScriptedDnsServer.garbage;
import static io.gevent4j.dns.ScriptedDnsServer.rcode;
import static io.gevent4j.dns.ScriptedDnsServer.send;
import static io.gevent4j.dns.ScriptedDnsServer.truncated;
import static io.gevent4j.testkit.Delays.LONG;
import static io.gevent4j.testkit.Delays.MEDIUM;
import static io.gevent4j.testkit.Delays.SHORT;
import static io.gevent4j.testkit.Delays.scaled;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.Timeout;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;

class ResolverTest {
    static final Map<String, List<String>> ZONE = Map.of(
            "www.example.test", List.of("192.0.2.10", "192.0.2.11", "2001:db8::10"),
            "v4only.example.test", List.of("192.0.2.20"),
            "10.2.0.192.in-addr.arpa", List.of("www.example.test."),
            "db.corp.example", List.of("192.0.2.30"));

    ScriptedDnsServer server;
    Hub hub;

    @BeforeEach
    void start() throws Exception {
        server = new ScriptedDnsServer(ScriptedDnsServer.zone(ZONE, 300));
        hub = Hub.start("dns-test");
    }

    @AfterEach
    void stop() throws Exception {
        if (hub != null) {
            assertThat(hub.close(LONG)).isTrue();
        }
        if (server != null) {
            server.close();
        }
    }

    Resolver resolver(Duration timeout) {
        return Resolver.of(server.config(timeout));
    }

    <T> T inGreenlet(java.util.concurrent.Callable<T> task) {
        return hub.spawn(task).result(LONG);
    }

    static DnsException.Kind kindOf(Greenlet<?> g) {
        g.join(LONG);
        Throwable e = g.exception();
        if (e instanceof java.util.concurrent.CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        assertThat(e).isInstanceOf(DnsException.class);
        return ((DnsException) e).kind();
    }

    @Test
    void resolvesARecordsAndAaaaRecordsIPv4First() {
        Resolver r = resolver(LONG);
        List<InetAddress> all = inGreenlet(() -> r.getaddrinfo("www.example.test"));
        assertThat(all).extracting(InetAddress::getHostAddress)
                .containsExactly("192.0.2.10", "192.0.2.11", "2001:db8:0:0:0:0:0:10");
        assertThat(all).allSatisfy(a -> assertThat(a.getHostName()).isEqualTo("www.example.test"));
        assertThat(inGreenlet(() -> r.gethostbyname("www.example.test"))).isEqualTo("192.0.2.10");
        assertThat(inGreenlet(() -> r.resolveIPv6("www.example.test"))).hasSize(1);
    }

    @Test
    void reverseLookupUsesPtr() throws Exception {
        Resolver r = resolver(LONG);
        assertThat(inGreenlet(() -> r.gethostbyaddr(InetAddress.ofLiteral("192.0.2.10")))).isEqualTo("www.example.test");
    }

    @Test
    void literalsAndHostsFileNeedNoQuery() {
        Resolver r = Resolver.of(server.config(LONG), "# comment\n192.0.2.99  printer printer.lan # inline\n::1 localhost6\n");
        assertThat(inGreenlet(() -> r.getaddrinfo("printer"))).extracting(InetAddress::getHostAddress).containsExactly("192.0.2.99");
        assertThat(inGreenlet(() -> r.getaddrinfo("PRINTER.lan."))).extracting(InetAddress::getHostAddress).containsExactly("192.0.2.99");
        assertThat(inGreenlet(() -> r.gethostbyaddr(InetAddress.ofLiteral("192.0.2.99")))).isEqualTo("printer");
        assertThat(inGreenlet(() -> r.getaddrinfo("203.0.113.5"))).extracting(InetAddress::getHostAddress).containsExactly("203.0.113.5");
        assertThat(inGreenlet(() -> r.getaddrinfo("[::1]"))).hasSize(1);
        assertThat(server.udpQueries).hasValue(0);
    }

    @Test
    void errorsAreDistinct() {
        Resolver r = resolver(SHORT);
        assertThat(kindOf(hub.spawn(() -> r.getaddrinfo("nope.example.test")))).isEqualTo(DnsException.Kind.NXDOMAIN);
        assertThat(kindOf(hub.spawn(() -> r.resolveIPv6("v4only.example.test")))).isEqualTo(DnsException.Kind.NO_DATA);
        server.script((q, tcp) -> List.of(rcode(q, Rcode.SERVFAIL)));
        assertThat(kindOf(hub.spawn(() -> r.gethostbyname("a.example.test")))).isEqualTo(DnsException.Kind.SERVFAIL);
        server.script((q, tcp) -> List.of(rcode(q, Rcode.REFUSED)));
        assertThat(kindOf(hub.spawn(() -> r.gethostbyname("b.example.test")))).isEqualTo(DnsException.Kind.REFUSED);
        server.script((q, tcp) -> List.of()); // drop
        long start = System.nanoTime();
        assertThat(kindOf(hub.spawn(() -> r.gethostbyname("c.example.test")))).isEqualTo(DnsException.Kind.TIMEOUT);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(SHORT);
        server.script((q, tcp) -> List.of(garbage()));
        assertThat(kindOf(hub.spawn(() -> r.gethostbyname("d.example.test")))).isEqualTo(DnsException.Kind.MALFORMED);
        assertThat(kindOf(hub.spawn(() -> r.gethostbyname("bad..name")))).isEqualTo(DnsException.Kind.BAD_NAME);
    }

    @Test
    void dnsExceptionIsAnUnknownHostException() {
        Resolver r = resolver(LONG);
        Greenlet<String> g = hub.spawn(() -> r.gethostbyname("nope.example.test"));
        g.join(LONG);
        assertThat(g.exception()).isInstanceOf(UnknownHostException.class).hasMessageContaining("NXDOMAIN");
    }

    @Test
    void foreignAndGarbagePacketsAreIgnored() {
        Resolver r = resolver(LONG);
        server.script((q, tcp) -> {
            Message wrongId = answer(q, ZONE, 60);
            wrongId.getHeader().setID((q.getHeader().getID() + 1) & 0xffff);
            Message spoofed = answer(q, Map.of("www.example.test", List.of("203.0.113.66")), 60);
            Message otherQuestion = answer(q, ZONE, 60);
            otherQuestion.removeAllRecords(org.xbill.DNS.Section.QUESTION);
            otherQuestion.addRecord(org.xbill.DNS.Record.newRecord(org.xbill.DNS.Name.fromConstantString("evil.test."),
                    q.getQuestion().getType(), org.xbill.DNS.DClass.IN), org.xbill.DNS.Section.QUESTION);
            return List.of(garbage(), send(wrongId), send(spoofed).fromStranger(), send(otherQuestion),
                    send(answer(q, ZONE, 60)).after(SHORT));
        });
        assertThat(inGreenlet(() -> r.resolveIPv4("www.example.test"))).extracting(InetAddress::getHostAddress)
                .containsExactly("192.0.2.10", "192.0.2.11");
    }

    @Test
    void truncatedRepliesAreRetriedOverTcp() {
        Resolver r = resolver(LONG);
        server.script((q, tcp) -> List.of(tcp ? send(answer(q, ZONE, 60)) : truncated(q)));
        assertThat(inGreenlet(() -> r.gethostbyname("v4only.example.test"))).isEqualTo("192.0.2.20");
        assertThat(server.tcpQueries).hasValue(1);
    }

    @Test
    void everyExchangeClosesItsSockets() throws Exception {
        var os = (com.sun.management.UnixOperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        Resolver r = resolver(LONG);
        // TTL 0: every look-up is a query, a UDP socket and a TCP connection.
        server.script((q, tcp) -> List.of(tcp ? send(answer(q, ZONE, 0)) : truncated(q)));
        assertThat(inGreenlet(() -> r.gethostbyname("v4only.example.test"))).isEqualTo("192.0.2.20");
        long before = os.getOpenFileDescriptorCount();
        int lookups = 100;
        inGreenlet(() -> {
            for (int i = 0; i < lookups; i++) {
                assertThat(r.gethostbyname("v4only.example.test")).isEqualTo("192.0.2.20");
            }
            return null;
        });
        inGreenlet(() -> null); // one more pass of the hub's loop: it deregisters the closed channels
        assertThat(server.tcpQueries).hasValue(lookups + 1);
        // Two sockets per look-up would leak 200 descriptors; allow for the JVM's own.
        assertThat(os.getOpenFileDescriptorCount() - before).isLessThan(lookups / 4);
    }

    @Test
    void aReplyDrippedOverTcpEndsAtTheTimeOut() {
        // Issue 12, point 8: each byte comes well within the time-out, the whole reply would
        // take about replyBytes x SHORT; the look-up must end at its time-out instead.
        Duration timeout = MEDIUM;
        Resolver r = resolver(timeout);
        server.script((q, tcp) -> List.of(tcp ? send(answer(q, ZONE, 60)) : truncated(q)));
        server.dripTcp(SHORT);
        long replyBytes = 2 + answer(org.xbill.DNS.Message.newQuery(org.xbill.DNS.Record.newRecord(
                org.xbill.DNS.Name.fromConstantString("v4only.example.test."), org.xbill.DNS.Type.A,
                org.xbill.DNS.DClass.IN)), ZONE, 60).toWire().length;
        Duration drippedWhole = SHORT.multipliedBy(replyBytes);
        assertThat(drippedWhole).isGreaterThan(timeout.multipliedBy(8));
        long t0 = System.nanoTime();
        Greenlet<String> g = hub.spawn(() -> r.gethostbyname("v4only.example.test"));
        assertThat(kindOf(g)).isEqualTo(DnsException.Kind.TIMEOUT);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(took).as("bounded by the time-out, not by the server's pace").isLessThan(drippedWhole.dividedBy(2));
        assertThat(server.tcpQueries).hasValue(1);
    }

    @Test
    void aSlowChainOfAliasesEndsAtTheTotalTimeOut() {
        // Issue 12, point 8: each alias comes well within the per-try time-out, but following
        // them all (4 queries x timeout / 2) would outlast timeout x attempts x nameservers.
        Duration timeout = scaled(1_000);
        Resolver r = resolver(timeout);
        server.script((q, tcp) -> {
            String name = q.getQuestion().getName().toString(true);
            int n = Integer.parseInt(name.substring(1, name.indexOf('.')));
            Message m = ScriptedDnsServer.reply(q, Rcode.NOERROR);
            m.addRecord(cname(name, "c" + (n + 1) + ".chain.test"), org.xbill.DNS.Section.ANSWER);
            return List.of(send(m).after(timeout.dividedBy(2)));
        });
        Greenlet<String> g = hub.spawn(() -> r.gethostbyname("c1.chain.test"));
        assertThat(kindOf(g)).as("not NO_DATA after the whole chain").isEqualTo(DnsException.Kind.TIMEOUT);
        // Distinct names: a try may be asked again after the initial retransmission time-out
        // (1 s, shorter than the scaled reply delay when the delays are scaled up).
        assertThat(server.questions.stream().distinct().toList()).hasSizeLessThanOrEqualTo(2);
    }

    @Test
    void answersAreCachedByTtl() {
        Resolver r = resolver(LONG);
        inGreenlet(() -> r.gethostbyname("v4only.example.test"));
        inGreenlet(() -> r.gethostbyname("v4only.example.test"));
        assertThat(server.udpQueries).hasValue(1);
        r.clearCache();
        inGreenlet(() -> r.gethostbyname("v4only.example.test"));
        assertThat(server.udpQueries).hasValue(2);
        server.script(ScriptedDnsServer.zone(ZONE, 0)); // TTL 0: never cached
        r.clearCache();
        inGreenlet(() -> r.gethostbyname("v4only.example.test"));
        inGreenlet(() -> r.gethostbyname("v4only.example.test"));
        assertThat(server.udpQueries).hasValue(4);
    }

    /** A zone with aliases: CNAME chains, a chain that needs a second query, a loop, strays. */
    static List<ScriptedDnsServer.Reply> aliasZone(Message q) {
        org.xbill.DNS.Name name = q.getQuestion().getName();
        int type = q.getQuestion().getType();
        boolean a = type == org.xbill.DNS.Type.A;
        Message m = ScriptedDnsServer.reply(q, Rcode.NOERROR);
        switch (name.toString(true)) {
            case "www.alias.test" -> {
                m.addRecord(cname("www.alias.test", "edge.cdn.test"), org.xbill.DNS.Section.ANSWER);
                m.addRecord(cname("edge.cdn.test", "edge-7.cdn.test"), org.xbill.DNS.Section.ANSWER);
                m.addRecord(aRecord("evil.test", "203.0.113.66"), org.xbill.DNS.Section.ANSWER); // not in the chain
                if (a) {
                    m.addRecord(aRecord("edge-7.cdn.test", "192.0.2.77"), org.xbill.DNS.Section.ANSWER);
                }
            }
            case "short.alias.test" -> m.addRecord(cname("short.alias.test", "far.other.test"), org.xbill.DNS.Section.ANSWER);
            case "far.other.test" -> {
                if (a) {
                    m.addRecord(aRecord("far.other.test", "192.0.2.88"), org.xbill.DNS.Section.ANSWER);
                }
            }
            case "loop1.test" -> m.addRecord(cname("loop1.test", "loop2.test"), org.xbill.DNS.Section.ANSWER);
            case "loop2.test" -> m.addRecord(cname("loop2.test", "loop1.test"), org.xbill.DNS.Section.ANSWER);
            case "stray.test" -> m.addRecord(aRecord("other.test", "203.0.113.9"), org.xbill.DNS.Section.ANSWER);
            case "dangling.test" -> m.addRecord(cname("dangling.test", "gone.test"), org.xbill.DNS.Section.ANSWER);
            default -> m = ScriptedDnsServer.reply(q, Rcode.NXDOMAIN);
        }
        return List.of(send(m));
    }

    static org.xbill.DNS.Record cname(String from, String to) {
        try {
            return new org.xbill.DNS.CNAMERecord(org.xbill.DNS.Name.fromString(from + "."), org.xbill.DNS.DClass.IN, 300,
                    org.xbill.DNS.Name.fromString(to + "."));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static org.xbill.DNS.Record aRecord(String owner, String address) {
        try {
            return new org.xbill.DNS.ARecord(org.xbill.DNS.Name.fromString(owner + "."), org.xbill.DNS.DClass.IN, 300,
                    InetAddress.ofLiteral(address));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void followsCnameChainsAndReportsTheAliases() {
        Resolver r = resolver(LONG);
        server.script((q, tcp) -> aliasZone(q));
        assertThat(inGreenlet(() -> r.getaddrinfo("www.alias.test"))).extracting(InetAddress::getHostAddress)
                .containsExactly("192.0.2.77"); // the stray A record of evil.test is not taken
        Resolver.HostEntry e = inGreenlet(() -> r.gethostbynameEx("www.alias.test"));
        assertThat(e.name()).isEqualTo("edge-7.cdn.test");
        assertThat(e.aliases()).containsExactly("www.alias.test", "edge.cdn.test");
        assertThat(e.addresses()).extracting(InetAddress::getHostAddress).containsExactly("192.0.2.77");
        // a reply that stops at an alias: its target is asked next
        assertThat(inGreenlet(() -> r.gethostbyname("short.alias.test"))).isEqualTo("192.0.2.88");
        assertThat(inGreenlet(() -> r.gethostbynameEx("short.alias.test")).aliases()).containsExactly("short.alias.test");
    }

    @Test
    void aliasLoopsStraysAndDanglingAliasesAreDistinctErrors() {
        Resolver r = resolver(LONG);
        server.script((q, tcp) -> aliasZone(q));
        assertThat(kindOf(hub.spawn(() -> r.gethostbyname("loop1.test")))).isEqualTo(DnsException.Kind.NO_DATA);
        assertThat(kindOf(hub.spawn(() -> r.gethostbyname("stray.test")))).isEqualTo(DnsException.Kind.NO_DATA);
        assertThat(kindOf(hub.spawn(() -> r.gethostbyname("dangling.test")))).isEqualTo(DnsException.Kind.NXDOMAIN);
        // literals and hosts-file names are their own canonical names
        Resolver.HostEntry literal = inGreenlet(() -> r.gethostbynameEx("192.0.2.1"));
        assertThat(literal.name()).isEqualTo("192.0.2.1");
        assertThat(literal.aliases()).isEmpty();
        assertThat(literal.addresses()).extracting(InetAddress::getHostAddress).containsExactly("192.0.2.1");
    }

    @Test
    void getnameinfoGivesNamesAndFallsBackToNumbers() throws Exception {
        Resolver r = resolver(LONG).withServices("# services\nhttp\t80/tcp www # web\nsyslog 514/udp\nnot a line\nbad x/tcp\n");
        java.net.InetSocketAddress named = new java.net.InetSocketAddress(InetAddress.ofLiteral("192.0.2.10"), 80);
        java.net.InetSocketAddress unnamed = new java.net.InetSocketAddress(InetAddress.ofLiteral("192.0.2.99"), 514);
        assertThat(inGreenlet(() -> r.getnameinfo(named))).isEqualTo(new Resolver.NameInfo("www.example.test", "http"));
        assertThat(inGreenlet(() -> r.getnameinfo(named, Resolver.NameInfoFlag.NUMERIC_HOST,
                Resolver.NameInfoFlag.NUMERIC_SERVICE))).isEqualTo(new Resolver.NameInfo("192.0.2.10", "80"));
        // no PTR: the numeric form; the service is looked up by protocol
        assertThat(inGreenlet(() -> r.getnameinfo(unnamed))).isEqualTo(new Resolver.NameInfo("192.0.2.99", "514"));
        assertThat(inGreenlet(() -> r.getnameinfo(unnamed, Resolver.NameInfoFlag.DATAGRAM)))
                .isEqualTo(new Resolver.NameInfo("192.0.2.99", "syslog"));
        assertThat(kindOf(hub.spawn(() -> r.getnameinfo(unnamed, Resolver.NameInfoFlag.NAME_REQUIRED))))
                .isEqualTo(DnsException.Kind.NXDOMAIN);
        assertThat(kindOf(hub.spawn(() -> r.getnameinfo(java.net.InetSocketAddress.createUnresolved("x.test", 80)))))
                .isEqualTo(DnsException.Kind.BAD_NAME);
    }

    @Test
    void queriesAnnounceEdns0AndAServerWithoutItIsAskedPlainlyFromThenOn() {
        java.util.concurrent.atomic.AtomicInteger withOpt = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger plain = new java.util.concurrent.atomic.AtomicInteger();
        List<Integer> payloads = java.util.Collections.synchronizedList(new ArrayList<>());
        server.script((q, tcp) -> {
            org.xbill.DNS.OPTRecord opt = q.getOPT();
            if (opt != null) { // a server from before EDNS0
                withOpt.incrementAndGet();
                payloads.add(opt.getPayloadSize());
                return List.of(rcode(q, Rcode.FORMERR));
            }
            plain.incrementAndGet();
            return List.of(send(answer(q, ZONE, 300)));
        });
        Resolver r = resolver(LONG);
        assertThat(inGreenlet(() -> r.gethostbyname("www.example.test"))).isEqualTo("192.0.2.10");
        assertThat(inGreenlet(() -> r.gethostbyname("v4only.example.test"))).isEqualTo("192.0.2.20");
        assertThat(withOpt).hasValue(1);
        assertThat(payloads).containsExactly(NameServers.EDNS_UDP_PAYLOAD);
        assertThat(plain).hasValue(2);
    }

    @Test
    void getfqdnGivesTheReverseNameWithADotOrTheNameItself() {
        Resolver r = resolver(LONG);
        assertThat(inGreenlet(() -> r.getfqdn(" www.example.test "))).isEqualTo("www.example.test");
        assertThat(inGreenlet(() -> r.getfqdn("192.0.2.10"))).isEqualTo("www.example.test"); // PTR
        assertThat(inGreenlet(() -> r.getfqdn("v4only.example.test"))).isEqualTo("v4only.example.test"); // no PTR
        assertThat(inGreenlet(() -> r.getfqdn("gone.example.test"))).isEqualTo("gone.example.test"); // NXDOMAIN
        assertThat(inGreenlet(() -> r.getfqdn(""))).isNotBlank(); // this machine
    }

    @Test
    void negativeAnswersAreCachedByTheirSoa() {
        Resolver r = resolver(LONG);
        server.script((q, tcp) -> {
            Message m = ScriptedDnsServer.reply(q, Rcode.NXDOMAIN);
            try {
                m.addRecord(new org.xbill.DNS.SOARecord(org.xbill.DNS.Name.fromString("example.test."),
                        org.xbill.DNS.DClass.IN, 600, org.xbill.DNS.Name.fromString("ns.example.test."),
                        org.xbill.DNS.Name.fromString("admin.example.test."), 1, 3600, 600, 86400, 30),
                        org.xbill.DNS.Section.AUTHORITY);
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            return List.of(send(m));
        });
        assertThat(kindOf(hub.spawn(() -> r.gethostbyname("gone.example.test")))).isEqualTo(DnsException.Kind.NXDOMAIN);
        assertThat(kindOf(hub.spawn(() -> r.gethostbyname("gone.example.test")))).isEqualTo(DnsException.Kind.NXDOMAIN);
        assertThat(server.udpQueries).hasValue(1);
        // Without an SOA, a negative answer is not cached.
        server.script(ScriptedDnsServer.zone(ZONE, 300));
        assertThat(kindOf(hub.spawn(() -> r.gethostbyname("nope.example.test")))).isEqualTo(DnsException.Kind.NXDOMAIN);
        assertThat(kindOf(hub.spawn(() -> r.gethostbyname("nope.example.test")))).isEqualTo(DnsException.Kind.NXDOMAIN);
        assertThat(server.udpQueries).hasValue(3);
    }

    @Test
    void identicalQueriesInFlightAreCoalesced() {
        Resolver r = resolver(LONG);
        server.script((q, tcp) -> List.of(send(answer(q, ZONE, 60)).after(MEDIUM)));
        List<Greenlet<String>> jobs = IntStream.range(0, 50)
                .mapToObj(i -> hub.spawn(() -> r.gethostbyname("v4only.example.test"))).toList();
        Gevent.joinAllOrRaise(jobs, LONG);
        assertThat(jobs).allSatisfy(g -> assertThat(g.value()).isEqualTo("192.0.2.20"));
        assertThat(server.udpQueries).hasValue(1);
    }

    @Test
    void aQueryInFlightWakesItsWaitersOnOtherHubsAndPlainThreads() throws Exception {
        Resolver r = resolver(LONG);
        java.util.concurrent.CountDownLatch asked = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch answer = new java.util.concurrent.CountDownLatch(1);
        // TTL 0: nothing is cached, so a caller that did not join the query would make a second one.
        server.script((q, tcp) -> {
            asked.countDown();
            try {
                answer.await(LONG.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return List.of(send(answer(q, ZONE, 0)));
        });
        Greenlet<String> first = hub.spawn(() -> r.gethostbyname("v4only.example.test"));
        assertThat(asked.await(LONG.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS)).isTrue();
        Hub other = Hub.start("dns-test-other");
        try {
            Greenlet<String> onOtherHub = other.spawn(() -> r.gethostbyname("v4only.example.test"));
            other.spawn(() -> null).join(LONG); // greenlets start in spawn order: the caller is parked now
            String[] onThread = new String[1];
            Thread plain = Thread.ofPlatform().name("dns-test-plain").start(() -> {
                try {
                    onThread[0] = r.gethostbyname("v4only.example.test");
                } catch (UnknownHostException e) {
                    throw new AssertionError(e);
                }
            });
            long giveUp = System.nanoTime() + LONG.toNanos();
            while (plain.getState() != Thread.State.WAITING && System.nanoTime() - giveUp < 0) {
                Thread.onSpinWait(); // until the thread is parked on the query's result
            }
            answer.countDown();
            assertThat(first.result(LONG)).isEqualTo("192.0.2.20");
            assertThat(onOtherHub.result(LONG)).isEqualTo("192.0.2.20");
            plain.join(LONG);
            assertThat(plain.isAlive()).isFalse();
            assertThat(onThread[0]).isEqualTo("192.0.2.20");
            assertThat(server.udpQueries).hasValue(1);
        } finally {
            answer.countDown();
            assertThat(other.close(LONG)).isTrue();
        }
    }

    @Test
    void noLimitOfTenConcurrentLookups() {
        Map<String, List<String>> many = new java.util.HashMap<>();
        for (int i = 0; i < 200; i++) {
            many.put("h" + i + ".example.test", List.of("192.0.2." + (i % 250)));
        }
        server.script((q, tcp) -> List.of(send(answer(q, many, 60)).after(MEDIUM)));
        Resolver r = resolver(LONG);
        List<Greenlet<String>> jobs = IntStream.range(0, 200)
                .mapToObj(i -> hub.spawn(() -> r.gethostbyname("h" + i + ".example.test"))).toList();
        Gevent.joinAllOrRaise(jobs, LONG);
        // Queries reached the server before the first replies went out: they were in flight at once.
        // (More than gevent's 10 threads, up to the server's window (Pacer.INITIAL_WINDOW before
        // any answer); how many overlap depends on the machine's load.)
        assertThat(jobs).allMatch(Greenlet::successful);
        assertThat(server.maxOutstanding.get()).isGreaterThan(10).isLessThanOrEqualTo(Pacer.MAX_WINDOW);
    }

    @Test
    void searchDomainsAndNdots() {
        Resolver r = Resolver.of(server.config(LONG).withSearch(List.of("corp.example", "other.example"), 1));
        assertThat(inGreenlet(() -> r.gethostbyname("db"))).isEqualTo("192.0.2.30");
        assertThat(server.questions).first().asString().startsWith("db.corp.example");
        server.questions.clear();
        // With a dot (>= ndots), the name is tried as it is first.
        assertThat(kindOf(hub.spawn(() -> r.gethostbyname("x.y")))).isEqualTo(DnsException.Kind.NXDOMAIN);
        assertThat(server.questions).first().asString().startsWith("x.y. A");
    }

    @Test
    void aTimeoutAroundALookupRaisesTimeoutAndTheQueryStillFillsTheCache() {
        Resolver r = resolver(LONG);
        server.script((q, tcp) -> List.of(send(answer(q, ZONE, 60)).after(MEDIUM)));
        Greenlet<String> g = hub.spawn(() -> Gevent.withTimeout(SHORT, () -> r.gethostbyname("v4only.example.test")));
        g.join(LONG);
        assertThat(g.exception()).isInstanceOf(Timeout.class);
        assertThat(inGreenlet(() -> r.gethostbyname("v4only.example.test"))).isEqualTo("192.0.2.20");
        assertThat(server.udpQueries).hasValue(1);
    }

    @Test
    void geventsIntroductoryExampleReadsNaturallyFromMain() {
        Dns.setResolver(resolver(LONG));
        try {
            var jobs = Stream.of("www.example.test", "v4only.example.test", "nope.example.test")
                    .map(h -> Gevent.spawn(() -> Dns.gethostbyname(h))).toList();
            Gevent.joinAll(jobs, Duration.ofSeconds(2));
            assertThat(jobs.stream().map(Greenlet::value).toList()).containsExactly("192.0.2.10", "192.0.2.20", null);
        } finally {
            Dns.setResolver(Resolver.system());
        }
    }

    @Test
    void inetAddressInsideAGreenletGoesThroughTheHubResolver() {
        Dns.setResolver(resolver(LONG));
        try {
            String name = "spi" + System.nanoTime() + ".example.test"; // unique: the JDK caches look-ups
            server.script((q, tcp) -> List.of(send(answer(q, Map.of(name, List.of("192.0.2.77")), 60))));
            InetAddress a = inGreenlet(() -> InetAddress.getByName(name));
            assertThat(a.getHostAddress()).isEqualTo("192.0.2.77");
            assertThat(server.questions).anyMatch(q -> q.startsWith(name));
        } finally {
            Dns.setResolver(Resolver.system());
        }
    }

    @Test
    void failsOverToTheNextNameserverAndRetriesEachAttempt() throws Exception {
        try (ScriptedDnsServer silent = new ScriptedDnsServer((q, tcp) -> List.of())) {
            DnsConfig c = new DnsConfig(List.of(silent.address(), server.address()), List.of(), 1, SHORT, 1);
            Resolver r = Resolver.of(c);
            long start = System.nanoTime();
            assertThat(inGreenlet(() -> r.gethostbyname("v4only.example.test"))).isEqualTo("192.0.2.20");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(SHORT);
            assertThat(silent.udpQueries).hasValue(1);
            // Two attempts over one silent server: asked twice, then a TIMEOUT.
            Resolver twice = Resolver.of(new DnsConfig(List.of(silent.address()), List.of(), 1, SHORT, 2));
            assertThat(kindOf(hub.spawn(() -> twice.gethostbyname("x.example.test")))).isEqualTo(DnsException.Kind.TIMEOUT);
            assertThat(silent.udpQueries).hasValue(3);
        }
    }

    @Test
    void resolvConfIsParsed() {
        DnsConfig c = DnsConfig.parse("""
                # generated
                nameserver 10.0.0.1
                nameserver fe80::1%eth0
                nameserver not-an-ip
                search a.example b.example
                options ndots:3 timeout:2 attempts:4 rotate
                """);
        assertThat(c.nameservers()).extracting(a -> a.getAddress().getHostAddress())
                .containsExactly("10.0.0.1", "fe80:0:0:0:0:0:0:1");
        assertThat(c.search()).containsExactly("a.example", "b.example");
        assertThat(c.ndots()).isEqualTo(3);
        assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.attempts()).isEqualTo(4);
        assertThat(c.rotate()).isTrue();
        assertThat(DnsConfig.parse("options ndots:2").rotate()).isFalse();
        assertThat(DnsConfig.parse("").nameservers()).extracting(a -> a.getAddress().isLoopbackAddress()).containsExactly(true);
    }

    @Test
    void rotateSpreadsQueriesOverTheNameservers() throws Exception {
        server.script(ScriptedDnsServer.zone(ZONE, 0)); // TTL 0: every look-up is a query
        try (ScriptedDnsServer second = new ScriptedDnsServer(ScriptedDnsServer.zone(ZONE, 0))) {
            List<java.net.InetSocketAddress> both = List.of(server.config(LONG).nameservers().getFirst(),
                    second.config(LONG).nameservers().getFirst());
            Resolver rotating = Resolver.of(new DnsConfig(both, List.of(), 1, LONG, 1, true));
            for (int i = 0; i < 4; i++) {
                assertThat(inGreenlet(() -> rotating.gethostbyname("v4only.example.test"))).isEqualTo("192.0.2.20");
            }
            assertThat(server.udpQueries).hasValue(2);
            assertThat(second.udpQueries).hasValue(2);
            Resolver inOrder = Resolver.of(new DnsConfig(both, List.of(), 1, LONG, 1));
            for (int i = 0; i < 2; i++) {
                assertThat(inGreenlet(() -> inOrder.gethostbyname("v4only.example.test"))).isEqualTo("192.0.2.20");
            }
            assertThat(server.udpQueries).hasValue(4);
            assertThat(second.udpQueries).hasValue(2);
        }
    }

    @Test
    void plainThreadsCanResolveToo() throws Exception {
        Resolver r = resolver(LONG);
        List<String> got = new ArrayList<>();
        got.add(r.gethostbyname("v4only.example.test"));
        assertThat(got).containsExactly("192.0.2.20");
    }
}
