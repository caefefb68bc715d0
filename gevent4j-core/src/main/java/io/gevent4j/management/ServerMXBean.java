package io.gevent4j.management;

import java.util.Map;

/**
 * A server's figures as a JMX MXBean ({@code io.gevent4j:type=Server,name=...}): what
 * {@link io.gevent4j.server.StreamServer#stats()} and, for an HTTP server,
 * {@link io.gevent4j.http.HttpServer#stats()} count (zero where a figure does not apply).
 * Registered only by {@link GeventMBeans}.
 */
public interface ServerMXBean {
    /**
     * The server's name and kind.
     *
     * @return e.g. {@code hello (http)}
     */
    String getName();

    /**
     * The bound address, or empty before the server started.
     *
     * @return {@code host:port}
     */
    String getAddress();

    /**
     * Connections served now.
     *
     * @return the count
     */
    int getActiveConnections();

    /**
     * Connections served, ever.
     *
     * @return the count
     */
    long getConnections();

    /**
     * Connection handlers that threw, by exception class.
     *
     * @return class name to count
     */
    Map<String, Long> getConnectionErrors();

    /**
     * HTTP requests a handler ran for, ever (0 for a plain TCP server).
     *
     * @return the count
     */
    long getRequests();

    /**
     * HTTP responses by status class ({@code 1xx} to {@code 5xx}).
     *
     * @return status class to count
     */
    Map<String, Long> getResponsesByStatusClass();

    /**
     * HTTP handlers that threw, by exception class.
     *
     * @return class name to count
     */
    Map<String, Long> getRequestErrors();

    /**
     * HTTP response body bytes written by handlers, ever.
     *
     * @return bytes
     */
    long getResponseBodyBytes();

    /**
     * Whether the server accepts connections now.
     *
     * @return true while accepting
     */
    boolean isAccepting();
}
