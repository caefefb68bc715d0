package io.gevent4j.web;

import java.util.Locale;
import java.util.Optional;

/** The pieces of a {@code Content-Type} value this package needs: its essence and a parameter. */
final class MediaType {
    private MediaType() {}

    /** {@code type/subtype}, lower-cased, without parameters. */
    static String essence(String contentType) {
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
    }

    /** The value of parameter {@code name} (case-insensitive name; quotes removed). */
    static Optional<String> parameter(String contentType, String name) {
        int i = contentType.indexOf(';');
        while (i >= 0) {
            int next = nextSemicolon(contentType, i + 1);
            String p = contentType.substring(i + 1, next < 0 ? contentType.length() : next).strip();
            int eq = p.indexOf('=');
            if (eq > 0 && p.substring(0, eq).strip().equalsIgnoreCase(name)) {
                String v = p.substring(eq + 1).strip();
                if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
                    v = v.substring(1, v.length() - 1).replaceAll("\\\\(.)", "$1");
                }
                return Optional.of(v);
            }
            i = next;
        }
        return Optional.empty();
    }

    /** The next ';' outside a quoted string, or -1. */
    private static int nextSemicolon(String s, int from) {
        boolean quoted = false;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted && c == '\\') {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == ';' && !quoted) {
                return i;
            }
        }
        return -1;
    }
}
