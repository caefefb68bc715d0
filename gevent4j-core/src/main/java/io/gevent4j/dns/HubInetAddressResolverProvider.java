package io.gevent4j.dns;

import io.gevent4j.Greenlet;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Puts the hub's {@link Resolver} behind {@link InetAddress}: inside a greenlet,
 * {@code InetAddress.getByName} (and every library that calls it) parks the greenlet instead of
 * stalling its hub in the C library's {@code getaddrinfo}. Outside a greenlet it delegates to
 * the JDK's built-in resolver, and inside one too for a single-label name that neither the hosts
 * file nor DNS knows (the machine's own name, which NSS modules answer and DNS cannot).
 * The core jar does not register it: the opt-in artifact {@code gevent4j-monkey} does, for
 * {@link java.util.ServiceLoader} (the JDK uses the <em>first</em> provider it finds: dnsjava's
 * own provider must not come first on the class path).
 */
public final class HubInetAddressResolverProvider extends InetAddressResolverProvider {
    /** Called by {@link java.util.ServiceLoader}. */
    public HubInetAddressResolverProvider() {}

    @Override
    public InetAddressResolver get(Configuration configuration) {
        return new HubResolver(configuration.builtinResolver());
    }

    @Override
    public String name() {
        return "gevent4j hub resolver";
    }

    private record HubResolver(InetAddressResolver builtin) implements InetAddressResolver {
        @Override
        public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
            if (Greenlet.current().isEmpty()) {
                return builtin.lookupByName(host, policy);
            }
            int c = policy.characteristics();
            boolean v4 = (c & LookupPolicy.IPV4) != 0;
            boolean v6 = (c & LookupPolicy.IPV6) != 0;
            List<InetAddress> all;
            try {
                all = Dns.resolver().getaddrinfo(host);
            } catch (DnsException e) {
                if (host.indexOf('.') >= 0 || e.kind() == DnsException.Kind.BAD_NAME) {
                    throw e;
                }
                // A single-label name the hosts file and DNS do not know is typically the
                // machine's own name (InetAddress.getLocalHost()), which the C library answers
                // from NSS modules ("myhostname") that DNS cannot see: ask it, once, at the
                // cost of pinning the hub for that call.
                return builtin.lookupByName(host, policy);
            }
            List<InetAddress> four = new ArrayList<>();
            List<InetAddress> six = new ArrayList<>();
            for (InetAddress a : all) {
                (a instanceof java.net.Inet4Address ? four : six).add(a);
            }
            List<InetAddress> out = new ArrayList<>();
            if ((c & LookupPolicy.IPV6_FIRST) != 0) {
                if (v6) out.addAll(six);
                if (v4) out.addAll(four);
            } else {
                if (v4) out.addAll(four);
                if (v6) out.addAll(six);
            }
            if (out.isEmpty()) {
                throw new DnsException(DnsException.Kind.NO_DATA, host, "no address of the requested family");
            }
            return out.stream();
        }

        @Override
        public String lookupByAddress(byte[] addr) throws UnknownHostException {
            if (Greenlet.current().isEmpty()) {
                return builtin.lookupByAddress(addr);
            }
            return Dns.resolver().gethostbyaddr(InetAddress.getByAddress(addr));
        }
    }
}
