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
     * HTTP requests the server refused before any handler ran (a malformed request's 400, 408,
     * 413, 414, 431, 505...), ever (0 for a plain TCP server).
     *
     * @return the count
     */
    long getRefusedRequests();

    /**
     * HTTP responses by status class ({@code 1xx} to {@code 5xx}): those of handled requests
     * and those of refused ones.
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
     * Bytes the HTTP connections read from their sockets, ever (0 for a plain TCP server; under
     * TLS the decrypted bytes).
     *
     * @return bytes
     */
    long getBytesRead();

    /**
     * Bytes the HTTP connections wrote to their sockets, ever: response heads and bodies,
     * refusals included (0 for a plain TCP server; under TLS the bytes before encryption).
     *
     * @return bytes
     */
    long getBytesWritten();

    /**
     * Whether the server accepts connections now.
     *
     * @return true while accepting
     */
    boolean isAccepting();
}
