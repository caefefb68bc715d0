package io.gevent4j.dns;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The parsed contents of an {@code /etc/services} file: (port, protocol) to the service's
 * official name. Immutable; lines that do not parse are skipped, as the C library does.
 */
final class ServicesFile {
    private final Map<String, String> byPort; // "80/tcp" -> "http"

    private ServicesFile(Map<String, String> byPort) {
        this.byPort = byPort;
    }

    /** {@code /etc/services}, read once by the caller; empty if the machine has none. */
    static ServicesFile system() {
        return parse(SystemFiles.read("/etc/services"));
    }

    static ServicesFile parse(String text) {
        Map<String, String> byPort = new HashMap<>();
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
            int slash = f[1].indexOf('/');
            if (slash <= 0) {
                continue;
            }
            try {
                int port = Integer.parseInt(f[1].substring(0, slash));
                if (port < 0 || port > 65535) {
                    continue;
                }
                byPort.putIfAbsent(port + "/" + f[1].substring(slash + 1).toLowerCase(Locale.ROOT), f[0]);
            } catch (NumberFormatException bad) {
                // not a port number: skipped
            }
        }
        return new ServicesFile(Map.copyOf(byPort));
    }

    /** The name of the service on {@code port} over {@code protocol} ("tcp" or "udp"), or null. */
    String name(int port, String protocol) {
        return byPort.get(port + "/" + protocol);
    }
}
