package io.gevent4j.dns;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Objects;

/**
 * gevent's module-level DNS functions ({@code gevent.socket.gethostbyname} and friends) over
 * the default {@link Resolver}, which runs on the hub and never blocks it.
 *
 * <p>Who may call it: any greenlet or thread. Each call parks the caller until the answer
 * arrives (see {@link Resolver} for time-outs and errors). The default resolver reads
 * {@code /etc/resolv.conf} and {@code /etc/hosts} once, on first use.
 *
 * {@snippet :
 * var jobs = Stream.of("www.google.com", "www.python.org", "www.foofish.net")
 *     .map(h -> Gevent.spawn(() -> Dns.gethostbyname(h))).toList();
 * Gevent.joinAll(jobs, Duration.ofSeconds(2));
 * System.out.println(jobs.stream().map(Greenlet::value).toList());
 * }
 */
public final class Dns {
    private static volatile Resolver resolver;

    private Dns() {}

    /** The default resolver (the system's settings unless {@link #setResolver} replaced it). */
    public static Resolver resolver() {
        Resolver r = resolver;
        if (r == null) {
            synchronized (Dns.class) {
                r = resolver;
                if (r == null) {
                    resolver = r = Resolver.system();
                }
            }
        }
        return r;
    }

    /** Replaces the default resolver (e.g. with explicit nameservers). */
    public static void setResolver(Resolver r) {
        resolver = Objects.requireNonNull(r, "resolver");
    }

    /** The first IPv4 address of {@code host}, in dotted form. */
    public static String gethostbyname(String host) throws UnknownHostException {
        return resolver().gethostbyname(host);
    }

    /** Every address of {@code host}, IPv4 first. */
    public static List<InetAddress> getaddrinfo(String host) throws UnknownHostException {
        return resolver().getaddrinfo(host);
    }

    /** {@link Resolver#gethostbynameEx} on the current resolver: gevent's {@code gethostbyname_ex}. */
    public static Resolver.HostEntry gethostbynameEx(String host) throws UnknownHostException {
        return resolver().gethostbynameEx(host);
    }

    /** {@link Resolver#getnameinfo} on the current resolver: gevent's {@code getnameinfo}. */
    public static Resolver.NameInfo getnameinfo(java.net.InetSocketAddress address, Resolver.NameInfoFlag... flags)
            throws UnknownHostException {
        return resolver().getnameinfo(address, flags);
    }

    /** {@link Resolver#getfqdn} on the current resolver: gevent's {@code getfqdn}. */
    public static String getfqdn(String name) {
        return resolver().getfqdn(name);
    }

    /** The host name of {@code address}. */
    public static String gethostbyaddr(InetAddress address) throws UnknownHostException {
        return resolver().gethostbyaddr(address);
    }
}
