package io.gevent4j.cli;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.dns.DnsConfig;
import io.gevent4j.dns.DnsException;
import io.gevent4j.dns.Resolver;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code gevent4j resolve HOST...}: gevent's mass-resolve example as a command. */
@Command(name = "resolve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Resolve every HOST at once, one greenlet each, with the cooperative DNS resolver (on the hub; no thread",
            "per look-up; queries paced per nameserver). Prints one line per host in input order: its addresses, the",
            "precise error, or 'timed out' when --timeout (for the whole batch) passed first; with --summary, one",
            "line: answered, failed, lost (timed out) and the time of the burst. Exit code 0 if every host resolved,",
            "else 1."})
final class ResolveCommand implements Callable<Integer> {

    @Parameters(arity = "0..*", paramLabel = "HOST", description = "host names (or address literals)")
    List<String> hosts = new ArrayList<>();

    @Option(names = "--file", paramLabel = "FILE",
            description = "also resolve the names in FILE, one per line ('#' starts a comment; blank lines skipped)")
    java.nio.file.Path file;

    @Option(names = "--summary", description = "print one summary line instead of a line per host")
    boolean summary;

    @Option(names = {"-4", "--ipv4"}, description = "A records only (the seed's gethostbyname), not A and AAAA")
    boolean ipv4;

    @Option(names = "--timeout", defaultValue = "2s", paramLabel = "TIME",
            converter = DiagnosticsOptions.DurationConverter.class,
            description = "time-out of the whole batch (default: ${DEFAULT-VALUE})")
    Duration timeout;

    @Option(names = "--nameserver", paramLabel = "IP[:PORT]",
            description = "nameserver to ask instead of /etc/resolv.conf's (repeatable; /etc/hosts is then not read)")
    List<String> nameservers = new ArrayList<>();

    @Option(names = "--json", description = "print one JSON array")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        CommandLine cl = spec.commandLine();
        if (!timeout.isPositive()) {
            throw new CommandLine.ParameterException(cl, "--timeout must be positive: " + timeout);
        }
        List<String> names = new ArrayList<>(hosts);
        if (file != null) {
            names.addAll(readNames(cl, file));
        }
        if (names.isEmpty()) {
            throw new CommandLine.ParameterException(cl, "no host to resolve: give HOST arguments or --file");
        }
        Resolver resolver;
        if (nameservers.isEmpty()) {
            resolver = Resolver.system();
        } else {
            List<InetSocketAddress> servers = new ArrayList<>();
            for (String ns : nameservers) {
                servers.add(parseNameserver(cl, ns));
            }
            resolver = Resolver.of(DnsConfig.of(servers));
        }
        List<String> lines = new ArrayList<>();
        boolean allResolved = true;
        try (Hub hub = Hub.start("resolve")) {
            List<Greenlet<Outcome>> lookups = new ArrayList<>(names.size());
            long start = System.nanoTime();
            for (String h : names) {
                lookups.add(hub.greenlet(() -> lookup(resolver, h, ipv4, start)).name("resolve " + h).start());
            }
            Gevent.joinAll(lookups, timeout);
            long burst = System.nanoTime() - start;
            if (summary) {
                Summary sum = Summary.of(lookups, burst);
                lines.add(json ? sum.json() : sum.text(timeout));
                allResolved = sum.answered() == names.size();
            }
            Json doc = new Json().beginArray(); // --json without --summary: one array, one object per name
            for (int i = 0; i < names.size() && !summary; i++) {
                String host = names.get(i);
                Greenlet<Outcome> g = lookups.get(i);
                if (!g.ready()) {
                    allResolved = false;
                    if (json) {
                        doc.beginObject().name("host").value(host).name("timedOut").value(true).endObject();
                    } else {
                        lines.add(host + ": timed out");
                    }
                } else if (g.value().error() == null) {
                    List<String> addresses = g.value().addresses().stream().map(InetAddress::getHostAddress).toList();
                    if (json) {
                        doc.beginObject().name("host").value(host).name("addresses").beginArray();
                        addresses.forEach(doc::value);
                        doc.endArray().endObject();
                    } else {
                        lines.add(host + ": " + String.join(", ", addresses));
                    }
                } else {
                    allResolved = false;
                    Exception e = g.value().error();
                    String message = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
                    String kind = e instanceof DnsException d ? d.kind().name() : e.getClass().getSimpleName();
                    if (json) {
                        doc.beginObject().name("host").value(host).name("error").value(message)
                                .name("kind").value(kind).endObject();
                    } else {
                        lines.add(host + ": error: " + message);
                    }
                }
            }
            if (json && !summary) {
                lines.add(doc.endArray().toString());
            }
            Gevent.killAll(lookups, Duration.ofSeconds(1));
        }
        PrintWriter out = cl.getOut();
        lines.forEach(out::println);
        out.flush();
        return allResolved ? 0 : 1;
    }

    /**
     * A look-up's addresses, or why it failed (kept as a value: a failed look-up is an answer
     * here), and when it ended, in nanoseconds after the burst started.
     */
    record Outcome(List<InetAddress> addresses, Exception error, long tookNanos) {}

    private static Outcome lookup(Resolver resolver, String host, boolean ipv4, long start) {
        try {
            List<InetAddress> a = ipv4 ? List.copyOf(resolver.resolveIPv4(host)) : resolver.getaddrinfo(host);
            return new Outcome(a, null, System.nanoTime() - start);
        } catch (java.net.UnknownHostException | RuntimeException e) {
            return new Outcome(List.of(), e, System.nanoTime() - start);
        }
    }

    /** What a burst came to: answered, failed (by kind), lost (still unanswered at the time-out), times. */
    record Summary(int names, int answered, java.util.SortedMap<String, Integer> failed, int lost, long burstNanos,
            long slowestNanos) {
        static Summary of(List<Greenlet<Outcome>> lookups, long burstNanos) {
            int answered = 0;
            int lost = 0;
            long slowest = 0;
            java.util.SortedMap<String, Integer> failed = new java.util.TreeMap<>();
            for (Greenlet<Outcome> g : lookups) {
                if (!g.ready()) {
                    lost++;
                    continue;
                }
                Outcome o = g.value();
                slowest = Math.max(slowest, o.tookNanos());
                if (o.error() == null) {
                    answered++;
                } else {
                    String kind = o.error() instanceof DnsException d ? d.kind().name() : o.error().getClass().getSimpleName();
                    failed.merge(kind, 1, Integer::sum);
                }
            }
            // every look-up ended: the burst took as long as its slowest one
            return new Summary(lookups.size(), answered, failed, lost, lost == 0 ? slowest : burstNanos, slowest);
        }

        int failedCount() {
            return failed.values().stream().mapToInt(Integer::intValue).sum();
        }

        String text(Duration timeout) {
            String kinds = failed.isEmpty() ? "" : failed.entrySet().stream()
                    .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ", " (", ")"));
            return String.format(java.util.Locale.ROOT,
                    "%d names in %.3f s: %d answered, %d failed%s, %d lost (no answer within %s); slowest answer %.3f s",
                    names, burstNanos / 1e9, answered, failedCount(), kinds, lost,
                    timeout.toMillis() + " ms", slowestNanos / 1e9);
        }

        String json() {
            return new Json().beginObject().name("names").value(names).name("answered").value(answered)
                    .name("failed").value(failedCount()).name("lost").value(lost)
                    .name("seconds").value(burstNanos / 1e9, 3).name("slowestSeconds").value(slowestNanos / 1e9, 3)
                    .endObject().toString();
        }
    }

    /** The names in {@code file}: one per line, '#' to the end of a line a comment, blank lines skipped. */
    private static List<String> readNames(CommandLine cl, java.nio.file.Path file) {
        List<String> lines;
        try {
            lines = java.nio.file.Files.readAllLines(file);
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            throw new CommandLine.ParameterException(cl, "--file: cannot read " + file + ": " + e.getMessage());
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int hash = line.indexOf('#');
            String name = (hash >= 0 ? line.substring(0, hash) : line).strip();
            if (name.isEmpty()) {
                continue;
            }
            if (name.chars().anyMatch(Character::isWhitespace)) {
                throw new CommandLine.ParameterException(cl,
                        "--file " + file + " line " + (i + 1) + ": one name per line, not: " + name);
            }
            out.add(name);
        }
        return out;
    }

    /** {@code 192.0.2.1}, {@code 192.0.2.1:5353}, {@code ::1}, {@code [::1]:5353}. */
    static InetSocketAddress parseNameserver(CommandLine cl, String text) {
        String host = text;
        int port = 53;
        try {
            if (text.startsWith("[")) {
                int close = text.indexOf(']');
                host = text.substring(1, close);
                if (close + 1 < text.length()) {
                    port = Integer.parseInt(text.substring(close + 2));
                }
            } else if (text.indexOf(':') >= 0 && text.indexOf(':') == text.lastIndexOf(':')) {
                host = text.substring(0, text.indexOf(':'));
                port = Integer.parseInt(text.substring(text.indexOf(':') + 1));
            }
            if (port <= 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range");
            }
            return new InetSocketAddress(InetAddress.ofLiteral(host), port);
        } catch (RuntimeException e) {
            throw new CommandLine.ParameterException(cl,
                    "--nameserver must be an IP address with an optional port (e.g. 9.9.9.9 or [::1]:5353): " + text);
        }
    }
}
