package io.gevent4j.http;

/**
 * What an {@link HttpServer} runs for each request, in the connection's greenlet: plain
 * blocking code (reading the body or writing the response parks the greenlet, not the hub).
 *
 * {@snippet :
 * HttpHandler hello = (request, response) -> response.send(200, "Hello, " + request.path());
 * }
 */
@FunctionalInterface
public interface HttpHandler {
    /**
     * Answers {@code request} through {@code response}. Returning without sending anything
     * sends the response's status with an empty body. An exception before the response started
     * becomes a 500 (the connection goes on); after it started, the connection is closed.
     */
    void handle(HttpRequest request, HttpResponse response) throws Exception;
}
