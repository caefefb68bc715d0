package io.gevent4j.dns;

import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;

/**
 * The absolute names to try for a host name, in order: resolv.conf's {@code search} domains and
 * {@code ndots} rule, as the C library applies them. A name with a final dot is tried as it is
 * only; one with at least {@code ndots} dots is tried as it is first, then with each search
 * domain; one with fewer dots with each search domain first, then as it is.
 *
 * <p>Pure computation: any thread, never blocks.
 */
final class SearchList {
    private final DnsConfig config;

    SearchList(DnsConfig config) {
        this.config = config;
    }

    /** The names to try for {@code host}; a {@link DnsException.Kind#BAD_NAME} if it is not a name. */
    List<Name> candidates(String host) throws DnsException {
        try {
            if (host.endsWith(".")) {
                return List.of(Name.fromString(host));
            }
            long dots = host.chars().filter(ch -> ch == '.').count();
            List<Name> out = new ArrayList<>();
            Name asIs = Name.fromString(host, Name.root);
            if (dots >= config.ndots()) {
                out.add(asIs);
            }
            for (String domain : config.search()) {
                try {
                    out.add(Name.fromString(host, Name.fromString(domain, Name.root)));
                } catch (TextParseException skipped) {
                    // a search domain that makes the name invalid is skipped, like the C library does
                }
            }
            if (dots < config.ndots()) {
                out.add(asIs);
            }
            return out;
        } catch (TextParseException e) {
            DnsException d = new DnsException(DnsException.Kind.BAD_NAME, host, e.getMessage());
            d.initCause(e);
            throw d;
        }
    }
}
