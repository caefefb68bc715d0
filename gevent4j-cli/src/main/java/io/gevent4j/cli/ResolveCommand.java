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
            "per look-up). Prints one line per host in input order: its addresses, the precise error, or 'timed out'",
            "when --timeout (for the whole batch) passed first. Exit code 0 if every host resolved, else 1."})
final class ResolveCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "HOST", description = "host names (or address literals)")
    List<String> hosts;

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
            List<Greenlet<Outcome>> lookups = new ArrayList<>();
            for (String h : hosts) {
                lookups.add(hub.greenlet(() -> lookup(resolver, h)).name("resolve " + h).start());
            }
            Gevent.joinAll(lookups, timeout);
            for (int i = 0; i < hosts.size(); i++) {
                String host = hosts.get(i);
                Greenlet<Outcome> g = lookups.get(i);
                if (!g.ready()) {
                    allResolved = false;
                    lines.add(json ? "{\"host\":" + Json.string(host) + ",\"timedOut\":true}" : host + ": timed out");
                } else if (g.value().error() == null) {
                    List<String> addresses = g.value().addresses().stream().map(InetAddress::getHostAddress).toList();
                    lines.add(json
                            ? "{\"host\":" + Json.string(host) + ",\"addresses\":["
                                    + addresses.stream().map(Json::string).collect(Collectors.joining(",")) + "]}"
                            : host + ": " + String.join(", ", addresses));
                } else {
                    allResolved = false;
                    Exception e = g.value().error();
                    String message = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
                    String kind = e instanceof DnsException d ? d.kind().name() : e.getClass().getSimpleName();
                    lines.add(json
                            ? "{\"host\":" + Json.string(host) + ",\"error\":" + Json.string(message)
                                    + ",\"kind\":" + Json.string(kind) + "}"
                            : host + ": error: " + message);
                }
            }
            Gevent.killAll(lookups, Duration.ofSeconds(1));
        }
        PrintWriter out = cl.getOut();
        if (json) {
            out.println("[" + String.join(",", lines) + "]");
        } else {
            lines.forEach(out::println);
        }
        out.flush();
        return allResolved ? 0 : 1;
    }

    /** A look-up's addresses, or why it failed (kept as a value: a failed look-up is an answer here). */
    record Outcome(List<InetAddress> addresses, Exception error) {}

    private static Outcome lookup(Resolver resolver, String host) {
        try {
            return new Outcome(resolver.getaddrinfo(host), null);
        } catch (java.net.UnknownHostException | RuntimeException e) {
            return new Outcome(List.of(), e);
        }
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
