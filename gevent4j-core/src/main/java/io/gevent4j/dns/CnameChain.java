package io.gevent4j.dns;

import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Answers one {@link Question}, following CNAME records: an answer counts only if its owner is
 * the asked name or a CNAME target reached from it (a record for any other name in the reply is
 * ignored), and a chain that ends without a record of the type is asked again at its end. The
 * outcome's records are the CNAMEs followed, in order, then the records of the type (so the
 * cache TTL is the smallest of the chain's).
 *
 * <p>Who may call it: the query's greenlet ({@link InFlightQueries}); it parks on the network.
 * The whole chain, every hop and every try, ends by one deadline: {@code timeout × attempts ×
 * nameservers} from its start (issue 12, point 8), however the servers pace their replies.
 */
final class CnameChain {
    /** The most CNAME records followed for one name, and the most queries made to follow them. */
    static final int MAX_CNAME_HOPS = 16;
    static final int MAX_CNAME_QUERIES = 4;

    private final NameServers servers;

    CnameChain(NameServers servers) {
        this.servers = servers;
    }

    /** The outcome of {@code q}; a failure of the servers (time-out, SERVFAIL, ...) is thrown. */
    Outcome resolve(Question q) throws DnsException {
        String display = q.display();
        List<Record> chain = new ArrayList<>();
        Name asked = q.name();
        long deadline = System.nanoTime() + servers.totalTimeoutNanos();
        for (int queries = 0; queries < MAX_CNAME_QUERIES; queries++) {
            Message reply = servers.ask(asked, q.type(), display, deadline);
            if (reply.getRcode() == Rcode.NXDOMAIN) {
                return Outcome.failed(new DnsException(DnsException.Kind.NXDOMAIN, display,
                        chain.isEmpty() ? "" : "its alias " + asked.toString(true) + " does not exist"),
                        negativeTtl(reply));
            }
            Name current = asked;
            List<Record> section = reply.getSection(Section.ANSWER);
            for (int hop = 0; hop < MAX_CNAME_HOPS; hop++) {
                List<Record> answers = new ArrayList<>(chain);
                for (Record r : section) {
                    if (r.getType() == q.type() && r.getName().equals(current)) {
                        answers.add(r);
                    }
                }
                if (answers.size() > chain.size()) {
                    return Outcome.of(answers);
                }
                CNAMERecord next = null;
                for (Record r : section) {
                    if (r instanceof CNAMERecord c && c.getName().equals(current)) {
                        next = c;
                        break;
                    }
                }
                if (next == null || q.type() == Type.CNAME) {
                    break;
                }
                chain.add(next);
                current = next.getTarget();
            }
            if (current.equals(asked)) {
                return Outcome.failed(new DnsException(DnsException.Kind.NO_DATA, display,
                        "no " + Type.string(q.type()) + " record"), negativeTtl(reply));
            }
            asked = current; // the reply stopped at an alias: ask for its target
        }
        return Outcome.failed(new DnsException(DnsException.Kind.NO_DATA, display,
                "CNAME chain longer than " + MAX_CNAME_QUERIES + " queries (a loop?)"));
    }

    /** RFC 2308: a negative answer is cached for min(SOA TTL, SOA MINIMUM); -1 without an SOA. */
    private static long negativeTtl(Message reply) {
        for (Record r : reply.getSection(Section.AUTHORITY)) {
            if (r instanceof SOARecord soa) {
                return Math.min(soa.getTTL(), soa.getMinimum());
            }
        }
        return -1;
    }
}
