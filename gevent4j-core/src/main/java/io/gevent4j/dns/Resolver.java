package io.gevent4j.dns;

import io.gevent4j.AsyncResult;
import io.gevent4j.Hub;
import io.gevent4j.socket.TcpSocket;
import io.gevent4j.socket.UdpSocket;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * A DNS resolver that runs on the hub: A, AAAA and PTR look-ups over the hub's own UDP sockets
 * (TCP when a reply is truncated), with {@code /etc/hosts}, search domains, per-server time-outs
 * and attempts, a TTL cache (negative answers too, by their SOA, RFC 2308) and coalescing of
 * identical queries in flight. dnsjava only encodes
 * and decodes the messages.
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
     * query(name, type) is the one path to the network: a cache hit returns at once; otherwise
     * the caller joins the AsyncResult of that (name, type) in `inFlight`, or installs one and
     * spawns the greenlet that runs it (putIfAbsent decides who). The runner removes the
     * result from `inFlight` *before* completing it, and fills the cache before that, so a
     * caller arriving later either joins a result that will complete or sees the cache.
     *
     * Every caller of one (name, type) waits on one AsyncResult, set by the runner from its hub;
     * a waiter of another hub or a plain thread is woken across threads by AsyncResult itself.
     *
     * A reply is accepted only if it comes from the queried server's address and port, has the
     * query's ID, the QR flag and the same question; anything else, including bytes dnsjava
     * cannot decode, is ignored and the wait goes on until the per-server deadline. A time-out
     * after only undecodable packets is reported as MALFORMED, not TIMEOUT.
     */
    private static final SecureRandom IDS = newIdSource();
    /** At most this many cached answers (positive and negative). */
    static final int MAX_CACHED = 50_000;

    private final DnsConfig config;
    private final HostsFile hosts;
    /** {@code /etc/services} for {@link #getnameinfo}, read on first use (null until then). */
    private volatile ServicesFile services;
    private final ConcurrentHashMap<Key, Cached> cache = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Key, AsyncResult<Outcome>> inFlight = new ConcurrentHashMap<>();
    /** Servers that refused an EDNS0 query (FORMERR, NOTIMP, BADVERS): asked without it since. */
    private final java.util.Set<InetSocketAddress> noEdns = ConcurrentHashMap.newKeySet();
    /** The next first nameserver when the configuration rotates. */
    private final java.util.concurrent.atomic.AtomicInteger rotation = new java.util.concurrent.atomic.AtomicInteger();
    /**
     * The UDP payload size announced with EDNS0 (RFC 6891): 1232 bytes, the size DNS Flag Day
     * 2020 chose to avoid IP fragmentation. Answers up to it come over UDP, not a TCP retry.
     */
    static final int EDNS_UDP_PAYLOAD = 1232;

    private Resolver(DnsConfig config, HostsFile hosts) {
        this.config = Objects.requireNonNull(config, "config");
        this.hosts = hosts;
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
        for (Name candidate : candidates(host)) {
            AsyncResult<Outcome> a = start(new Key(candidate, Type.A));
            AsyncResult<Outcome> aaaa = start(new Key(candidate, Type.AAAA));
            Outcome va = a.result();
            Outcome v6 = aaaa.result();
            List<InetAddress> out = new ArrayList<>();
            addAddresses(out, host, va);
            addAddresses(out, host, v6);
            if (!out.isEmpty()) {
                return List.copyOf(out);
            }
            DnsException e = combine(va.error(), v6.error(), host);
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
        Outcome o = start(new Key(ptr, Type.PTR)).result();
        if (o.error() != null) {
            throw rethrowable(o.error(), address.getHostAddress());
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
            addAddresses(out, host, resolveDns(host, type));
        }
        List<A> mine = out.stream().filter(family::isInstance).map(family::cast).toList();
        if (mine.isEmpty()) {
            throw new DnsException(DnsException.Kind.NO_DATA, host, "no " + Type.string(type) + " address");
        }
        return mine;
    }

    /** A literal address, or the hosts file's addresses, or "localhost"; empty if DNS must answer. */
    private List<InetAddress> localAddresses(String host) {
        InetAddress literal = literal(host);
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
        for (Name candidate : candidates(host)) {
            Outcome o = start(new Key(candidate, type)).result();
            if (o.error() == null) {
                return o;
            }
            DnsException e = o.error();
            if (first == null) {
                first = e;
            }
            if (e.kind() != DnsException.Kind.NXDOMAIN && e.kind() != DnsException.Kind.NO_DATA) {
                throw rethrowable(e, host);
            }
        }
        throw rethrowable(first, host);
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
        addAddresses(out, host, o);
        List<Inet4Address> v4 = out.stream().filter(Inet4Address.class::isInstance).map(Inet4Address.class::cast).toList();
        return new HostEntry(canonical, aliases, v4);
    }

    private static DnsException rethrowable(DnsException shared, String host) {
        // The outcome is shared by every coalesced caller: give each its own exception and stack.
        DnsException e = new DnsException(shared.kind(), host, "");
        e.initCause(shared);
        return e;
    }

    private static DnsException combine(DnsException a, DnsException aaaa, String host) {
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

    private static void addAddresses(List<InetAddress> out, String host, Outcome o) throws UnknownHostException {
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

    /** The absolute names to try for {@code host}, in order (resolv.conf's search and ndots rules). */
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

    // ---------------------------------------------------------------- queries, cache, coalescing

    record Key(Name name, int type) {}

    private record Cached(Outcome outcome, long expiresAt) {}

    /**
     * What a query ended with: records of the asked type, or an error. {@code negativeTtl} is,
     * for NXDOMAIN and NO_DATA, how long the answer may be cached (RFC 2308: the SOA's TTL
     * capped by its MINIMUM), or -1.
     */
    record Outcome(List<Record> records, DnsException error, long negativeTtl) {
        Outcome(List<Record> records, DnsException error) {
            this(records, error, -1);
        }
    }

    /** Starts (or joins) the query for {@code key}. */
    private AsyncResult<Outcome> start(Key key) {
        Cached c = cache.get(key);
        if (c != null) {
            if (System.nanoTime() - c.expiresAt() < 0) {
                return AsyncResult.completed(c.outcome());
            }
            cache.remove(key, c);
        }
        AsyncResult<Outcome> mine = new AsyncResult<>();
        AsyncResult<Outcome> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            return running;
        }
        Hub.current().spawn(() -> run(key, mine));
        return mine;
    }

    private void run(Key key, AsyncResult<Outcome> result) {
        Outcome outcome = null;
        try {
            outcome = exchange(key);
        } catch (DnsException e) {
            outcome = new Outcome(List.of(), e);
        } finally {
            if (outcome == null) { // killed (its hub closed) or a bug: never leave waiters hanging
                outcome = new Outcome(List.of(), new DnsException(DnsException.Kind.TIMEOUT,
                        key.name().toString(), "the query was abandoned: its hub closed"));
            }
            long ttl = -1;
            if (outcome.error() == null) {
                ttl = Long.MAX_VALUE;
                for (Record r : outcome.records()) {
                    ttl = Math.min(ttl, r.getTTL());
                }
            } else {
                ttl = outcome.negativeTtl();
            }
            if (ttl > 0 && ttl != Long.MAX_VALUE) {
                cache.put(key, new Cached(outcome, System.nanoTime() + Duration.ofSeconds(ttl).toNanos()));
                if (cache.size() > MAX_CACHED) {
                    trimCache();
                }
            }
            inFlight.remove(key, result); // before completing: a later caller sees the cache
            result.set(outcome);
        }
    }

    /**
     * Keeps the cache bounded: drops expired answers, then (if names keep being new) arbitrary
     * ones down to 90% of the bound. Runs on the query greenlet, O(size) once per overflow.
     */
    private void trimCache() {
        long now = System.nanoTime();
        cache.values().removeIf(c -> now - c.expiresAt() >= 0);
        var it = cache.keySet().iterator();
        while (cache.size() > MAX_CACHED * 9 / 10 && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    /** The most CNAME records followed for one name, and the most queries made to follow them. */
    static final int MAX_CNAME_HOPS = 16;
    static final int MAX_CNAME_QUERIES = 4;

    /**
     * Resolves {@code key}, following CNAME records: an answer counts only if its owner is the
     * asked name or a CNAME target reached from it (a record for any other name in the reply is
     * ignored), and a chain that ends without a record of the type is asked again at its end.
     * The outcome's records are the CNAMEs followed, in order, then the records of the type
     * (so the cache TTL is the smallest of the chain's).
     */
    private Outcome exchange(Key key) throws DnsException {
        String display = key.name().toString(true);
        List<Record> chain = new ArrayList<>();
        Name asked = key.name();
        // The whole query, every CNAME hop and every try, ends by this deadline (issue 12, point 8).
        long deadline = System.nanoTime() + totalTimeoutNanos();
        for (int queries = 0; queries < MAX_CNAME_QUERIES; queries++) {
            Message reply = ask(asked, key.type(), display, deadline);
            if (reply.getRcode() == Rcode.NXDOMAIN) {
                return new Outcome(List.of(), new DnsException(DnsException.Kind.NXDOMAIN, display,
                        chain.isEmpty() ? "" : "its alias " + asked.toString(true) + " does not exist"),
                        negativeTtl(reply));
            }
            Name current = asked;
            List<Record> section = reply.getSection(Section.ANSWER);
            for (int hop = 0; hop < MAX_CNAME_HOPS; hop++) {
                List<Record> answers = new ArrayList<>(chain);
                for (Record r : section) {
                    if (r.getType() == key.type() && r.getName().equals(current)) {
                        answers.add(r);
                    }
                }
                if (answers.size() > chain.size()) {
                    return new Outcome(List.copyOf(answers), null);
                }
                CNAMERecord next = null;
                for (Record r : section) {
                    if (r instanceof CNAMERecord c && c.getName().equals(current)) {
                        next = c;
                        break;
                    }
                }
                if (next == null || key.type() == Type.CNAME) {
                    break;
                }
                chain.add(next);
                current = next.getTarget();
            }
            if (current.equals(asked)) {
                return new Outcome(List.of(), new DnsException(DnsException.Kind.NO_DATA, display,
                        "no " + Type.string(key.type()) + " record"), negativeTtl(reply));
            }
            asked = current; // the reply stopped at an alias: ask for its target
        }
        return new Outcome(List.of(), new DnsException(DnsException.Kind.NO_DATA, display,
                "CNAME chain longer than " + MAX_CNAME_QUERIES + " queries (a loop?)"), -1);
    }

    /**
     * One question to the name servers (attempts times each, in order): the first reply that is
     * NOERROR or NXDOMAIN; other outcomes (time-out, SERVFAIL, REFUSED, malformed) try the next
     * server, and the last of them is thrown.
     */
    /** {@code timeout × attempts × nameservers}: the most one query may take, in nanoseconds. */
    private long totalTimeoutNanos() {
        try {
            return Math.multiplyExact(Math.multiplyExact(config.timeout().toNanos(), (long) config.attempts()),
                    (long) config.nameservers().size());
        } catch (ArithmeticException overflow) {
            return Long.MAX_VALUE / 4;
        }
    }

    private Message ask(Name name, int type, String display, long queryDeadline) throws DnsException {
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
                int id = IDS.nextInt(1 << 16);
                Message query = Message.newQuery(question);
                query.getHeader().setID(id);
                if (edns) {
                    query.addRecord(new OPTRecord(EDNS_UDP_PAYLOAD, 0, 0), Section.ADDITIONAL);
                }
                byte[] wire = query.toWire();
                Message reply;
                // One try, UDP and its TCP retry together, ends at this deadline however the
                // server paces its bytes (issue 12, point 8: a reply dripped over TCP 1 byte per
                // 1.5 s once made a 2 s look-up last 72 s).
                long deadline = System.nanoTime() + config.timeout().toNanos();
                if (deadline - queryDeadline > 0) {
                    deadline = queryDeadline;
                }
                try {
                    reply = udpExchange(server, wire, id, question, deadline);
                    if (reply != null && reply.getHeader().getFlag(Flags.TC)) {
                        reply = tcpExchange(server, wire, id, question, deadline);
                    }
                } catch (MalformedReply m) {
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

    /** RFC 2308: a negative answer is cached for min(SOA TTL, SOA MINIMUM); -1 without an SOA. */
    private static long negativeTtl(Message reply) {
        for (Record r : reply.getSection(Section.AUTHORITY)) {
            if (r instanceof org.xbill.DNS.SOARecord soa) {
                return Math.min(soa.getTTL(), soa.getMinimum());
            }
        }
        return -1;
    }

    /** Only undecodable packets arrived before the deadline. */
    private static final class MalformedReply extends IOException {
        private static final long serialVersionUID = 1L;

        MalformedReply() {
            super("malformed reply");
        }
    }

    /** Sends one query and waits for its reply; null on time-out. Ignores foreign and garbage packets. */
    private Message udpExchange(InetSocketAddress server, byte[] wire, int id, Record question, long deadline)
            throws IOException {
        try (UdpSocket s = UdpSocket.open()) {
            s.sendTo(ByteBuffer.wrap(wire), server);
            ByteBuffer buf = ByteBuffer.allocate(4096);
            boolean sawGarbage = false;
            for (;;) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    if (sawGarbage) {
                        throw new MalformedReply();
                    }
                    return null;
                }
                s.timeout(Duration.ofNanos(left));
                InetSocketAddress from;
                try {
                    from = s.recvFrom(buf.clear());
                } catch (SocketTimeoutException e) {
                    continue; // re-checks the deadline
                }
                if (!from.equals(server)) {
                    continue; // not from the server we asked
                }
                Message m = decode(Arrays.copyOf(buf.array(), buf.position()));
                if (m == null) {
                    sawGarbage = true;
                    continue;
                }
                if (matches(m, id, question)) {
                    return m;
                }
            }
        }
    }

    /** The TCP retry of a truncated reply; null when {@code deadline} passes first, however the bytes are paced. */
    private Message tcpExchange(InetSocketAddress server, byte[] wire, int id, Record question, long deadline)
            throws IOException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            return null;
        }
        try (TcpSocket s = TcpSocket.connect(server, Duration.ofNanos(left))) {
            ByteBuffer out = ByteBuffer.allocate(2 + wire.length);
            out.putShort((short) wire.length).put(wire).flip();
            if (!untilDeadline(s, deadline)) {
                return null;
            }
            s.sendAll(out);
            ByteBuffer len = ByteBuffer.allocate(2);
            if (!readFully(s, len, deadline)) {
                return null;
            }
            ByteBuffer body = ByteBuffer.allocate(Short.toUnsignedInt(len.getShort(0)));
            if (!readFully(s, body, deadline)) {
                return null;
            }
            Message m = decode(body.array());
            if (m == null) {
                throw new MalformedReply();
            }
            if (!matches(m, id, question)) {
                throw new MalformedReply();
            }
            return m;
        } catch (SocketTimeoutException e) {
            return null;
        }
    }

    /** Fills {@code b}; false if {@code deadline} passed first (each read waits only for what is left). */
    private static boolean readFully(TcpSocket s, ByteBuffer b, long deadline) throws IOException {
        while (b.hasRemaining()) {
            if (!untilDeadline(s, deadline)) {
                return false;
            }
            if (s.recvInto(b) < 0) {
                throw new java.io.EOFException("the nameserver closed the TCP connection mid-reply");
            }
        }
        return true;
    }

    /** Sets the socket's time-out to what is left until {@code deadline}; false if nothing is. */
    private static boolean untilDeadline(TcpSocket s, long deadline) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            return false;
        }
        s.timeout(Duration.ofNanos(left));
        return true;
    }

    private static Message decode(byte[] bytes) {
        try {
            return new Message(bytes);
        } catch (IOException | RuntimeException garbage) {
            return null; // garbage never crashes the resolver
        }
    }

    private static boolean matches(Message m, int id, Record question) {
        if (m.getHeader().getID() != id || !m.getHeader().getFlag(Flags.QR)) {
            return false;
        }
        Record q = m.getQuestion();
        return q != null && q.getType() == question.getType() && q.getDClass() == question.getDClass()
                && q.getName().equals(question.getName());
    }

    private static SecureRandom newIdSource() {
        try {
            return SecureRandom.getInstance("DRBG"); // seeded once, then pure computation: no file I/O on a hub
        } catch (NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }

    @Override
    public String toString() {
        return "Resolver" + config.nameservers().toString().toLowerCase(Locale.ROOT);
    }
}
