package io.gevent4j.dns;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Record;

/**
 * From outcomes to what a look-up returns: addresses out of A and AAAA records, literal
 * addresses, and the exception each caller throws (its own, since outcomes are shared by every
 * coalesced caller). gevent's {@code resolver/_addresses.py}. Pure computation: any thread.
 */
final class Addresses {
    private Addresses() {}

    /** Adds the addresses of {@code o}'s A and AAAA records to {@code out}, named {@code host}, without duplicates. */
    static void addTo(List<InetAddress> out, String host, Outcome o) throws UnknownHostException {
        if (o.error() != null) {
            return;
        }
        for (Record r : o.records()) {
            byte[] raw = switch (r) {
                case ARecord a -> a.getAddress().getAddress();
                case AAAARecord a -> a.getAddress().getAddress();
                default -> null;
            };
            if (raw != null) {
                InetAddress addr = InetAddress.getByAddress(host, raw);
                if (!out.contains(addr)) {
                    out.add(addr);
                }
            }
        }
    }

    /** {@code host} as a literal IPv4 or IPv6 address (IPv6 optionally in brackets), or null. */
    static InetAddress literal(String host) {
        if (host.isEmpty()) {
            return null;
        }
        char c = host.charAt(0);
        if (Character.digit(c, 16) < 0 && c != ':' && c != '[') {
            return null;
        }
        try {
            String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            return InetAddress.ofLiteral(h);
        } catch (IllegalArgumentException notALiteral) {
            return null;
        }
    }

    /** A new exception for this caller, of the shared outcome's kind, caused by it. */
    static DnsException rethrowable(DnsException shared, String host) {
        // The outcome is shared by every coalesced caller: give each its own exception and stack.
        DnsException e = new DnsException(shared.kind(), host, "");
        e.initCause(shared);
        return e;
    }

    /** The error of an A + AAAA look-up that gave no address (each outcome may have failed or not). */
    static DnsException combine(DnsException a, DnsException aaaa, String host) {
        if (a == null && aaaa == null) {
            return new DnsException(DnsException.Kind.NO_DATA, host, "no A or AAAA record");
        }
        DnsException pick = a == null ? aaaa : aaaa == null ? a
                : aaaa.kind() == DnsException.Kind.NXDOMAIN ? aaaa : a;
        if (pick.kind() == DnsException.Kind.NO_DATA && (a == null || aaaa == null)) {
            pick = a == null ? aaaa : a;
        }
        return rethrowable(pick, host);
    }
}
