package io.gevent4j.web;

import io.gevent4j.http.HttpHandler;
import java.util.function.Consumer;

/**
 * Where routes and filters are registered: a {@link Router}, or a group of it under a path
 * prefix ({@link #group}). Registration happens before the server starts, from one thread; the
 * router is then read-only and may serve any number of hubs.
 *
 * <p>Patterns: {@code /users/{id}} (a parameter: one non-empty segment, percent-decoded),
 * {@code /files/*} (a final wildcard: the rest of the path, possibly empty), literal segments
 * compared with the request's percent-decoded segments. The most specific pattern wins, segment by
 * segment (literal, then parameter, then wildcard), whatever the order of registration. A
 * trailing slash is significant ({@code /a} and {@code /a/} are two paths).
 *
 * {@snippet :
 * Router router = new Router();
 * router.get("/", (request, response) -> response.send(200, "home"));
 * router.group("/api", api -> {
 *     api.before((request, response) -> requireToken(request));
 *     api.get("/users/{id}", users::show);
 *     api.post("/users", users::create);
 * });
 * }
 */
public interface Routes {
    /**
     * Registers {@code handler} for {@code method} requests whose path matches {@code pattern}.
     *
     * @param method an HTTP method token, e.g. {@code GET} (case-sensitive, as in HTTP)
     * @param pattern a path pattern starting with {@code /}
     * @param handler the handler; any {@link HttpHandler} (a static-file handler, an event stream...)
     * @return this, for chaining
     * @throws IllegalArgumentException if the pattern or method is malformed, or the same method
     *     is already registered for a pattern of the same shape
     */
    Routes route(String method, String pattern, HttpHandler handler);

    /**
     * Registers a filter run before the route of every request under this group (or every
     * request of the router, 404 and 405 included). A filter that commits the response (sends it)
     * ends the request there: later before-filters and the route are skipped; throwing an
     * {@link HttpException} does the same with its status.
     *
     * @param filter the filter
     * @return this, for chaining
     */
    Routes before(HttpHandler filter);

    /**
     * Registers a filter run before the route of requests whose path matches {@code pattern}.
     *
     * @param pattern a path pattern, as for routes
     * @param filter the filter
     * @return this, for chaining
     * @throws IllegalArgumentException if the pattern is malformed
     */
    Routes before(String pattern, HttpHandler filter);

    /**
     * Registers a filter run after the route (and after exception mapping), even when the route
     * threw; for logging, metrics, or headers when the response has not started.
     *
     * @param filter the filter
     * @return this, for chaining
     */
    Routes after(HttpHandler filter);

    /**
     * Registers an after-filter for requests whose path matches {@code pattern}.
     *
     * @param pattern a path pattern, as for routes
     * @param filter the filter
     * @return this, for chaining
     * @throws IllegalArgumentException if the pattern is malformed
     */
    Routes after(String pattern, HttpHandler filter);

    /**
     * Registers the routes and filters that {@code routes} adds under {@code prefix}: a route
     * {@code /users} in group {@code /api} is {@code /api/users}, a route {@code ""} is
     * {@code /api} itself; a group's filters without a pattern apply to {@code prefix} and
     * everything below it.
     *
     * @param prefix a path starting with {@code /}, without a trailing slash; it may hold
     *     parameters ({@code /users/{id}})
     * @param routes adds the group's routes
     * @return this, for chaining
     * @throws IllegalArgumentException if the prefix is malformed
     */
    Routes group(String prefix, Consumer<Routes> routes);

    /**
     * Registers a {@code GET} route; {@code HEAD} requests use it too unless a {@code HEAD}
     * route is registered (the server sends no body for HEAD).
     *
     * @param pattern a path pattern
     * @param handler the handler
     * @return this, for chaining
     */
    default Routes get(String pattern, HttpHandler handler) {
        return route("GET", pattern, handler);
    }

    /**
     * Registers a {@code POST} route.
     *
     * @param pattern a path pattern
     * @param handler the handler
     * @return this, for chaining
     */
    default Routes post(String pattern, HttpHandler handler) {
        return route("POST", pattern, handler);
    }

    /**
     * Registers a {@code PUT} route.
     *
     * @param pattern a path pattern
     * @param handler the handler
     * @return this, for chaining
     */
    default Routes put(String pattern, HttpHandler handler) {
        return route("PUT", pattern, handler);
    }

    /**
     * Registers a {@code PATCH} route.
     *
     * @param pattern a path pattern
     * @param handler the handler
     * @return this, for chaining
     */
    default Routes patch(String pattern, HttpHandler handler) {
        return route("PATCH", pattern, handler);
    }

    /**
     * Registers a {@code DELETE} route.
     *
     * @param pattern a path pattern
     * @param handler the handler
     * @return this, for chaining
     */
    default Routes delete(String pattern, HttpHandler handler) {
        return route("DELETE", pattern, handler);
    }

    /**
     * Registers a {@code HEAD} route (without it, {@code HEAD} uses the {@code GET} route).
     *
     * @param pattern a path pattern
     * @param handler the handler
     * @return this, for chaining
     */
    default Routes head(String pattern, HttpHandler handler) {
        return route("HEAD", pattern, handler);
    }

    /**
     * Registers an {@code OPTIONS} route (without it, {@code OPTIONS} is answered 204 with
     * {@code Allow}).
     *
     * @param pattern a path pattern
     * @param handler the handler
     * @return this, for chaining
     */
    default Routes options(String pattern, HttpHandler handler) {
        return route("OPTIONS", pattern, handler);
    }
}
