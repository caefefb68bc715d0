package io.gevent4j.http;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * HTTP header fields in the order received or added: names compare case-insensitively, a name
 * may repeat. Not thread-safe: a request's or a response's headers belong to its handler.
 *
 * {@snippet :
 * Optional<String> type = request.headers().first("Content-Type");
 * }
 */
public final class HttpHeaders {
    private final ArrayList<String> names = new ArrayList<>();
    private final ArrayList<String> values = new ArrayList<>();
    /** Set by {@link #release()}: every later use is an error, never a silently empty list. */
    private boolean released;

    /** An empty header list. */
    public HttpHeaders() {}

    /** Adds a field (keeps earlier ones of the same name). */
    public HttpHeaders add(String name, String value) {
        live();
        names.add(Objects.requireNonNull(name, "name"));
        values.add(Objects.requireNonNull(value, "value"));
        return this;
    }

    /** Replaces every field named {@code name} by one. */
    public HttpHeaders set(String name, String value) {
        remove(name);
        return add(name, value);
    }

    /** Removes every field named {@code name}; returns whether one was there. */
    public boolean remove(String name) {
        live();
        boolean any = false;
        for (int i = names.size() - 1; i >= 0; i--) {
            if (names.get(i).equalsIgnoreCase(name)) {
                names.remove(i);
                values.remove(i);
                any = true;
            }
        }
        return any;
    }

    /** The first value of {@code name}. */
    public Optional<String> first(String name) {
        live();
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equalsIgnoreCase(name)) {
                return Optional.of(values.get(i));
            }
        }
        return Optional.empty();
    }

    /** Every value of {@code name}, in order. */
    public List<String> all(String name) {
        live();
        List<String> out = new ArrayList<>(1);
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equalsIgnoreCase(name)) {
                out.add(values.get(i));
            }
        }
        return out;
    }

    int count(String name) {
        int n = 0;
        for (String s : names) {
            if (s.equalsIgnoreCase(name)) {
                n++;
            }
        }
        return n;
    }

    /** Whether a header of that name is present (names compare case-insensitively). */
    public boolean contains(String name) {
        return first(name).isPresent();
    }

    /** Whether a comma-separated field {@code name} lists {@code token} (case-insensitive). */
    public boolean hasToken(String name, String token) {
        live();
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equalsIgnoreCase(name)) {
                for (String t : values.get(i).split(",")) {
                    if (t.strip().equalsIgnoreCase(token)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** The distinct names, lower-cased, in first-seen order. */
    public Set<String> names() {
        live();
        Set<String> out = new LinkedHashSet<>();
        for (String s : names) {
            out.add(s.toLowerCase(Locale.ROOT));
        }
        return Collections.unmodifiableSet(out);
    }

    /** The number of header lines (a name given twice counts twice). */
    public int size() {
        live();
        return names.size();
    }

    /** Whether there is no header. */
    public boolean isEmpty() {
        live();
        return names.isEmpty();
    }

    /**
     * Removes every header and gives back the lists' arrays (what a long-lived upgraded
     * connection need not keep); any later use throws {@link IllegalStateException}.
     */
    void release() {
        released = true;
        names.clear();
        values.clear();
        names.trimToSize();
        values.trimToSize();
    }

    private void live() {
        if (released) {
            throw new IllegalStateException("these header fields were released when the connection switched"
                    + " protocols (101): read what the new protocol's session needs before switchProtocols()"
                    + " or WebSockets.accept()");
        }
    }

    String nameAt(int i) {
        return names.get(i);
    }

    String valueAt(int i) {
        return values.get(i);
    }

    @Override
    public String toString() {
        if (released) {
            return "HttpHeaders[released at the protocol switch]";
        }
        StringBuilder b = new StringBuilder("HttpHeaders[");
        for (int i = 0; i < names.size(); i++) {
            b.append(i == 0 ? "" : ", ").append(names.get(i)).append(": ").append(values.get(i));
        }
        return b.append(']').toString();
    }
}
