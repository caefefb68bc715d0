/**
 * A DNS resolver that runs on the hub: gevent's {@code gevent.resolver} (its {@code ares} and
 * {@code dnspython} resolvers) and the module-level {@code gevent.socket.gethostbyname},
 * {@code getaddrinfo} and friends in {@link io.gevent4j.dns.Dns}.
 */
package io.gevent4j.dns;
