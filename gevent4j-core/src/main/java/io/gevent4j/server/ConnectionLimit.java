package io.gevent4j.server;

import io.gevent4j.BoundedSemaphore;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * The process-wide connection limit that servers without their own {@code maxConnections}
 * share, derived once from the process's open-file limit (issue 12, point 3): while it is
 * reached, accept loops stop accepting and connections wait in the kernel's backlog, so that
 * running out of descriptors is back-pressure, not "too many open files".
 *
 * <p>Rule: {@code (limit - open - max(64, limit / 8)) / 2}, at least 16, where {@code limit}
 * is the soft RLIMIT_NOFILE and {@code open} the descriptors open when it is first computed.
 * Half, because a socket closed while registered with a selector keeps its descriptor until
 * the hub's next select: in a burst, as many connections may be closing as are open. The
 * system property {@code gevent4j.maxConnections} overrides it; without a Unix MXBean there is
 * no limit.
 */
final class ConnectionLimit {
    static final String PROPERTY = "gevent4j.maxConnections";
    static final int MIN_RESERVE = 64;
    static final int FLOOR = 16;

    private ConnectionLimit() {}

    private static final class Holder {
        static final BoundedSemaphore SHARED = new BoundedSemaphore(compute());
    }

    /** The shared limit: one permit per running handler of every server that shares it. */
    static BoundedSemaphore shared() {
        return Holder.SHARED;
    }

    private static int compute() {
        String configured = System.getProperty(PROPERTY);
        if (configured != null && !configured.isBlank()) {
            try {
                int n = Integer.parseInt(configured.strip());
                if (n > 0) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // fall through to the derived default
            }
            System.getLogger(StreamServer.class.getName()).log(System.Logger.Level.WARNING,
                    "ignoring -D" + PROPERTY + "=" + configured + " (not a positive number)");
        }
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            return derive(unix.getMaxFileDescriptorCount(), unix.getOpenFileDescriptorCount());
        }
        return Integer.MAX_VALUE;
    }

    /** The rule, for a descriptor limit and the descriptors open now. */
    static int derive(long limit, long open) {
        if (limit <= 0 || limit >= Integer.MAX_VALUE) {
            return Integer.MAX_VALUE;
        }
        long reserve = Math.max(MIN_RESERVE, limit / 8);
        long n = (limit - Math.max(0, open) - reserve) / 2;
        return (int) Math.max(FLOOR, Math.min(n, Integer.MAX_VALUE - 1));
    }
}
