package io.gevent4j.dns;

import io.gevent4j.AsyncResult;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.Type;

/**
 * A DNS resolver that runs on the hub: A, AAAA and PTR look-ups over UDP watched by the hub's
 * own selector (TCP when a reply is truncated), with {@code /etc/hosts}, search domains,
 * queries paced per nameserver (a window of queries in flight that grows while answers come
 * back and halves on a loss) and retransmitted after the measured round trip, a TTL cache
 * (negative answers too, by their SOA, RFC 2308) and coalescing of identical queries in flight. dnsjava only encodes and decodes the messages.
 *
 * <p>Who may call it: any greenlet or thread, concurrently; there is no limit on concurrent
 * look-ups (gevent's default thread resolver allows 10 per hub). A look-up parks the caller;
 * the query itself runs in a greenlet of the caller's hub (the default hub, for a plain
 * thread), bounded by {@code timeout × attempts × nameservers} in all, CNAME chasing and TCP
 * retries included, however a server paces its replies. A {@code Timeout} or a kill of
 * the caller ends its wait; the query still completes and fills the cache. Failures are
 * {@link DnsException}s whose {@link DnsException#kind() kind} tells NXDOMAIN, SERVFAIL,
 * time-out and malformed replies apart.
 *
 * {@snippet :
 * Resolver r = Resolver.of(DnsConfig.of(List.of(new InetSocketAddress("9.9.9.9", 53))));
 * List<InetAddress> addresses = r.getaddrinfo("www.python.org");
 * }
 */
public final class Resolver {
    /*
     * Implementation overview.
     *
     * This class is the API: it turns a host name into questions (hosts file, literals, the
     * SearchList) and outcomes into addresses (Addresses). Every question goes through
     * InFlightQueries, the one path to the network: the AnswerCache, else the query in flight
     * for the same question, else a new query greenlet running the CnameChain, which asks the
     * NameServers, which exchange bytes through the Transport.
     */
    private final DnsConfig config;
    private final HostsFile hosts;
    /** {@code /etc/services} for {@link #getnameinfo}, read on first use (null until then). */
    private volatile ServicesFile services;
    private final SearchList searchList;
    private final AnswerCache cache = new AnswerCache();
    private final InFlightQueries queries;

    private final NameServers servers;

    private Resolver(DnsConfig config, HostsFile hosts) {
        this.config = Objects.requireNonNull(config, "config");
        this.hosts = hosts;
        this.searchList = new SearchList(config);
        this.servers = new NameServers(config);
        this.queries = new InFlightQueries(cache, new CnameChain(servers));
    }

    /** What the resolver has seen of each nameserver's pace so far (tests, diagnostics). */
    java.util.Map<InetSocketAddress, Pacer.Stats> pacerStats() {
        return servers.stats();
    }

    /** The system's resolver settings: {@code /etc/resolv.conf} and {@code /etc/hosts}. */
    public static Resolver system() {
        return new Resolver(DnsConfig.system(), HostsFile.system());
    }

    /** A resolver with these settings and no hosts file. */
    public static Resolver of(DnsConfig config) {
        return new Resolver(config, HostsFile.EMPTY);
    }

    /** A resolver with these settings and a hosts file given as text (the {@code /etc/hosts} format). */
    public static Resolver of(DnsConfig config, String hostsFile) {
        return new Resolver(config, HostsFile.parse(hostsFile));
    }

    /** The configuration this resolver was built with. */
    public DnsConfig config() {
        return config;
    }

    /** Forgets every cached answer. */
    public void clearCache() {
        cache.clear();
    }

    // ---------------------------------------------------------------- the gevent-style API

    /**
     * The addresses of {@code host}: a literal address as it is, else {@code /etc/hosts}, else
     * A and AAAA records (queried concurrently), IPv4 first. gevent's {@code getaddrinfo}.
     */
    public List<InetAddress> getaddrinfo(String host) throws UnknownHostException {
        Objects.requireNonNull(host, "host");
        List<InetAddress> local = localAddresses(host);
        if (!local.isEmpty()) {
            return local;
        }
        DnsException first = null;
        for (Name candidate : searchList.candidates(host)) {
            AsyncResult<Outcome> a = queries.start(new Question(candidate, Type.A));
            AsyncResult<Outcome> aaaa = queries.start(new Question(candidate, Type.AAAA));
            Outcome va = a.result();
            Outcome v6 = aaaa.result();
            List<InetAddress> out = new ArrayList<>();
            Addresses.addTo(out, host, va);
            Addresses.addTo(out, host, v6);
            if (!out.isEmpty()) {
                return List.copyOf(out);
            }
            DnsException e = Addresses.combine(va.error(), v6.error(), host);
            if (first == null || e.kind() == DnsException.Kind.NXDOMAIN && first.kind() != DnsException.Kind.NXDOMAIN) {
                first = e;
            }
            if (e.kind() != DnsException.Kind.NXDOMAIN && e.kind() != DnsException.Kind.NO_DATA) {
                throw e; // a failure of the servers is not "try the next search domain"
            }
        }
        throw first;
    }

    /** The IPv4 addresses of {@code host} (A records, or hosts file / literal). */
    public List<Inet4Address> resolveIPv4(String host) throws UnknownHostException {
        return resolveFamily(host, Type.A, Inet4Address.class);
    }

    /** The IPv6 addresses of {@code host} (AAAA records, or hosts file / literal). */
    public List<Inet6Address> resolveIPv6(String host) throws UnknownHostException {
        return resolveFamily(host, Type.AAAA, Inet6Address.class);
    }

    /** The first IPv4 address of {@code host} in dotted form: gevent's {@code gethostbyname}. */
    public String gethostbyname(String host) throws UnknownHostException {
        return resolveIPv4(host).getFirst().getHostAddress();
    }

    /** The name of {@code address}: {@code /etc/hosts}, else its PTR record. gevent's {@code gethostbyaddr}. */
    public String gethostbyaddr(InetAddress address) throws UnknownHostException {
        String fromHosts = hosts.reverse(address);
        if (fromHosts != null) {
            return fromHosts;
        }
        Name ptr = ReverseMap.fromAddress(address);
        Outcome o = queries.await(new Question(ptr, Type.PTR));
        if (o.error() != null) {
            throw Addresses.rethrowable(o.error(), address.getHostAddress());
        }
        for (Record r : o.records()) {
            if (r instanceof PTRRecord p) {
                return p.getTarget().toString(true);
            }
        }
        throw new DnsException(DnsException.Kind.NO_DATA, address.getHostAddress(), "no PTR record");
    }

    private <A extends InetAddress> List<A> resolveFamily(String host, int type, Class<A> family)
            throws UnknownHostException {
        List<InetAddress> local = localAddresses(host);
        List<InetAddress> out = new ArrayList<>();
        if (!local.isEmpty()) {
            out.addAll(local);
        } else {
            Addresses.addTo(out, host, resolveDns(host, type));
        }
        List<A> mine = out.stream().filter(family::isInstance).map(family::cast).toList();
        if (mine.isEmpty()) {
            throw new DnsException(DnsException.Kind.NO_DATA, host, "no " + Type.string(type) + " address");
        }
        return mine;
    }

    /** A literal address, or the hosts file's addresses, or "localhost"; empty if DNS must answer. */
    private List<InetAddress> localAddresses(String host) {
        InetAddress literal = Addresses.literal(host);
        if (literal != null) {
            return List.of(literal);
        }
        List<InetAddress> fromHosts = hosts.lookup(host);
        if (fromHosts.isEmpty() && (host.equalsIgnoreCase("localhost") || host.equalsIgnoreCase("localhost."))) {
            return List.of(InetAddress.getLoopbackAddress());
        }
        return fromHosts;
    }

    /**
     * The first successful DNS outcome for {@code host} over its search candidates; NXDOMAIN and
     * NO_DATA try the next candidate, any other failure is thrown at once.
     */
    private Outcome resolveDns(String host, int type) throws UnknownHostException {
        DnsException first = null;
        for (Name candidate : searchList.candidates(host)) {
            Outcome o = queries.await(new Question(candidate, type));
            if (o.error() == null) {
                return o;
            }
            DnsException e = o.error();
            if (first == null) {
                first = e;
            }
            if (e.kind() != DnsException.Kind.NXDOMAIN && e.kind() != DnsException.Kind.NO_DATA) {
                throw Addresses.rethrowable(e, host);
            }
        }
        throw Addresses.rethrowable(first, host);
    }

    /** How {@link #getnameinfo} answers (the C library's {@code NI_*} flags). */
    public enum NameInfoFlag {
        /** The address in numeric form: no reverse look-up ({@code NI_NUMERICHOST}). */
        NUMERIC_HOST,
        /** The port as a number: no services file ({@code NI_NUMERICSERV}). */
        NUMERIC_SERVICE,
        /** A host without a name is an error, not its numeric form ({@code NI_NAMEREQD}). */
        NAME_REQUIRED,
        /** Look the service up as UDP, not TCP ({@code NI_DGRAM}). */
        DATAGRAM
    }

    /** A socket address as names: the host's name (or numeric form) and the service's. */
    public record NameInfo(String host, String service) {}

    /**
     * The names of {@code address}: its host name (the hosts file, else PTR, else its numeric
     * form unless {@link NameInfoFlag#NAME_REQUIRED}) and its port's service name (from
     * {@code /etc/services}, else the number). gevent's {@code getnameinfo}.
     */
    public NameInfo getnameinfo(InetSocketAddress address, NameInfoFlag... flags) throws UnknownHostException {
        Objects.requireNonNull(address, "address");
        java.util.EnumSet<NameInfoFlag> f = java.util.EnumSet.noneOf(NameInfoFlag.class);
        f.addAll(List.of(flags));
        if (address.isUnresolved()) {
            throw new DnsException(DnsException.Kind.BAD_NAME, address.getHostString(),
                    "getnameinfo needs an address, not a name");
        }
        InetAddress ip = address.getAddress();
        String host;
        if (f.contains(NameInfoFlag.NUMERIC_HOST)) {
            host = ip.getHostAddress();
        } else {
            try {
                host = gethostbyaddr(ip);
            } catch (DnsException e) {
                if (f.contains(NameInfoFlag.NAME_REQUIRED)
                        || e.kind() != DnsException.Kind.NXDOMAIN && e.kind() != DnsException.Kind.NO_DATA) {
                    throw e; // a failing server is reported, not papered over with a number
                }
                host = ip.getHostAddress();
            }
        }
        String service = null;
        if (!f.contains(NameInfoFlag.NUMERIC_SERVICE)) {
            ServicesFile table = services;
            if (table == null) {
                services = table = ServicesFile.system();
            }
            service = table.name(address.getPort(), f.contains(NameInfoFlag.DATAGRAM) ? "udp" : "tcp");
        }
        return new NameInfo(host, service != null ? service : Integer.toString(address.getPort()));
    }

    /**
     * A fully qualified name for {@code name}: gevent's (and Python's) {@code getfqdn}. An empty
     * name, {@code 0.0.0.0} or {@code ::} means this machine. The name's first address is looked
     * up in reverse; the answer is returned if it contains a dot, else the name as given. A
     * failed look-up is not an error here: the name comes back unchanged.
     */
    public String getfqdn(String name) {
        String n = Objects.requireNonNull(name, "name").strip();
        if (n.isEmpty() || n.equals("0.0.0.0") || n.equals("::")) {
            n = localHostName();
        }
        try {
            String reverse = gethostbyaddr(getaddrinfo(n).getFirst());
            return reverse.indexOf('.') >= 0 ? reverse : n;
        } catch (UnknownHostException e) {
            return n;
        }
    }

    /** This machine's name, without a DNS look-up (the kernel's, else the JDK's). */
    static String localHostName() {
        String kernel = SystemFiles.read("/proc/sys/kernel/hostname").strip();
        if (!kernel.isEmpty()) {
            return kernel;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /** Replaces the services table (tests, or a machine without {@code /etc/services}). */
    Resolver withServices(String servicesFile) {
        services = ServicesFile.parse(servicesFile);
        return this;
    }

    /** A host's canonical name, the aliases that led to it, and its IPv4 addresses. */
    public record HostEntry(String name, List<String> aliases, List<Inet4Address> addresses) {
        /** Copies the lists. */
        public HostEntry {
            aliases = List.copyOf(aliases);
            addresses = List.copyOf(addresses);
        }
    }

    /**
     * The canonical name of {@code host}, its aliases (the names of the CNAME chain that led to
     * the canonical name, the asked one first) and its IPv4 addresses: gevent's
     * {@code gethostbyname_ex}. A literal, a hosts-file name or {@code localhost} is its own
     * canonical name, with no aliases.
     */
    public HostEntry gethostbynameEx(String host) throws UnknownHostException {
        Objects.requireNonNull(host, "host");
        if (!localAddresses(host).isEmpty()) {
            return new HostEntry(host, List.of(), resolveIPv4(host));
        }
        Outcome o = resolveDns(host, Type.A);
        List<String> aliases = new ArrayList<>();
        String canonical = null;
        for (Record r : o.records()) {
            if (r instanceof CNAMERecord c) {
                aliases.add(c.getName().toString(true));
                canonical = c.getTarget().toString(true);
            } else if (canonical == null) {
                canonical = r.getName().toString(true);
            }
        }
        List<InetAddress> out = new ArrayList<>();
        Addresses.addTo(out, host, o);
        List<Inet4Address> v4 = out.stream().filter(Inet4Address.class::isInstance).map(Inet4Address.class::cast).toList();
        return new HostEntry(canonical, aliases, v4);
    }

    @Override
    public String toString() {
        return "Resolver" + config.nameservers().toString().toLowerCase(Locale.ROOT);
    }
}
