package io.gevent4j.web;

import io.gevent4j.http.HttpRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The cookies a request carries in its {@code Cookie} header (RFC 6265 §4.2, §5.4), parsed
 * strictly: {@code name=value} pairs separated by {@code ;} (spaces around pairs are allowed),
 * names are tokens, values are cookie-octets, optionally in double quotes (which are removed).
 * Anything else is a 400 {@link HttpException} that names the pair and the offending character.
 * Values are not decoded: what the server set is what it gets back. Build cookies to set with
 * {@link SetCookie}.
 *
 * <p>Who may call it: the request's greenlet; it never blocks. The result is immutable.
 *
 * {@snippet :
 * Optional<String> session = Cookies.of(request).get("session");
 * }
 */
public final class Cookies {
    /** Most cookies accepted in one request (more: 400). */
    public static final int MAX_COOKIES = 200;

    private static final Cookies NONE = new Cookies(Map.of());
    private final Map<String, List<String>> cookies;

    private Cookies(Map<String, List<String>> cookies) {
        this.cookies = cookies;
    }

    /**
     * Parses the {@code Cookie} header(s) of {@code request} (several headers are joined with
     * {@code "; "}).
     *
     * @param request the request
     * @return its cookies; empty without a {@code Cookie} header
     * @throws HttpException 400 if a header is malformed
     */
    public static Cookies of(HttpRequest request) {
        List<String> headers = request.headers().all("Cookie");
        if (headers.isEmpty()) {
            return NONE;
        }
        return parse(String.join("; ", headers));
    }

    /**
     * Parses a {@code Cookie} header value.
     *
     * @param header the field value, e.g. {@code "a=1; b=2"}
     * @return its cookies
     * @throws HttpException 400 if it is malformed
     */
    public static Cookies parse(String header) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        int count = 0;
        int i = 0;
        int n = header.length();
        while (i < n) {
            while (i < n && (header.charAt(i) == ' ' || header.charAt(i) == '\t')) {
                i++;
            }
            int end = header.indexOf(';', i);
            if (end < 0) {
                end = n;
            }
            String pair = header.substring(i, end).stripTrailing();
            if (pair.isEmpty()) {
                if (end == n && i > 0) {
                    break; // a trailing "; " is harmless
                }
                throw new HttpException(400, "malformed Cookie header: empty cookie-pair at offset " + i);
            }
            int eq = pair.indexOf('=');
            if (eq < 0) {
                throw new HttpException(400, "malformed Cookie header: cookie-pair '" + pair + "' has no '='");
            }
            String name = pair.substring(0, eq);
            if (name.isEmpty()) {
                throw new HttpException(400, "malformed Cookie header: cookie-pair '" + pair + "' has an empty name");
            }
            int bad = SetCookie.firstNonToken(name);
            if (bad >= 0) {
                throw new HttpException(400, "malformed Cookie header: invalid character " + describe(name.charAt(bad))
                        + " in cookie name '" + name + "'");
            }
            String value = pair.substring(eq + 1);
            if (value.length() >= 2 && value.charAt(0) == '"' && value.charAt(value.length() - 1) == '"') {
                value = value.substring(1, value.length() - 1);
            }
            bad = SetCookie.firstNonCookieOctet(value);
            if (bad >= 0) {
                throw new HttpException(400, "malformed Cookie header: invalid character " + describe(value.charAt(bad))
                        + " in the value of cookie '" + name + "'");
            }
            if (++count > MAX_COOKIES) {
                throw new HttpException(400, "Cookie header has more than " + MAX_COOKIES + " cookies");
            }
            out.computeIfAbsent(name, k -> new ArrayList<>(1)).add(value);
            i = end + 1;
        }
        for (Map.Entry<String, List<String>> e : out.entrySet()) {
            e.setValue(Collections.unmodifiableList(e.getValue()));
        }
        return new Cookies(Collections.unmodifiableMap(out));
    }

    static String describe(char c) {
        return c > 0x20 && c < 0x7f ? "'" + c + "'" : String.format("0x%02x", (int) c);
    }

    /**
     * The value of cookie {@code name}: the first one sent (a browser sends the most specific
     * path first).
     *
     * @param name the cookie name
     * @return its value, or empty if absent
     */
    public Optional<String> get(String name) {
        List<String> v = cookies.get(name);
        return v == null ? Optional.empty() : Optional.of(v.get(0));
    }

    /**
     * Every value sent for {@code name} (several paths or domains may set the same name).
     *
     * @param name the cookie name
     * @return its values in order; empty if absent
     */
    public List<String> all(String name) {
        return cookies.getOrDefault(name, List.of());
    }

    /**
     * The cookie names.
     *
     * @return the distinct names in order
     */
    public Set<String> names() {
        return cookies.keySet();
    }

    @Override
    public String toString() {
        return "Cookies" + cookies.keySet();
    }
}
