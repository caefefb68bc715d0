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
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/**
 * Which name server is asked, how often, and what its reply means: resolv.conf's
 * {@code nameserver}, {@code attempts}, {@code timeout} and {@code rotate}, EDNS0 with a
 * fallback for servers from before it, and the one time-out of a whole query. The bytes go
 * through the {@link Transport}.
 *
 * <p>Who may call it: the query greenlets of every hub, concurrently (the rotation counter and
 * the set of servers without EDNS0 are thread-safe). {@link #ask} parks on the network.
 */
final class NameServers {
    /**
     * The UDP payload size announced with EDNS0 (RFC 6891): 1232 bytes, the size DNS Flag Day
     * 2020 chose to avoid IP fragmentation. Answers up to it come over UDP, not a TCP retry.
     */
    static final int EDNS_UDP_PAYLOAD = 1232;
    private static final SecureRandom IDS = newIdSource();

    private final DnsConfig config;
    private final Transport transport = new Transport();
    /** Servers that refused an EDNS0 query (FORMERR, NOTIMP, BADVERS): asked without it since. */
    private final Set<InetSocketAddress> noEdns = ConcurrentHashMap.newKeySet();
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

    /**
     * One question to the name servers ({@code attempts} times each, in order, or rotated): the
     * first reply that is NOERROR or NXDOMAIN. Other outcomes (time-out, SERVFAIL, REFUSED,
     * malformed) try the next server, and the last of them is thrown; so is a TIMEOUT once
     * {@code queryDeadline} (a {@link System#nanoTime()}) has passed. Each try, UDP and its TCP
     * retry together, ends at {@code timeout} or at {@code queryDeadline}, whichever is first.
     */
    Message ask(Name name, int type, String display, long queryDeadline) throws DnsException {
        Record question = Record.newRecord(name, type, DClass.IN);
        DnsException last = null;
        List<InetSocketAddress> servers = config.nameservers();
        int first = config.rotate() ? Math.floorMod(rotation.getAndIncrement(), servers.size()) : 0;
        for (int attempt = 0; attempt < config.attempts(); attempt++) {
            for (int s = 0; s < servers.size(); s++) {
                if (queryDeadline - System.nanoTime() <= 0) {
                    throw new DnsException(DnsException.Kind.TIMEOUT, display, "no answer within "
                            + Duration.ofNanos(totalTimeoutNanos()).toMillis() + " ms (timeout x attempts x nameservers)");
                }
                InetSocketAddress server = servers.get((first + s) % servers.size());
                boolean edns = !noEdns.contains(server);
                Message query = Message.newQuery(question);
                query.getHeader().setID(IDS.nextInt(1 << 16));
                if (edns) {
                    query.addRecord(new OPTRecord(EDNS_UDP_PAYLOAD, 0, 0), Section.ADDITIONAL);
                }
                // One try ends at this deadline however the server paces its bytes (issue 12,
                // point 8: a reply dripped over TCP 1 byte per 1.5 s once made a 2 s look-up last 72 s).
                long deadline = System.nanoTime() + config.timeout().toNanos();
                if (deadline - queryDeadline > 0) {
                    deadline = queryDeadline;
                }
                Message reply;
                try {
                    reply = transport.exchange(server, query, deadline);
                } catch (Transport.MalformedReply m) {
                    last = new DnsException(DnsException.Kind.MALFORMED, display, "from " + server);
                    continue;
                } catch (IOException e) {
                    last = new DnsException(DnsException.Kind.REFUSED, display, server + ": " + e);
                    last.initCause(e);
                    continue;
                }
                if (reply == null) {
                    if (last == null || last.kind() == DnsException.Kind.TIMEOUT) {
                        last = new DnsException(DnsException.Kind.TIMEOUT, display,
                                "after " + config.timeout().toMillis() + " ms from " + server);
                    }
                    continue;
                }
                int rcode = reply.getRcode();
                if (rcode == Rcode.NOERROR || rcode == Rcode.NXDOMAIN) {
                    return reply;
                }
                if (edns && (rcode == Rcode.FORMERR || rcode == Rcode.NOTIMP || rcode == Rcode.BADVERS)) {
                    noEdns.add(server); // a server from before EDNS0: ask it again, plainly, and remember
                    s--;
                    continue;
                }
                last = new DnsException(rcode == Rcode.SERVFAIL ? DnsException.Kind.SERVFAIL : DnsException.Kind.REFUSED,
                        display, Rcode.string(rcode) + " from " + server);
            }
        }
        throw last;
    }

    private static SecureRandom newIdSource() {
        try {
            return SecureRandom.getInstance("DRBG"); // seeded once, then pure computation: no file I/O on a hub
        } catch (NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }
}
