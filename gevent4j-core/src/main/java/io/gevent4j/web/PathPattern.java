package io.gevent4j.web;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One parsed route pattern: {@code /users/{id}/files/*}. Segments are literals (compared with
 * the request's percent-decoded segment), parameters {@code {name}} (one non-empty segment) or a
 * final wildcard {@code *} (the rest of the path, possibly empty). Patterns sort by specificity,
 * segment by segment: literal before parameter before wildcard; the router tries them in that
 * order.
 */
final class PathPattern implements Comparable<PathPattern> {
    static final byte LITERAL = 0;
    static final byte PARAM = 1;
    static final byte WILDCARD = 2;

    final String source;
    /** The pattern with parameter names erased: two patterns of one shape are one route. */
    final String shape;
    final byte[] kinds;
    final String[] literals;
    final String[] names;

    private PathPattern(String source, String shape, byte[] kinds, String[] literals, String[] names) {
        this.source = source;
        this.shape = shape;
        this.kinds = kinds;
        this.literals = literals;
        this.names = names;
    }

    static PathPattern parse(String pattern) {
        if (pattern == null || !pattern.startsWith("/")) {
            throw new IllegalArgumentException("a route pattern must start with '/': " + pattern);
        }
        if (pattern.indexOf('?') >= 0 || pattern.indexOf('#') >= 0) {
            throw new IllegalArgumentException("a route pattern matches the path only, without '?' or '#': " + pattern);
        }
        String[] segs = pattern.substring(1).split("/", -1);
        byte[] kinds = new byte[segs.length];
        String[] literals = new String[segs.length];
        List<String> names = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        StringBuilder shape = new StringBuilder();
        for (int i = 0; i < segs.length; i++) {
            String s = segs[i];
            shape.append('/');
            if (s.equals("*")) {
                if (i != segs.length - 1) {
                    throw new IllegalArgumentException("'*' may only be the last segment of a route pattern: " + pattern);
                }
                kinds[i] = WILDCARD;
                shape.append('*');
            } else if (s.startsWith("{") && s.endsWith("}") && s.length() > 2) {
                String name = s.substring(1, s.length() - 1);
                if (!isName(name)) {
                    throw new IllegalArgumentException("bad parameter name '" + name + "' in route pattern " + pattern
                            + " (letters, digits and '_', not starting with a digit)");
                }
                if (!seen.add(name)) {
                    throw new IllegalArgumentException("parameter {" + name + "} appears twice in route pattern " + pattern);
                }
                kinds[i] = PARAM;
                names.add(name);
                shape.append("{}");
            } else {
                if (s.indexOf('{') >= 0 || s.indexOf('}') >= 0 || s.indexOf('*') >= 0) {
                    throw new IllegalArgumentException("segment '" + s + "' of route pattern " + pattern
                            + ": a parameter is a whole segment {name}, a wildcard a whole last segment *");
                }
                kinds[i] = LITERAL;
                literals[i] = s;
                shape.append(s);
            }
        }
        return new PathPattern(pattern, shape.toString(), kinds, literals, names.toArray(String[]::new));
    }

    private static boolean isName(String s) {
        if (s.isEmpty() || Character.isDigit(s.charAt(0))) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c == '_' || (c < 128 && Character.isLetterOrDigit(c)))) {
                return false;
            }
        }
        return true;
    }

    boolean hasWildcard() {
        return kinds.length > 0 && kinds[kinds.length - 1] == WILDCARD;
    }

    /** Whether {@code decoded} (the request path's segments, percent-decoded) matches. */
    boolean matches(String[] decoded) {
        int fixed = hasWildcard() ? kinds.length - 1 : kinds.length;
        if (hasWildcard() ? decoded.length < fixed + 1 : decoded.length != fixed) {
            return false;
        }
        for (int i = 0; i < fixed; i++) {
            if (kinds[i] == LITERAL) {
                if (!literals[i].equals(decoded[i])) {
                    return false;
                }
            } else if (decoded[i].isEmpty()) {
                return false; // a parameter is never empty
            }
        }
        return true;
    }

    /** The parameters' values, in the order of {@link #names}. */
    String[] values(String[] decoded) {
        String[] out = new String[names.length];
        int n = 0;
        for (int i = 0; i < kinds.length; i++) {
            if (kinds[i] == PARAM) {
                out[n++] = decoded[i];
            }
        }
        return out;
    }

    /** The raw (still percent-encoded) rest of the path that the wildcard matched, or null. */
    String wildcard(String[] raw) {
        if (!hasWildcard()) {
            return null;
        }
        return String.join("/", java.util.Arrays.asList(raw).subList(kinds.length - 1, raw.length));
    }

    @Override
    public int compareTo(PathPattern o) {
        int n = Math.min(kinds.length, o.kinds.length);
        for (int i = 0; i < n; i++) {
            if (kinds[i] != o.kinds[i]) {
                return Byte.compare(kinds[i], o.kinds[i]);
            }
        }
        return Integer.compare(o.kinds.length, kinds.length); // longer first: /a/b/* before /a/*
    }

    @Override
    public String toString() {
        return source;
    }
}
