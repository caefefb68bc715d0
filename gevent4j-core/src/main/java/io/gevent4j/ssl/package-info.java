/**
 * TLS over cooperative sockets: gevent's {@code gevent.ssl} ({@code SSLSocket},
 * {@code wrap_socket}), on the JDK's {@link javax.net.ssl.SSLEngine}.
 */
package io.gevent4j.ssl;
