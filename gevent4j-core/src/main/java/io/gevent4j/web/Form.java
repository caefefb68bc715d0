package io.gevent4j.web;

import io.gevent4j.http.HttpRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Name/value pairs of a query string or an {@code application/x-www-form-urlencoded} body,
 * decoded strictly (UTF-8; {@code +} is a space; a malformed {@code %} escape or bytes that are
 * not UTF-8 are a 400 {@link HttpException} that says where). Names may repeat; order is kept.
 *
 * <p>Who may call it: {@link #read} in the request's greenlet, where it parks while the body
 * arrives (each read bounded by the server's body time-out); the rest never blocks. A form is
 * immutable.
 *
 * {@snippet :
 * router.post("/login", (request, response) -> {
 *     Form form = Form.read(request);
 *     String user = form.first("user").orElseThrow(() -> new HttpException(400, "missing field 'user'"));
 *     response.send(200, "hello " + user);
 * });
 * int page = Form.query(request).first("page").map(Integer::parseInt).orElse(1);
 * }
 */
public final class Form {
    /** The default bound on a form body read by {@link #read(HttpRequest)}: 1 MiB. */
    public static final long DEFAULT_MAX_BYTES = 1L << 20;
    /** The default bound on the number of fields: 1,000 (hash-flooding and memory). */
    public static final int MAX_FIELDS = 1000;

    private static final Form EMPTY = new Form(Map.of());
    private final Map<String, List<String>> fields;

    private Form(Map<String, List<String>> fields) {
        this.fields = fields;
    }

    /**
     * The request's query string ({@code ?a=1&b=2}), decoded.
     *
     * @param request the request
     * @return its fields; empty without a query
     * @throws HttpException 400 if the query is malformed or has more than {@value #MAX_FIELDS} fields
     */
    public static Form query(HttpRequest request) {
        return request.query().map(q -> parse(q, "the query", true)).orElse(EMPTY);
    }

    /**
     * Reads and decodes an {@code application/x-www-form-urlencoded} body of at most
     * {@link #DEFAULT_MAX_BYTES}.
     *
     * @param request the request
     * @return its fields
     * @throws HttpException 415 if the body is not of that type, 413 if larger, 400 if malformed
     * @throws IOException if reading the body fails
     */
    public static Form read(HttpRequest request) throws IOException {
        return read(request, DEFAULT_MAX_BYTES);
    }

    /**
     * Reads and decodes an {@code application/x-www-form-urlencoded} body of at most
     * {@code maxBytes}.
     *
     * @param request the request
     * @param maxBytes the largest body accepted
     * @return its fields
     * @throws HttpException 415 if the body is not of that type, 413 if larger than
     *     {@code maxBytes}, 400 if malformed
     * @throws IOException if reading the body fails
     */
    public static Form read(HttpRequest request, long maxBytes) throws IOException {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
        }
        String type = request.header("Content-Type").orElse("");
        String media = MediaType.essence(type);
        if (!media.equals("application/x-www-form-urlencoded")) {
            throw new HttpException(415, "expected Content-Type application/x-www-form-urlencoded, got "
                    + (type.isEmpty() ? "none" : type));
        }
        java.util.Optional<String> charset = MediaType.parameter(type, "charset");
        if (charset.isPresent() && !charset.get().equalsIgnoreCase("utf-8")) {
            throw new HttpException(415, "form charset must be UTF-8, got " + charset.get());
        }
        if (request.contentLength().orElse(0L) > maxBytes) {
            throw new HttpException(413, "form body of " + request.contentLength().get() + " bytes is larger than the "
                    + maxBytes + "-byte limit");
        }
        byte[] body = readAtMost(request.body(), maxBytes, "form body");
        return parse(new String(body, StandardCharsets.ISO_8859_1), "the form body", true);
    }

    static byte[] readAtMost(InputStream in, long maxBytes, String what) throws IOException {
        byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes));
        if (b.length == maxBytes && in.read() >= 0) {
            throw new HttpException(413, what + " is larger than the " + maxBytes + "-byte limit");
        }
        return b;
    }

    /**
     * Decodes {@code encoded} ({@code a=1&b=x+y&c}); a field without {@code =} has the value "".
     *
     * @param encoded the urlencoded text
     * @return its fields
     * @throws HttpException 400 if malformed
     */
    public static Form parse(String encoded) {
        return parse(encoded, "the form", false);
    }

    static Form parse(String encoded, String what, boolean latin1Bytes) {
        if (encoded.isEmpty()) {
            return EMPTY;
        }
        Map<String, List<String>> out = new LinkedHashMap<>();
        int count = 0;
        int start = 0;
        while (start <= encoded.length()) {
            int amp = encoded.indexOf('&', start);
            int end = amp < 0 ? encoded.length() : amp;
            if (end > start) {
                if (++count > MAX_FIELDS) {
                    throw new HttpException(400, what + " has more than " + MAX_FIELDS + " fields");
                }
                String pair = encoded.substring(start, end);
                int eq = pair.indexOf('=');
                String name = Percent.decode(eq < 0 ? pair : pair.substring(0, eq), true, what, latin1Bytes);
                String value = eq < 0 ? "" : Percent.decode(pair.substring(eq + 1), true, what, latin1Bytes);
                out.computeIfAbsent(name, k -> new ArrayList<>(1)).add(value);
            }
            if (amp < 0) {
                break;
            }
            start = amp + 1;
        }
        for (Map.Entry<String, List<String>> e : out.entrySet()) {
            e.setValue(Collections.unmodifiableList(e.getValue()));
        }
        return new Form(Collections.unmodifiableMap(out));
    }

    /**
     * The first value of {@code name}.
     *
     * @param name a field name
     * @return its first value, or empty if absent
     */
    public Optional<String> first(String name) {
        List<String> v = fields.get(name);
        return v == null ? Optional.empty() : Optional.of(v.get(0));
    }

    /**
     * The value of a field that must be present.
     *
     * @param name a field name
     * @return its first value
     * @throws HttpException 400 naming the missing field
     */
    public String require(String name) {
        return first(name).orElseThrow(() -> new HttpException(400, "missing field '" + name + "'"));
    }

    /**
     * Every value of {@code name}.
     *
     * @param name a field name
     * @return its values in order; empty if absent
     */
    public List<String> all(String name) {
        return fields.getOrDefault(name, List.of());
    }

    /**
     * The field names.
     *
     * @return the distinct names, in first-seen order
     */
    public Set<String> names() {
        return fields.keySet();
    }

    /**
     * Every field.
     *
     * @return an unmodifiable map from name to values, in first-seen order
     */
    public Map<String, List<String>> asMap() {
        return fields;
    }

    @Override
    public String toString() {
        return "Form" + fields;
    }
}
