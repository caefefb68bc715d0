package io.gevent4j.web;

import io.gevent4j.http.HttpRequest;
import io.gevent4j.http.HttpResponse;

/**
 * Turns an exception thrown by a route or a filter into a response; registered with
 * {@link Router#exception}. Runs in the request's greenlet, after the handler threw and before
 * the after-filters, only while the response has not started.
 *
 * {@snippet :
 * router.exception(IllegalArgumentException.class, (e, request, response) ->
 *         response.send(422, e.getMessage()));
 * }
 *
 * @param <E> the exception type handled
 */
@FunctionalInterface
public interface ExceptionHandler<E extends Exception> {
    /**
     * Answers {@code request} after {@code exception}.
     *
     * @param exception what the handler or filter threw
     * @param request the request
     * @param response its response, not yet started
     * @throws Exception to give up: the server answers 500 (or closes the connection)
     */
    void handle(E exception, HttpRequest request, HttpResponse response) throws Exception;
}
