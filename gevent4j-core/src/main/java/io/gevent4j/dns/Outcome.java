package io.gevent4j.dns;

import java.util.List;
import org.xbill.DNS.Record;

/**
 * What a query ended with: records of the asked type (after the CNAMEs followed to reach them),
 * or an error. {@code negativeTtl} is, for NXDOMAIN and NO_DATA, how long the answer may be
 * cached (RFC 2308: the SOA's TTL capped by its MINIMUM), or -1. Shared by every coalesced
 * caller, so it is immutable and its error is never thrown as it is (see
 * {@link Addresses#rethrowable}).
 */
record Outcome(List<Record> records, DnsException error, long negativeTtl) {
    Outcome {
        records = List.copyOf(records);
    }

    static Outcome of(List<Record> records) {
        return new Outcome(records, null, -1);
    }

    static Outcome failed(DnsException error) {
        return new Outcome(List.of(), error, -1);
    }

    static Outcome failed(DnsException error, long negativeTtl) {
        return new Outcome(List.of(), error, negativeTtl);
    }

    /** How long this outcome may be cached, in seconds; 0 or less: not at all. */
    long ttlSeconds() {
        if (error != null) {
            return negativeTtl;
        }
        long ttl = Long.MAX_VALUE;
        for (Record r : records) {
            ttl = Math.min(ttl, r.getTTL());
        }
        return ttl == Long.MAX_VALUE ? -1 : ttl; // no records: nothing to time it by
    }
}
