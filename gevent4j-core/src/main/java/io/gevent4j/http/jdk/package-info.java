/**
 * Runs {@code com.sun.net.httpserver} handlers on gevent4j's HTTP server. gevent has no
 * counterpart: it is what {@code gevent.monkey.patch_all()} gives a program that uses Python's
 * {@code http.server}, as an explicit provider (installed JVM-wide only by the opt-in
 * {@code gevent4j-monkey} module).
 */
package io.gevent4j.http.jdk;
