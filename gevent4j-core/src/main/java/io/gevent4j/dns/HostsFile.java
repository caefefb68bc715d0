package io.gevent4j.dns;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The parsed contents of an {@code /etc/hosts} file: names to addresses and back. Immutable. */
final class HostsFile {
    static final HostsFile EMPTY = new HostsFile(Map.of(), Map.of());

    private final Map<String, List<InetAddress>> byName;
    private final Map<InetAddress, String> byAddress;

    private HostsFile(Map<String, List<InetAddress>> byName, Map<InetAddress, String> byAddress) {
        this.byName = byName;
        this.byAddress = byAddress;
    }

    static HostsFile system() {
        return parse(SystemFiles.read("/etc/hosts"));
    }

    static HostsFile parse(String text) {
        Map<String, List<InetAddress>> byName = new HashMap<>();
        Map<InetAddress, String> byAddress = new HashMap<>();
        for (String raw : text.split("\n")) {
            int hash = raw.indexOf('#');
            String line = (hash >= 0 ? raw.substring(0, hash) : raw).strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split("\\s+");
            if (f.length < 2) {
                continue;
            }
            InetAddress addr;
            try {
                String a = f[0];
                int pct = a.indexOf('%');
                addr = InetAddress.ofLiteral(pct < 0 ? a : a.substring(0, pct));
            } catch (IllegalArgumentException bad) {
                continue;
            }
            byAddress.putIfAbsent(addr, f[1]);
            for (int i = 1; i < f.length; i++) {
                String name = key(f[i]);
                List<InetAddress> list = byName.computeIfAbsent(name, k -> new ArrayList<>());
                if (!list.contains(addr)) {
                    list.add(addr);
                }
            }
        }
        byName.replaceAll((k, v) -> List.copyOf(v));
        return new HostsFile(Map.copyOf(byName), Map.copyOf(byAddress));
    }

    private static String key(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    List<InetAddress> lookup(String name) {
        return byName.getOrDefault(key(name), List.of());
    }

    String reverse(InetAddress address) {
        return byAddress.get(address);
    }
}
