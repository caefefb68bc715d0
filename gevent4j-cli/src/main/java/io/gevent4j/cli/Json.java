package io.gevent4j.cli;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * The command's one JSON writer: every {@code --json} output is built with it (RFC 8259: strings
 * escaped here and only here, numbers finite, names quoted). A streaming builder, one per output,
 * on one thread; misuse (a value where a name is due, an unclosed object) is an
 * IllegalStateException, so a wrong document cannot be printed.
 *
 * {@snippet :
 * String s = new Json().beginObject().name("host").value("a.test").name("ok").value(true).endObject().toString();
 * // {"host":"a.test","ok":true}
 * }
 */
final class Json {
    /** Per open container: whether it is an object, and whether it has a member yet. */
    private record Level(boolean object, boolean[] nonEmpty, boolean[] nameDue) {}

    private final StringBuilder sb = new StringBuilder(256);
    private final Deque<Level> open = new ArrayDeque<>();
    private boolean done;

    /** Opens an object (as a value). */
    Json beginObject() {
        beforeValue();
        sb.append('{');
        open.push(new Level(true, new boolean[1], new boolean[] {true}));
        return this;
    }

    /** Closes the innermost object. */
    Json endObject() {
        Level l = open.peek();
        if (l == null || !l.object() || !l.nameDue()[0]) {
            throw new IllegalStateException("no object to close here: " + sb);
        }
        open.pop();
        sb.append('}');
        afterValue();
        return this;
    }

    /** Opens an array (as a value). */
    Json beginArray() {
        beforeValue();
        sb.append('[');
        open.push(new Level(false, new boolean[1], new boolean[1]));
        return this;
    }

    /** Closes the innermost array. */
    Json endArray() {
        Level l = open.peek();
        if (l == null || l.object()) {
            throw new IllegalStateException("no array to close here: " + sb);
        }
        open.pop();
        sb.append(']');
        afterValue();
        return this;
    }

    /** The next member's name (inside an object only). */
    Json name(String name) {
        Level l = open.peek();
        if (l == null || !l.object() || !l.nameDue()[0]) {
            throw new IllegalStateException("a name outside an object, or two names in a row: " + name);
        }
        if (l.nonEmpty()[0]) {
            sb.append(',');
        }
        string(sb, name);
        sb.append(':');
        l.nameDue()[0] = false;
        return this;
    }

    /** A string value, or {@code null}. */
    Json value(String s) {
        beforeValue();
        if (s == null) {
            sb.append("null");
        } else {
            string(sb, s);
        }
        afterValue();
        return this;
    }

    /** A whole-number value. */
    Json value(long n) {
        beforeValue();
        sb.append(n);
        afterValue();
        return this;
    }

    /** A number with {@code decimals} digits after the point (finite only: JSON has no NaN). */
    Json value(double d, int decimals) {
        if (!Double.isFinite(d)) {
            throw new IllegalArgumentException("JSON has no " + d);
        }
        beforeValue();
        sb.append(String.format(Locale.ROOT, "%." + decimals + "f", d));
        afterValue();
        return this;
    }

    /** A boolean value. */
    Json value(boolean b) {
        beforeValue();
        sb.append(b);
        afterValue();
        return this;
    }

    /** The document; every container must be closed. */
    @Override
    public String toString() {
        if (!open.isEmpty() || !done) {
            throw new IllegalStateException("an incomplete JSON document: " + sb);
        }
        return sb.toString();
    }

    private void beforeValue() {
        Level l = open.peek();
        if (l == null) {
            if (done) {
                throw new IllegalStateException("a second top-level value: " + sb);
            }
            return;
        }
        if (l.object()) {
            if (l.nameDue()[0]) {
                throw new IllegalStateException("a value without a name in an object: " + sb);
            }
        } else if (l.nonEmpty()[0]) {
            sb.append(',');
        }
    }

    private void afterValue() {
        Level l = open.peek();
        if (l == null) {
            done = true;
            return;
        }
        l.nonEmpty()[0] = true;
        if (l.object()) {
            l.nameDue()[0] = true;
        }
    }

    /** {@code s} as a JSON string literal (the one escaper of the command). */
    static String string(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2);
        string(out, s);
        return out.toString();
    }

    private static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
