/**
 * Cooperative sockets: gevent's {@code gevent.socket} ({@code socket}, {@code create_connection},
 * {@code wait_read}, {@code wait_write}) and {@code gevent.select}. A blocking call parks the
 * calling greenlet and lets its hub run others; time-outs and {@link io.gevent4j.Timeout}s apply.
 */
package io.gevent4j.socket;
