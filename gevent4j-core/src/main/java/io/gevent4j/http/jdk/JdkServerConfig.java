package io.gevent4j.http.jdk;

import java.time.Duration;

/**
 * The JDK server's {@code sun.net.httpserver.*} (and {@code jdk.httpserver.*}) system
 * properties, read once at class initialisation as the JDK's own {@code ServerConfig} does, with
 * the JDK 25 defaults and rules for out-of-range values, and mapped onto the gevent4j server's
 * settings. The README's "JDK HttpServer provider" section lists each property and what it
 * becomes here.
 */
final class JdkServerConfig {
    /** The largest header section taken for "no limit" (the buffer grows only as far as a head needs). */
    static final int UNLIMITED_HEADER_BYTES = 64 * 1024 * 1024;

    /** The system properties as they were when this class was initialised (the JDK reads them once too). */
    static final JdkServerConfig SYSTEM = from(System::getProperty);

    /** {@code sun.net.httpserver.idleInterval} (s; default 30; zero or less: 30): keep-alive idle time-out. */
    final Duration idleInterval;
    /** {@code sun.net.httpserver.maxIdleConnections} (default 200; zero or less: none kept). */
    final int maxIdleConnections;
    /** {@code sun.net.httpserver.maxReqTime} (s; zero or less: none, null here): reading a request head and body. */
    final Duration maxReqTime;
    /** {@code sun.net.httpserver.maxRspTime} (s; zero or less: none, null here): from the handler's start to the response sent. */
    final Duration maxRspTime;
    /** {@code sun.net.httpserver.maxReqHeaders} (default 200; zero or less: 200). */
    final int maxReqHeaders;
    /** {@code sun.net.httpserver.maxReqHeaderSize} (bytes; default 380 KiB; zero or less: no limit). */
    final int maxReqHeaderSize;
    /** {@code sun.net.httpserver.drainAmount} (bytes; default 64 KiB): unread request body drained for keep-alive. */
    final long drainAmount;
    /** {@code jdk.httpserver.maxConnections} (default: none; zero or less: none). */
    final int maxConnections;
    /** {@code sun.net.httpserver.clockTick} (ms; default 10000; zero or less: 10000): the JDK's idle sweep period. */
    final Duration clockTick;

    private JdkServerConfig(java.util.function.UnaryOperator<String> props) {
        long idle = number(props, "sun.net.httpserver.idleInterval", 30);
        idleInterval = Duration.ofSeconds(idle > 0 && idle < Long.MAX_VALUE / 1000 ? idle : 30);
        maxIdleConnections = integer(props, "sun.net.httpserver.maxIdleConnections", 200);
        maxReqTime = seconds(number(props, "sun.net.httpserver.maxReqTime", -1));
        maxRspTime = seconds(number(props, "sun.net.httpserver.maxRspTime", -1));
        int headers = integer(props, "sun.net.httpserver.maxReqHeaders", 200);
        maxReqHeaders = headers > 0 ? headers : 200;
        int size = integer(props, "sun.net.httpserver.maxReqHeaderSize", 380 * 1024);
        maxReqHeaderSize = size > 0 ? Math.min(size, UNLIMITED_HEADER_BYTES) : UNLIMITED_HEADER_BYTES;
        drainAmount = Math.max(0, number(props, "sun.net.httpserver.drainAmount", 64 * 1024));
        maxConnections = integer(props, "jdk.httpserver.maxConnections", -1);
        long tick = number(props, "sun.net.httpserver.clockTick", 10_000);
        clockTick = Duration.ofMillis(tick > 0 ? tick : 10_000);
    }

    /** Reads the settings from {@code props} (a property name to its value, or null). */
    static JdkServerConfig from(java.util.function.UnaryOperator<String> props) {
        return new JdkServerConfig(props);
    }

    /** As {@code Long.getLong}: a missing or malformed value is the default. */
    private static long number(java.util.function.UnaryOperator<String> props, String name, long def) {
        String v = props.apply(name);
        try {
            return v == null ? def : Long.decode(v);
        } catch (NumberFormatException e) {
            return def;
        }
    }

    /** As {@code Integer.getInteger}: a missing or malformed value is the default. */
    private static int integer(java.util.function.UnaryOperator<String> props, String name, int def) {
        String v = props.apply(name);
        try {
            return v == null ? def : Integer.decode(v);
        } catch (NumberFormatException e) {
            return def;
        }
    }

    /** The JDK's rule: zero, negative or overflowing seconds mean no limit. */
    private static Duration seconds(long s) {
        return s > 0 && s < Long.MAX_VALUE / 1000 ? Duration.ofSeconds(s) : null;
    }

    /** Applies the settings to a server being built for the provider. */
    void apply(io.gevent4j.http.HttpServer.Builder b) {
        // The JDK closes a new connection that sends nothing once it has been silent for
        // min(idleInterval, maxReqTime), at its next idle sweep (every clockTick): on average half
        // a tick later. The core has one idle time-out for first and keep-alive waits, so with
        // maxReqTime set it takes that average for both (first byte and keep-alive).
        Duration idle = idleInterval;
        if (maxReqTime != null) {
            Duration sweep = maxReqTime.plus(clockTick.dividedBy(2));
            idle = sweep.compareTo(idleInterval) < 0 ? sweep : idleInterval;
        }
        b.requireHost(false) // the JDK's server accepts HTTP/1.1 without Host
                .idleTimeout(idle)
                .firstByteTimeout(idle) // the JDK sweeps new and idle connections alike
                .maxIdleConnections(maxIdleConnections)
                .maxHeaders(maxReqHeaders)
                .maxHeaderBytes(maxReqHeaderSize)
                // The JDK keeps the connection only if the unread body ends within drainAmount
                // bytes (strictly fewer: it skips drainAmount bytes, then needs to see the end);
                // the core keeps it if the body is at most maxDrainBytes long.
                .maxDrainBytes(Math.max(0, drainAmount - 1));
        if (maxReqTime != null) {
            b.headerTimeout(maxReqTime).bodyTimeout(maxReqTime);
        }
        if (maxRspTime != null) {
            b.writeTimeout(maxRspTime); // each write; the whole response is bounded in Contexts.dispatch
        }
        if (maxConnections > 0) {
            b.maxConnections(maxConnections);
        }
    }
}
