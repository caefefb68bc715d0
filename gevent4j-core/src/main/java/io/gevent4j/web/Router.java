package io.gevent4j.web;

import io.gevent4j.http.HttpHandler;
import io.gevent4j.http.HttpRequest;
import io.gevent4j.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * An {@link HttpHandler} that sends each request to the handler registered for its method and
 * path: parameters and wildcards, 404, 405 with {@code Allow}, {@code HEAD} from {@code GET},
 * {@code OPTIONS}, before/after filters, exception mapping and route groups. No annotations and
 * no reflection: routes are lambdas or method references registered in code.
 *
 * <p>Who may call it: register routes from one thread before serving; the router is then
 * read-only (registering after the first request throws {@link IllegalStateException}) and is
 * shared by every connection on every hub. {@link #handle} runs in the connection's greenlet
 * and blocks only as the handlers do. The chosen route's parameters are bound for the handlers
 * and filters through {@link PathParams#of}.
 *
 * <p>Answers of its own: no pattern matches the path: 404; a pattern matches but not for this
 * method: 405 with {@code Allow}; {@code OPTIONS} without an {@code OPTIONS} route: 204 with
 * {@code Allow} ({@code OPTIONS *}: every method of the router); a path with malformed
 * percent-encoding: 400. All are thrown as {@link HttpException}s, so an
 * {@link #exception(Class, ExceptionHandler)} handler for {@code HttpException} may render them.
 *
 * {@snippet :
 * Router router = new Router()
 *         .get("/hello/{name}", (request, response) ->
 *                 response.send(200, "Hello, " + PathParams.of(request).get("name")))
 *         .get("/files/*", staticFiles)                       // any HttpHandler plugs in
 *         .exception(NumberFormatException.class, (e, request, response) ->
 *                 response.send(400, "not a number: " + e.getMessage()));
 * HttpServer.builder(router).listen(":8080").build().serveForever();
 * }
 */
public final class Router implements HttpHandler, Routes {
    /*
     * Implementation overview. Routes are kept in a list sorted by specificity (PathPattern's
     * order): for a request, the first pattern that matches and has the method (HEAD falling back
     * to GET) wins; if patterns match but none has the method, the union of their methods is the
     * 405's Allow. A linear scan over the decoded segments is cheap for the tens of routes of an
     * application and keeps the code small. The lists are written only before the first request
     * (the `serving` flag refuses later writes), so serving reads them without locks; they are
     * published to the hubs by the server's start.
     */

    /** One pattern shape and its handlers by method, in registration order. */
    private static final class Entry {
        final PathPattern shape;
        final Map<String, PathPattern> patterns = new LinkedHashMap<>(); // by method: names may differ
        final Map<String, HttpHandler> handlers = new LinkedHashMap<>();

        Entry(PathPattern shape) {
            this.shape = shape;
        }
    }

    /** A filter and the patterns it applies to (none: every request). */
    private record Filter(List<PathPattern> patterns, HttpHandler handler) {
        boolean applies(String[] decoded) {
            if (patterns.isEmpty()) {
                return true;
            }
            for (PathPattern p : patterns) {
                if (p.matches(decoded)) {
                    return true;
                }
            }
            return false;
        }
    }

    private final List<Entry> entries = new ArrayList<>();
    private final List<Filter> befores = new ArrayList<>();
    private final List<Filter> afters = new ArrayList<>();
    private final Map<Class<? extends Exception>, ExceptionHandler<? extends Exception>> exceptions =
            new LinkedHashMap<>();
    private volatile boolean serving;

    /** An empty router: every request gets a 404 until routes are added. */
    public Router() {}

    // ---------------------------------------------------------------- registration

    @Override
    public Router route(String method, String pattern, HttpHandler handler) {
        checkMethod(method);
        Objects.requireNonNull(handler, "handler");
        PathPattern p = PathPattern.parse(pattern);
        synchronized (entries) {
            checkNotServing();
            Entry e = null;
            for (Entry x : entries) {
                if (x.shape.shape.equals(p.shape)) {
                    e = x;
                    break;
                }
            }
            if (e == null) {
                e = new Entry(p);
                entries.add(e);
                entries.sort((a, b) -> a.shape.compareTo(b.shape)); // stable: equal keys keep their order
            }
            if (e.handlers.containsKey(method)) {
                throw new IllegalArgumentException("a " + method + " route for " + pattern + " is already registered ("
                        + e.patterns.get(method) + ")");
            }
            e.patterns.put(method, p);
            e.handlers.put(method, handler);
        }
        return this;
    }

    @Override
    public Router get(String pattern, HttpHandler handler) {
        return route("GET", pattern, handler);
    }

    @Override
    public Router post(String pattern, HttpHandler handler) {
        return route("POST", pattern, handler);
    }

    @Override
    public Router put(String pattern, HttpHandler handler) {
        return route("PUT", pattern, handler);
    }

    @Override
    public Router patch(String pattern, HttpHandler handler) {
        return route("PATCH", pattern, handler);
    }

    @Override
    public Router delete(String pattern, HttpHandler handler) {
        return route("DELETE", pattern, handler);
    }

    @Override
    public Router head(String pattern, HttpHandler handler) {
        return route("HEAD", pattern, handler);
    }

    @Override
    public Router options(String pattern, HttpHandler handler) {
        return route("OPTIONS", pattern, handler);
    }

    @Override
    public Router before(HttpHandler filter) {
        return addFilter(befores, List.of(), filter);
    }

    @Override
    public Router before(String pattern, HttpHandler filter) {
        return addFilter(befores, List.of(PathPattern.parse(pattern)), filter);
    }

    @Override
    public Router after(HttpHandler filter) {
        return addFilter(afters, List.of(), filter);
    }

    @Override
    public Router after(String pattern, HttpHandler filter) {
        return addFilter(afters, List.of(PathPattern.parse(pattern)), filter);
    }

    @Override
    public Router group(String prefix, Consumer<Routes> routes) {
        Objects.requireNonNull(routes, "routes").accept(new Group(this, checkPrefix(prefix)));
        return this;
    }

    /**
     * Maps exceptions of {@code type} (and its subclasses) thrown by routes and before-filters to
     * a response. The most specific registered type wins (the nearest superclass). Without a
     * handler, an {@link HttpException} is answered with its status and message, and any other
     * exception goes on to the server (a 500). Exceptions thrown after the response started are
     * never mapped: they go on to the server, which closes the connection.
     *
     * @param <E> the exception type
     * @param type the exception class
     * @param handler renders the response
     * @return this, for chaining
     * @throws IllegalArgumentException if {@code type} already has a handler
     */
    public <E extends Exception> Router exception(Class<E> type, ExceptionHandler<? super E> handler) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(handler, "handler");
        synchronized (entries) {
            checkNotServing();
            if (exceptions.putIfAbsent(type, handler) != null) {
                throw new IllegalArgumentException("an exception handler for " + type.getName() + " is already registered");
            }
        }
        return this;
    }

    Router addFilter(List<Filter> to, List<PathPattern> patterns, HttpHandler filter) {
        Objects.requireNonNull(filter, "filter");
        synchronized (entries) {
            checkNotServing();
            to.add(new Filter(patterns, filter));
        }
        return this;
    }

    void addBefore(List<PathPattern> patterns, HttpHandler filter) {
        addFilter(befores, patterns, filter);
    }

    void addAfter(List<PathPattern> patterns, HttpHandler filter) {
        addFilter(afters, patterns, filter);
    }

    private void checkNotServing() {
        if (serving) {
            throw new IllegalStateException("routes, filters and exception handlers must be registered before the "
                    + "router serves its first request");
        }
    }

    static String checkPrefix(String prefix) {
        if (prefix == null || !prefix.startsWith("/") || (prefix.length() > 1 && prefix.endsWith("/"))) {
            throw new IllegalArgumentException("a group prefix starts with '/' and does not end with one: " + prefix);
        }
        PathPattern p = PathPattern.parse(prefix);
        if (p.hasWildcard()) {
            throw new IllegalArgumentException("a group prefix cannot hold a wildcard: " + prefix);
        }
        return prefix.equals("/") ? "" : prefix;
    }

    private static void checkMethod(String method) {
        Objects.requireNonNull(method, "method");
        if (method.isEmpty()) {
            throw new IllegalArgumentException("empty method");
        }
        if (SetCookie.firstNonToken(method) >= 0) {
            throw new IllegalArgumentException("not an HTTP method token: " + method);
        }
    }

    // ---------------------------------------------------------------- serving

    @Override
    public void handle(HttpRequest request, HttpResponse response) throws Exception {
        serving = true;
        String method = request.method();
        if (request.target().equals("*")) {
            if (method.equals("OPTIONS")) {
                response.header("Allow", allowHeader(allMethods()));
                response.status(204);
                return;
            }
            throw new HttpException(400, "the target '*' is only for OPTIONS");
        }
        String path = request.path();
        String[] raw = path.substring(1).split("/", -1);
        String[] decoded = new String[raw.length];
        HttpException bad = null;
        try {
            for (int i = 0; i < raw.length; i++) {
                decoded[i] = Percent.decode(raw[i], false, "the path");
            }
        } catch (HttpException e) {
            bad = e;
        }
        HttpHandler handler = null;
        PathPattern pattern = null;
        Set<String> allowed = null;
        if (bad == null) {
            for (Entry e : entries) {
                if (!e.shape.matches(decoded)) {
                    continue;
                }
                HttpHandler h = e.handlers.get(method);
                String m = method;
                if (h == null && method.equals("HEAD")) {
                    h = e.handlers.get("GET");
                    m = "GET";
                }
                if (h != null) {
                    handler = h;
                    pattern = e.patterns.get(m);
                    break;
                }
                if (allowed == null) {
                    allowed = new LinkedHashSet<>();
                }
                addAllowed(allowed, e.handlers.keySet());
            }
        }
        PathParams params = handler == null ? PathParams.none(request)
                : new PathParams(request, pattern.source, pattern.names, pattern.values(decoded), pattern.wildcard(raw));
        HttpHandler chosen = handler;
        HttpException refusal = bad;
        Set<String> allow = allowed;
        ScopedValue.where(PathParams.CURRENT, params).call(() -> {
            run(request, response, decoded, chosen, refusal, allow);
            return null;
        });
    }

    private void run(HttpRequest request, HttpResponse response, String[] decoded, HttpHandler handler,
                     HttpException refusal, Set<String> allowed) throws Exception {
        try {
            if (refusal != null) {
                throw refusal;
            }
            for (Filter f : befores) { // the path decoded: a refusal was thrown above
                if (f.applies(decoded)) {
                    f.handler().handle(request, response);
                    if (response.isCommitted()) {
                        return;
                    }
                }
            }
            if (handler != null) {
                handler.handle(request, response);
            } else if (allowed == null) {
                throw new HttpException(404, "no route for " + request.path());
            } else if (request.method().equals("OPTIONS")) {
                response.header("Allow", allowHeader(allowed));
                response.status(204);
            } else {
                throw new HttpException(405, "method " + request.method() + " is not allowed for " + request.path(),
                        Map.of("Allow", allowHeader(allowed)), null);
            }
        } catch (Exception e) {
            mapException(e, request, response);
        } finally {
            for (Filter f : afters) {
                if (refusal == null && f.applies(decoded)) {
                    f.handler().handle(request, response);
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private void mapException(Exception e, HttpRequest request, HttpResponse response) throws Exception {
        if (response.isCommitted()) {
            throw e;
        }
        for (Class<?> c = e.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            ExceptionHandler<? extends Exception> h = exceptions.get(c);
            if (h != null) {
                ((ExceptionHandler<Exception>) h).handle(e, request, response);
                return;
            }
        }
        if (e instanceof HttpException http) {
            for (Map.Entry<String, String> h : http.headers().entrySet()) {
                response.header(h.getKey(), h.getValue());
            }
            response.headers().remove("Content-Type");
            response.send(http.status(), http.getMessage() + "\n");
            return;
        }
        throw e;
    }

    private static final List<String> ORDER = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

    /** The methods in a fixed order: the usual ones first, then the others alphabetically. */
    private static String allowHeader(Set<String> methods) {
        List<String> sorted = new ArrayList<>(methods);
        sorted.sort((a, b) -> {
            int ia = ORDER.indexOf(a);
            int ib = ORDER.indexOf(b);
            if (ia >= 0 || ib >= 0) {
                return Integer.compare(ia < 0 ? ORDER.size() : ia, ib < 0 ? ORDER.size() : ib);
            }
            return a.compareTo(b);
        });
        return String.join(", ", sorted);
    }

    private static void addAllowed(Set<String> allowed, Set<String> methods) {
        for (String m : methods) {
            allowed.add(m);
            if (m.equals("GET")) {
                allowed.add("HEAD");
            }
        }
        allowed.add("OPTIONS");
    }

    private Set<String> allMethods() {
        Set<String> all = new LinkedHashSet<>();
        for (Entry e : entries) {
            addAllowed(all, e.handlers.keySet());
        }
        all.add("OPTIONS");
        return all;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("Router[");
        for (Entry e : entries) {
            b.append(b.length() > 7 ? ", " : "").append(e.handlers.keySet()).append(' ').append(e.shape.source);
        }
        return b.append(']').toString();
    }
}
