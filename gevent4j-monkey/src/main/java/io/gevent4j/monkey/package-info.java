/**
 * gevent's {@code gevent.monkey}, as an explicit opt-in: on the class or module path, this module
 * registers the JDK-wide {@code com.sun.net.httpserver} provider and {@code InetAddress} resolver
 * that run on gevent4j's hubs. Nothing else changes the JVM's globals.
 */
package io.gevent4j.monkey;
