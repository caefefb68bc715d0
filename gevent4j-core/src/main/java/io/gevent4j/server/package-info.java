/**
 * Servers that run a handler per connection or datagram in its own greenlet: gevent's
 * {@code gevent.server} ({@code StreamServer}, {@code DatagramServer}) and
 * {@code gevent.baseserver}.
 */
package io.gevent4j.server;
