package io.gevent4j.web;

import io.gevent4j.http.HttpRequest;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * The route a {@link Router} chose for a request, and what its pattern captured: the
 * {@code {name}} parameters (percent-decoded) and the rest of the path matched by a final
 * {@code *} (still percent-encoded, as {@link HttpRequest#path()} is).
 *
 * <p>Who may call it: the request's handlers and filters, in its greenlet, while the router runs
 * them; the router binds it with a {@link ScopedValue}, so plain {@code HttpHandler}s (a static
 * file handler, an event stream) read it without any other plumbing. It never blocks.
 *
 * {@snippet :
 * router.get("/users/{id}/files/*", (request, response) -> {
 *     PathParams p = PathParams.of(request);
 *     response.send(200, p.get("id") + " wants " + p.wildcard().orElse(""));
 * });
 * }
 */
public final class PathParams {
    static final ScopedValue<PathParams> CURRENT = ScopedValue.newInstance();
    private static final String[] NONE = new String[0];

    private final HttpRequest request;
    private final String pattern;
    private final String[] names;
    private final String[] values;
    private final String wildcard;

    PathParams(HttpRequest request, String pattern, String[] names, String[] values, String wildcard) {
        this.request = request;
        this.pattern = pattern;
        this.names = names;
        this.values = values;
        this.wildcard = wildcard;
    }

    static PathParams none(HttpRequest request) {
        return new PathParams(request, null, NONE, NONE, null);
    }

    /**
     * The match of {@code request}, which a router is handling in this greenlet.
     *
     * @param request the request passed to the handler
     * @return its route's parameters
     * @throws IllegalStateException if no {@link Router} is handling {@code request} here
     */
    public static PathParams of(HttpRequest request) {
        if (CURRENT.isBound()) {
            PathParams p = CURRENT.get();
            if (p.request == request) {
                return p;
            }
        }
        throw new IllegalStateException("no Router is handling " + request + " in this greenlet");
    }

    /**
     * The value of parameter {@code name}, percent-decoded.
     *
     * @param name a parameter of the route's pattern, without braces
     * @return its value, never empty
     * @throws NoSuchElementException if the pattern has no such parameter (a programming error)
     */
    public String get(String name) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name)) {
                return values[i];
            }
        }
        throw new NoSuchElementException("route " + pattern + " has no parameter {" + name + "}");
    }

    /**
     * Every parameter, in pattern order.
     *
     * @return an unmodifiable map from name to percent-decoded value
     */
    public Map<String, String> asMap() {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            m.put(names[i], values[i]);
        }
        return Collections.unmodifiableMap(m);
    }

    /**
     * What the final {@code *} matched: the rest of the path after the fixed segments, still
     * percent-encoded (decode and check it yourself, e.g. against path traversal), possibly
     * empty.
     *
     * @return the rest of the path, or empty if the pattern has no wildcard or no route matched
     */
    public Optional<String> wildcard() {
        return Optional.ofNullable(wildcard);
    }

    /**
     * The pattern of the route that matched.
     *
     * @return the pattern as registered (with a group's prefix), or empty when no route matched
     *     (a filter running before a 404 or 405)
     */
    public Optional<String> pattern() {
        return Optional.ofNullable(pattern);
    }

    @Override
    public String toString() {
        return "PathParams[" + pattern + " " + asMap() + (wildcard == null ? "" : " *=" + wildcard) + "]";
    }
}
