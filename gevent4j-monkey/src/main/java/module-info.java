/**
 * gevent4j's opt-in, the peer of gevent's {@code monkey.patch_all()}: this module exports
 * nothing, and its presence installs two JVM-wide providers that the core module
 * {@code io.gevent4j} deliberately does not register. {@code HttpServer.create()} then returns
 * gevent4j's {@code com.sun.net.httpserver} server, and {@code InetAddress} look-ups made inside
 * greenlets go to the hub's resolver. Without this module (or jar), gevent4j changes nothing
 * JVM-wide.
 */
module io.gevent4j.monkey {
    requires io.gevent4j;
    requires jdk.httpserver;

    provides com.sun.net.httpserver.spi.HttpServerProvider with io.gevent4j.monkey.MonkeyHttpServerProvider;
    provides java.net.spi.InetAddressResolverProvider with io.gevent4j.monkey.MonkeyResolverProvider;
}
