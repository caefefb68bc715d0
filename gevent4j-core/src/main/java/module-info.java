/**
 * gevent4j: gevent's programming model on Java 25. Greenlets are virtual threads scheduled by
 * their {@link io.gevent4j.Hub}, one event loop per hub.
 *
 * <p>Only API packages are exported. The library needs the JVM flag
 * {@code --add-opens java.base/java.lang=io.gevent4j} on the module path, or
 * {@code --add-opens java.base/java.lang=ALL-UNNAMED} on the class path.
 * The engine is deliberately not exported: {@code io.gevent4j.internal} (strands, waiters, wait
 * lists, timers, the clock, the loop and its I/O handler, the virtual-thread bridge) and
 * {@code io.gevent4j.internal.io} (readiness waits on channels). Every package of the library
 * waits through it; it imports none of them.
 *
 * <p>Being on the class or module path changes no JVM-wide behaviour: the module provides no
 * services. The {@code com.sun.net.httpserver} provider and the {@code InetAddress} resolver are
 * installed by the separate module {@code io.gevent4j.monkey} (gevent's {@code monkey}).
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
    exports io.gevent4j.web;

    requires org.dnsjava;

    // No `provides`: the module changes nothing JVM-wide by being present. The JDK-wide
    // HttpServerProvider and InetAddressResolverProvider are registered by io.gevent4j.monkey
    // (artifact gevent4j-monkey), the opt-in.
}
