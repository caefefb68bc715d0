package io.gevent4j.web;

import io.gevent4j.http.HttpHandler;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/** A {@link Router}'s routes under a path prefix ({@link Routes#group}): every pattern is prefixed. */
final class Group implements Routes {
    private final Router router;
    private final String prefix;

    Group(Router router, String prefix) {
        this.router = router;
        this.prefix = prefix;
    }

    /** The group's pattern: {@code ""} is the prefix itself, else the pattern must start with '/'. */
    private String full(String pattern) {
        if (pattern == null || !(pattern.startsWith("/") || (pattern.isEmpty() && !prefix.isEmpty()))) {
            throw new IllegalArgumentException("a route pattern in a group must start with '/' (or be \"\" for the "
                    + "group's own path): " + pattern);
        }
        return prefix + pattern;
    }

    /** The group's own scope: the prefix itself and everything below it. */
    private List<PathPattern> scope() {
        return prefix.isEmpty() ? List.of() : List.of(PathPattern.parse(prefix), PathPattern.parse(prefix + "/*"));
    }

    @Override
    public Routes route(String method, String pattern, HttpHandler handler) {
        router.route(method, full(pattern), handler);
        return this;
    }

    @Override
    public Routes before(HttpHandler filter) {
        router.addBefore(scope(), filter);
        return this;
    }

    @Override
    public Routes before(String pattern, HttpHandler filter) {
        router.addBefore(List.of(PathPattern.parse(full(pattern))), filter);
        return this;
    }

    @Override
    public Routes after(HttpHandler filter) {
        router.addAfter(scope(), filter);
        return this;
    }

    @Override
    public Routes after(String pattern, HttpHandler filter) {
        router.addAfter(List.of(PathPattern.parse(full(pattern))), filter);
        return this;
    }

    @Override
    public Routes group(String sub, Consumer<Routes> routes) {
        Objects.requireNonNull(routes, "routes").accept(new Group(router, prefix + Router.checkPrefix(sub)));
        return this;
    }

    @Override
    public String toString() {
        return "Group[" + prefix + "]";
    }
}
