/**
 * gevent4j: gevent's programming model on Java 25. Greenlets are virtual threads scheduled by
 * their {@link io.gevent4j.Hub}, one event loop per hub.
 *
 * <p>Only API packages are exported. The library needs the JVM flag
 * {@code --add-opens java.base/java.lang=io.gevent4j} on the module path, or
 * {@code --add-opens java.base/java.lang=ALL-UNNAMED} on the class path.
 * {@code io.gevent4j.internal} (the bridge from the I/O packages to the core's wait mechanism)
 * is deliberately not exported.
 */
module io.gevent4j {
    requires jdk.jfr;
    requires jdk.management;
    requires jdk.httpserver;

    exports io.gevent4j;
    exports io.gevent4j.socket;
    exports io.gevent4j.dns;
    exports io.gevent4j.ssl;
    exports io.gevent4j.server;
    exports io.gevent4j.http;
    exports io.gevent4j.http.jdk;

    requires org.dnsjava;

    provides java.net.spi.InetAddressResolverProvider with io.gevent4j.dns.HubInetAddressResolverProvider;
    provides com.sun.net.httpserver.spi.HttpServerProvider with io.gevent4j.http.jdk.GeventHttpServerProvider;
}
