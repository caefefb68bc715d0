package io.gevent4j.dns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The settings of a {@link Resolver}: what {@code /etc/resolv.conf} says (nameservers, search
 * domains, {@code ndots}, {@code timeout}, {@code attempts}, {@code rotate}), or what the caller chooses.
 *
 * @param nameservers servers queried in order, each attempt (UDP, then TCP if a reply is truncated)
 * @param search domains appended to names with fewer than {@code ndots} dots (and tried after others)
 * @param ndots names with at least this many dots are first tried as they are
 * @param timeout the longest wait for one reply before asking again: the ceiling of the
 *     retransmission time-out, which otherwise follows the server's measured round trip
 * @param attempts with {@code timeout} and the number of nameservers, a query's total time-out
 *     ({@code timeout × attempts × nameservers}; tries without a reply go on until then), and
 *     how many error replies (SERVFAIL, REFUSED...) per nameserver end a query sooner
 * @param rotate spread queries over the nameservers: each query starts at the next one in turn
 *     ({@code options rotate}) instead of always at the first
 */
public record DnsConfig(List<InetSocketAddress> nameservers, List<String> search, int ndots, Duration timeout,
        int attempts, boolean rotate) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_ATTEMPTS = 2;

    /** Copies the lists and checks every component (at least one name server, positive time-out and attempts, {@code ndots} not negative). */
    public DnsConfig {
        nameservers = List.copyOf(nameservers);
        search = List.copyOf(search);
        Objects.requireNonNull(timeout, "timeout");
        if (nameservers.isEmpty()) {
            throw new IllegalArgumentException("no nameserver");
        }
        if (ndots < 0 || attempts < 1 || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("bad DNS settings: ndots=" + ndots + " attempts=" + attempts
                    + " timeout=" + timeout);
        }
    }

    /** The settings without {@code rotate} (queries start at the first nameserver). */
    public DnsConfig(List<InetSocketAddress> nameservers, List<String> search, int ndots, Duration timeout,
            int attempts) {
        this(nameservers, search, ndots, timeout, attempts, false);
    }

    /** Explicit nameservers (port 53 unless given), no search domains, the usual defaults. */
    public static DnsConfig of(List<InetSocketAddress> nameservers) {
        return new DnsConfig(nameservers, List.of(), 1, DEFAULT_TIMEOUT, DEFAULT_ATTEMPTS);
    }

    /** This configuration with another per-attempt time-out. */
    public DnsConfig withTimeout(Duration t) {
        return new DnsConfig(nameservers, search, ndots, t, attempts, rotate);
    }

    /** This configuration with another number of attempts per name server. */
    public DnsConfig withAttempts(int n) {
        return new DnsConfig(nameservers, search, ndots, timeout, n, rotate);
    }

    /** This configuration with another search list and {@code ndots}. */
    public DnsConfig withSearch(List<String> domains, int newNdots) {
        return new DnsConfig(nameservers, domains, newNdots, timeout, attempts, rotate);
    }

    /** This configuration with name-server rotation on or off. */
    public DnsConfig withRotate(boolean on) {
        return new DnsConfig(nameservers, search, ndots, timeout, attempts, on);
    }

    /** Reads {@code /etc/resolv.conf}; falls back to 127.0.0.1 if it names no nameserver. */
    public static DnsConfig system() {
        return parse(SystemFiles.read("/etc/resolv.conf"));
    }

    /**
     * Parses the text of a {@code resolv.conf}: {@code nameserver}, {@code search},
     * {@code domain}, {@code options ndots:N timeout:N attempts:N rotate}; other lines are ignored.
     */
    public static DnsConfig parse(String resolvConf) {
        List<InetSocketAddress> servers = new ArrayList<>();
        List<String> search = new ArrayList<>();
        int ndots = 1;
        Duration timeout = DEFAULT_TIMEOUT;
        int attempts = DEFAULT_ATTEMPTS;
        boolean rotate = false;
        for (String raw : resolvConf.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            String[] f = line.split("\\s+");
            switch (f[0]) {
                case "nameserver" -> {
                    if (f.length > 1) {
                        try {
                            servers.add(new InetSocketAddress(InetAddress.ofLiteral(stripZone(f[1])), 53));
                        } catch (IllegalArgumentException notAnAddress) {
                            // ignored, like the C library does
                        }
                    }
                }
                case "search" -> {
                    search.clear();
                    for (int i = 1; i < f.length; i++) {
                        search.add(f[i]);
                    }
                }
                case "domain" -> {
                    if (f.length > 1) {
                        search.clear();
                        search.add(f[1]);
                    }
                }
                case "options" -> {
                    for (int i = 1; i < f.length; i++) {
                        String[] kv = f[i].split(":", 2);
                        if (kv.length == 1 && kv[0].equals("rotate")) {
                            rotate = true;
                        } else if (kv.length == 2) {
                            try {
                                int v = Integer.parseInt(kv[1]);
                                switch (kv[0]) {
                                    case "ndots" -> ndots = Math.min(Math.max(v, 0), 15);
                                    case "timeout" -> timeout = Duration.ofSeconds(Math.max(v, 1));
                                    case "attempts" -> attempts = Math.min(Math.max(v, 1), 5);
                                    default -> { }
                                }
                            } catch (NumberFormatException ignored) {
                                // as the C library: a bad option is skipped
                            }
                        }
                    }
                }
                default -> { }
            }
        }
        if (servers.isEmpty()) {
            servers.add(new InetSocketAddress(InetAddress.getLoopbackAddress(), 53));
        }
        return new DnsConfig(servers, search, ndots, timeout, attempts, rotate);
    }

    private static String stripZone(String s) {
        int pct = s.indexOf('%');
        return pct < 0 ? s : s.substring(0, pct);
    }
}
