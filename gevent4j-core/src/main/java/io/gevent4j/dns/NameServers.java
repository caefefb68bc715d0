package io.gevent4j.dns;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/**
 * Which name server is asked, when, how often, and what its reply means: resolv.conf's
 * {@code nameserver}, {@code attempts}, {@code timeout} and {@code rotate}, EDNS0 with a
 * fallback for servers from before it, the {@link Pacer} of each server (how many queries may
 * be in flight to it, how long to wait before asking again), and the one time-out of a whole
 * query. The bytes go through the {@link Transport}.
 *
 * <p>Who may call it: the query greenlets of every hub, concurrently (the pacers, the rotation
 * counter and the set of servers without EDNS0 are thread-safe). {@link #ask} parks on the
 * network, and while its server's window is full.
 */
final class NameServers {
    /*
     * Implementation overview.
     *
     * One query is one UDP socket (Transport.UdpQuery) and a series of tries on it. A try
     * takes a slot in its server's window (queueing if it is full; a retransmit queues first),
     * sends the question with a
     * fresh random ID and waits for a reply to any try so far until the server's retransmission
     * time-out, doubled for each full round over the servers (exponential back-off) and never
     * longer than resolv.conf's timeout. No reply: the pacer counts a loss and the next try goes
     * to the next server (the same one, if there is one). Tries go on until the query's
     * deadline (timeout x attempts x nameservers, the caller's total time-out); replies that are
     * errors (SERVFAIL, REFUSED, malformed, unreachable) end it sooner, after attempts x
     * nameservers of them, as the fixed-time-out resolver did.
     */
    /**
     * The UDP payload size announced with EDNS0 (RFC 6891): 1232 bytes, the size DNS Flag Day
     * 2020 chose to avoid IP fragmentation. Answers up to it come over UDP, not a TCP retry.
     */
    static final int EDNS_UDP_PAYLOAD = 1232;
    private static final SecureRandom IDS = newIdSource();

    private final DnsConfig config;
    /** Servers that refused an EDNS0 query (FORMERR, NOTIMP, BADVERS): asked without it since. */
    private final Set<InetSocketAddress> noEdns = ConcurrentHashMap.newKeySet();
    /** The pace of each server, made on its first query. */
    private final ConcurrentHashMap<InetSocketAddress, Pacer> pacers = new ConcurrentHashMap<>();
    /** The next first nameserver when the configuration rotates. */
    private final AtomicInteger rotation = new AtomicInteger();

    NameServers(DnsConfig config) {
        this.config = config;
    }

    /** {@code timeout × attempts × nameservers}: the most one query may take, in nanoseconds. */
    long totalTimeoutNanos() {
        try {
            return Math.multiplyExact(Math.multiplyExact(config.timeout().toNanos(), (long) config.attempts()),
                    (long) config.nameservers().size());
        } catch (ArithmeticException overflow) {
            return Long.MAX_VALUE / 4;
        }
    }

    /** The pace of every server asked so far. */
    java.util.Map<InetSocketAddress, Pacer.Stats> stats() {
        java.util.Map<InetSocketAddress, Pacer.Stats> out = new java.util.LinkedHashMap<>();
        for (InetSocketAddress s : config.nameservers()) {
            Pacer p = pacers.get(s);
            if (p != null) {
                out.put(s, p.stats());
            }
        }
        return out;
    }

    /** The pacer of {@code server}. */
    Pacer pacer(InetSocketAddress server) {
        return pacers.computeIfAbsent(server, s -> new Pacer(config.timeout().toNanos()));
    }

    /**
     * One question to the name servers, in order (or rotated): the first reply that is NOERROR
     * or NXDOMAIN. A try without a reply is sent again after the server's retransmission
     * time-out (to the next server, if there are several), until {@code queryDeadline} (a
     * {@link System#nanoTime()}); then a TIMEOUT is thrown. Other outcomes (SERVFAIL, REFUSED,
     * malformed, unreachable) try the next server, and after {@code attempts × nameservers}
     * of them the last is thrown.
     */
    Message ask(Name name, int type, String display, long queryDeadline) throws DnsException {
        Record question = Record.newRecord(name, type, DClass.IN);
        List<InetSocketAddress> servers = config.nameservers();
        int n = servers.size();
        int first = config.rotate() ? Math.floorMod(rotation.getAndIncrement(), n) : 0;
        int errorBudget = config.attempts() * n;
        long perTry = config.timeout().toNanos();
        DnsException last = null;
        int errors = 0;
        Pacer held = null;
        // The query's socket is opened once it holds a slot of a server's window, not before: a
        // burst of any size then has at most the windows' worth of sockets open, and the rest
        // wait for room in the hub, holding no descriptor (back-pressure, not EMFILE).
        Transport.UdpQuery udp = null;
        try {
            for (int position = 0; ; ) {
                long now = System.nanoTime();
                if (queryDeadline - now <= 0) {
                    throw timedOut(display, last);
                }
                InetSocketAddress server = servers.get((first + position) % n);
                Pacer pacer = pacer(server);
                if (held != pacer) {
                    if (held != null) {
                        held.release();
                        held = null;
                    }
                    if (!pacer.acquire(queryDeadline, position > 0)) {
                        throw timedOut(display, last);
                    }
                    held = pacer;
                    now = System.nanoTime();
                }
                if (udp == null) {
                    try {
                        udp = new Transport.UdpQuery(question);
                    } catch (IOException e) {
                        DnsException d = new DnsException(DnsException.Kind.REFUSED, display, "no UDP socket: " + e);
                        d.initCause(e);
                        throw d;
                    }
                }
                boolean edns = !noEdns.contains(server);
                Message query = Message.newQuery(question);
                int id;
                do {
                    id = IDS.nextInt(1 << 16);
                } while (udp.used(id));
                query.getHeader().setID(id);
                if (edns) {
                    query.addRecord(new OPTRecord(EDNS_UDP_PAYLOAD, 0, 0), Section.ADDITIONAL);
                }
                Transport.Sent sent = new Transport.Sent(server, id, query.toWire(), edns, now, pacer.epoch());
                long wait = Math.min(perTry, pacer.rto() << Math.min(position / n, 20));
                long tryDeadline = earlier(now + wait, queryDeadline);
                Transport.Received got;
                try {
                    got = udp.send(sent, tryDeadline) ? udp.receive(tryDeadline) : null;
                } catch (IOException e) {
                    last = new DnsException(DnsException.Kind.REFUSED, display, server + ": " + e);
                    last.initCause(e);
                    if (++errors >= errorBudget) {
                        throw last;
                    }
                    position++;
                    continue;
                }
                if (got == null) {
                    if (udp.takeGarbage()) {
                        last = new DnsException(DnsException.Kind.MALFORMED, display, "from " + server);
                        if (++errors >= errorBudget) {
                            throw last;
                        }
                    } else {
                        pacer.lost(sent.epoch());
                        held.release(); // the retransmit waits for room in the shrunk window
                        held = null;
                        if (last == null || last.kind() == DnsException.Kind.TIMEOUT) {
                            last = new DnsException(DnsException.Kind.TIMEOUT, display, "no reply from " + server);
                        }
                    }
                    position++;
                    continue;
                }
                Transport.Sent answered = got.to();
                pacer(answered.server()).answered(got.at() - answered.sentAt());
                Message reply = got.reply();
                if (reply.getHeader().getFlag(Flags.TC)) {
                    long tcpDeadline = earlier(got.at() + perTry, queryDeadline);
                    DnsException failure = null;
                    try {
                        reply = Transport.overTcp(answered.server(), answered.wire(), answered.id(), question,
                                tcpDeadline);
                        if (reply == null) {
                            failure = new DnsException(DnsException.Kind.TIMEOUT, display,
                                    "no reply over TCP from " + answered.server());
                        }
                    } catch (Transport.MalformedReply m) {
                        failure = new DnsException(DnsException.Kind.MALFORMED, display, "from " + answered.server());
                    } catch (IOException e) {
                        failure = new DnsException(DnsException.Kind.REFUSED, display, answered.server() + ": " + e);
                        failure.initCause(e);
                    }
                    if (failure != null) {
                        if (failure.kind() != DnsException.Kind.TIMEOUT) {
                            last = failure;
                            if (++errors >= errorBudget) {
                                throw last;
                            }
                        } else if (last == null || last.kind() == DnsException.Kind.TIMEOUT) {
                            last = failure;
                        }
                        position++;
                        continue;
                    }
                }
                int rcode = reply.getRcode();
                if (rcode == Rcode.NOERROR || rcode == Rcode.NXDOMAIN) {
                    return reply;
                }
                if (answered.edns() && (rcode == Rcode.FORMERR || rcode == Rcode.NOTIMP || rcode == Rcode.BADVERS)) {
                    noEdns.add(answered.server()); // a server from before EDNS0: ask it again, plainly, and remember
                    continue;
                }
                last = new DnsException(rcode == Rcode.SERVFAIL ? DnsException.Kind.SERVFAIL : DnsException.Kind.REFUSED,
                        display, Rcode.string(rcode) + " from " + answered.server());
                if (++errors >= errorBudget) {
                    throw last;
                }
                position++;
            }
        } finally {
            try {
                if (udp != null) {
                    udp.close();
                }
            } finally {
                if (held != null) {
                    held.release();
                }
            }
        }
    }

    /** The earlier of two {@link System#nanoTime()} instants. */
    private static long earlier(long a, long b) {
        return a - b < 0 ? a : b;
    }

    /** The TIMEOUT of a query: the last error of a server if one answered with one, else a plain time-out. */
    private DnsException timedOut(String display, DnsException last) {
        if (last != null && last.kind() != DnsException.Kind.TIMEOUT) {
            return last;
        }
        return new DnsException(DnsException.Kind.TIMEOUT, display, "no answer within "
                + Duration.ofNanos(totalTimeoutNanos()).toMillis() + " ms (timeout x attempts x nameservers)");
    }

    private static SecureRandom newIdSource() {
        try {
            return SecureRandom.getInstance("DRBG"); // seeded once, then pure computation: no file I/O on a hub
        } catch (NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }
}
