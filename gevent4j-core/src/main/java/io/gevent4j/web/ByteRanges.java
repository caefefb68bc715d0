package io.gevent4j.web;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@code Range: bytes=...} header read against a representation's length (RFC 9110 §14.1.2,
 * §14.2). The outcome is one of three: ignore the header and send the whole (a unit other than
 * {@code bytes}, a syntax error, more than {@link #MAX_RANGES} ranges, or overlapping ranges:
 * §14.2 lets a server ignore those, and many small or overlapping ranges are a known
 * amplification), nothing satisfiable ({@code 416}), or the satisfiable ranges in the order asked.
 */
final class ByteRanges {
    /** More ranges than this in one request are ignored (the whole is sent). */
    static final int MAX_RANGES = 32;

    /** One satisfiable range: {@code first} to {@code last}, inclusive. */
    record Range(long first, long last) {
        long length() {
            return last - first + 1;
        }
    }

    /** What to do with the header. */
    sealed interface Outcome {}

    /** Send the whole representation (200). */
    record Whole() implements Outcome {}

    /** No range is satisfiable (416, with {@code Content-Range: bytes *}{@code /length}). */
    record Unsatisfiable() implements Outcome {}

    /** Send these ranges (206; one range as is, more as {@code multipart/byteranges}). */
    record Satisfiable(List<Range> ranges) implements Outcome {}

    private ByteRanges() {}

    /** Reads {@code header} (the field value) against a representation of {@code length} bytes. */
    static Outcome parse(String header, long length) {
        String h = header.strip();
        int eq = h.indexOf('=');
        if (eq < 0 || !h.substring(0, eq).strip().equalsIgnoreCase("bytes")) {
            return new Whole();
        }
        String[] specs = h.substring(eq + 1).split(",", -1);
        List<Range> out = new ArrayList<>();
        int count = 0;
        for (String raw : specs) {
            String spec = raw.strip();
            if (spec.isEmpty()) {
                continue; // RFC 9110's list syntax allows empty elements
            }
            if (++count > MAX_RANGES) {
                return new Whole();
            }
            int dash = spec.indexOf('-');
            if (dash < 0) {
                return new Whole();
            }
            String a = spec.substring(0, dash);
            String b = spec.substring(dash + 1);
            if (a.isEmpty()) { // suffix: the last b bytes
                long n = digits(b);
                if (n < 0) {
                    return new Whole();
                }
                if (n > 0 && length > 0) {
                    out.add(new Range(Math.max(0, length - n), length - 1));
                }
                continue;
            }
            long first = digits(a);
            long last = b.isEmpty() ? Long.MAX_VALUE : digits(b);
            if (first < 0 || last < 0 || last < first) {
                return new Whole(); // invalid syntax: RFC 9110 §14.1.1 (last < first is invalid)
            }
            if (first < length) {
                out.add(new Range(first, Math.min(last, length - 1)));
            }
        }
        if (count == 0) {
            return new Whole();
        }
        if (out.isEmpty()) {
            return new Unsatisfiable();
        }
        List<Range> sorted = new ArrayList<>(out);
        sorted.sort((x, y) -> Long.compare(x.first, y.first));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).first <= sorted.get(i - 1).last) {
                return new Whole();
            }
        }
        return new Satisfiable(List.copyOf(out));
    }

    /** A non-negative decimal of at most 18 digits, or -1. */
    private static long digits(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
