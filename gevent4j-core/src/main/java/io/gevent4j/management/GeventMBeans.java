package io.gevent4j.management;

import io.gevent4j.Hub;
import io.gevent4j.HubGroup;
import io.gevent4j.http.HttpServer;
import io.gevent4j.server.StreamServer;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Publishes hubs and servers as JMX MXBeans, so that {@code jconsole}, {@code jcmd}, VisualVM
 * or any JMX exporter (Prometheus' {@code jmx_exporter}) read their figures. Nothing is
 * registered unless this class is called: being on the class path changes nothing JVM-wide.
 *
 * <p>Who may call it: any thread; registering takes no lock of a hub and never waits for one.
 * The beans read the same counters as {@link Hub#stats()}, {@link StreamServer#stats()} and
 * {@link HttpServer#stats()} when a JMX client asks; a hub or server pays nothing for being
 * registered. A bean outlives its hub or server until {@link Registration#close()} (a
 * terminated hub reports {@code Terminated = true}).
 *
 * <p>Names: {@code io.gevent4j:type=Hub,name="<hub name>",id=<id>} and
 * {@code io.gevent4j:type=Server,name="<name>"}. The views without JMX ({@link #hubView},
 * {@link #serverView}) are what the {@code gevent4j-micrometer} module binds.
 *
 * {@snippet :
 * try (HubGroup hubs = HubGroup.start(4);
 *      GeventMBeans.Registration jmx = GeventMBeans.register(hubs)) {
 *     HttpServer server = HttpServer.builder(handler).hubs(hubs).listen("127.0.0.1:8080").build().start();
 *     try (GeventMBeans.Registration s = GeventMBeans.register(server, "api")) {
 *         server.serveForever();
 *     }
 * }
 * }
 */
public final class GeventMBeans {
    /** The JMX domain of every gevent4j bean. */
    public static final String DOMAIN = "io.gevent4j";

    private GeventMBeans() {}

    /** What was registered; {@link #close()} unregisters it (idempotent). */
    public static final class Registration implements AutoCloseable {
        private final MBeanServer server;
        private final List<ObjectName> names;

        private Registration(MBeanServer server, List<ObjectName> names) {
            this.server = server;
            this.names = List.copyOf(names);
        }

        /**
         * The names registered.
         *
         * @return the object names, in registration order
         */
        public List<ObjectName> names() {
            return names;
        }

        /** Unregisters every bean of this registration that is still registered. */
        @Override
        public void close() {
            for (ObjectName n : names) {
                try {
                    if (server.isRegistered(n)) {
                        server.unregisterMBean(n);
                    }
                } catch (JMException e) {
                    throw new IllegalStateException("cannot unregister " + n + ": " + e.getMessage(), e);
                }
            }
        }
    }

    /**
     * Registers {@code hub} with the platform MBean server.
     *
     * @param hub the hub
     * @return the registration, to close when the hub is no longer wanted in JMX
     * @throws IllegalStateException if a bean of the same name is registered already
     */
    public static Registration register(Hub hub) {
        return registerAll(List.of(hubName(hub)), List.of(hubView(hub)));
    }

    /**
     * Registers every hub of {@code group}.
     *
     * @param group the hubs
     * @return one registration for all of them
     * @throws IllegalStateException if a bean of the same name is registered already
     */
    public static Registration register(HubGroup group) {
        List<ObjectName> names = new ArrayList<>();
        List<Object> beans = new ArrayList<>();
        for (Hub h : group.hubs()) {
            names.add(hubName(h));
            beans.add(hubView(h));
        }
        return registerAll(names, beans);
    }

    /**
     * Registers a TCP server under {@code name}.
     *
     * @param server the server
     * @param name the name in its object name (e.g. what was given to its builder)
     * @return the registration
     * @throws IllegalStateException if a bean of the same name is registered already
     */
    public static Registration register(StreamServer server, String name) {
        return registerAll(List.of(serverName(name)), List.of(serverView(server, name)));
    }

    /**
     * Registers an HTTP server under {@code name}: its TCP figures and its HTTP figures in one bean.
     *
     * @param server the server
     * @param name the name in its object name
     * @return the registration
     * @throws IllegalStateException if a bean of the same name is registered already
     */
    public static Registration register(HttpServer server, String name) {
        return registerAll(List.of(serverName(name)), List.of(serverView(server, name)));
    }

    /**
     * The object name of a hub's bean.
     *
     * @param hub the hub
     * @return {@code io.gevent4j:type=Hub,name="...",id=N}
     */
    public static ObjectName hubName(Hub hub) {
        return objectName("type=Hub,name=" + ObjectName.quote(hub.name()) + ",id=" + hub.id());
    }

    /**
     * The object name of a server's bean.
     *
     * @param name the server's name
     * @return {@code io.gevent4j:type=Server,name="..."}
     */
    public static ObjectName serverName(String name) {
        return objectName("type=Server,name=" + ObjectName.quote(Objects.requireNonNull(name, "name")));
    }

    /**
     * A live view of a hub's figures, without JMX.
     *
     * @param hub the hub
     * @return a view that reads the hub's counters on every call
     */
    public static HubMXBean hubView(Hub hub) {
        return new HubView(Objects.requireNonNull(hub, "hub"));
    }

    /**
     * A live view of a TCP server's figures, without JMX (the HTTP figures are zero).
     *
     * @param server the server
     * @param name its name
     * @return a view that reads the server's counters on every call
     */
    public static ServerMXBean serverView(StreamServer server, String name) {
        return new ServerView(Objects.requireNonNull(server, "server"), null, name + " (tcp)");
    }

    /**
     * A live view of an HTTP server's figures, without JMX.
     *
     * @param server the server
     * @param name its name
     * @return a view that reads the server's counters on every call
     */
    public static ServerMXBean serverView(HttpServer server, String name) {
        return new ServerView(server.streamServer(), server, name + " (http)");
    }

    private static ObjectName objectName(String keys) {
        try {
            return new ObjectName(DOMAIN + ":" + keys);
        } catch (javax.management.MalformedObjectNameException e) {
            throw new IllegalArgumentException("not a valid JMX name: " + keys + ": " + e.getMessage(), e);
        }
    }

    private static Registration registerAll(List<ObjectName> names, List<?> beans) {
        MBeanServer mbs = ManagementFactory.getPlatformMBeanServer();
        List<ObjectName> done = new ArrayList<>();
        try {
            for (int i = 0; i < names.size(); i++) {
                mbs.registerMBean(beans.get(i), names.get(i));
                done.add(names.get(i));
            }
        } catch (JMException e) {
            new Registration(mbs, done).close();
            throw new IllegalStateException("cannot register " + names.get(done.size()) + ": " + e.getMessage()
                    + " (close the earlier registration of that name first)", e);
        }
        return new Registration(mbs, done);
    }

    /** A hub's figures from {@link Hub#stats()} and {@link Hub#blockedReports()}. */
    private record HubView(Hub hub) implements HubMXBean {
        @Override
        public String getName() {
            return hub.name();
        }

        @Override
        public int getId() {
            return hub.id();
        }

        @Override
        public int getLiveGreenlets() {
            return hub.stats().live();
        }

        @Override
        public long getGreenletsSpawned() {
            return hub.stats().spawned();
        }

        @Override
        public long getGreenletsFinished() {
            return hub.stats().finished();
        }

        @Override
        public int getRunQueueLength() {
            return hub.stats().runnable();
        }

        @Override
        public int getTimers() {
            return hub.stats().timers();
        }

        @Override
        public long getLoopPasses() {
            return hub.stats().loopIterations();
        }

        @Override
        public long getSlices() {
            return hub.stats().slices();
        }

        @Override
        public int getSelectorKeys() {
            return hub.stats().selectorKeys();
        }

        @Override
        public long getCrossThreadTasks() {
            return hub.stats().crossThreadTasks();
        }

        @Override
        public long getSelectorWakeups() {
            return hub.stats().selectorWakeups();
        }

        @Override
        public long getBlockedHubReports() {
            return hub.blockedReports();
        }

        @Override
        public double getLongestSliceMillis() {
            return hub.stats().longestSlice().toNanos() / 1e6;
        }

        @Override
        public boolean isTerminated() {
            return hub.isTerminated();
        }
    }

    /** A server's figures from {@link StreamServer#stats()} and, for HTTP, {@link HttpServer#stats()}. */
    private record ServerView(StreamServer tcp, HttpServer http, String name) implements ServerMXBean {
        @Override
        public String getName() {
            return name;
        }

        @Override
        public String getAddress() {
            try {
                var a = tcp.address();
                return a.getHostString() + ":" + a.getPort();
            } catch (IllegalStateException notStarted) {
                return "";
            }
        }

        @Override
        public int getActiveConnections() {
            return tcp.activeConnections();
        }

        @Override
        public long getConnections() {
            return tcp.stats().connections();
        }

        @Override
        public Map<String, Long> getConnectionErrors() {
            return tcp.stats().errors();
        }

        @Override
        public long getRequests() {
            return http == null ? 0 : http.stats().requests();
        }

        @Override
        public long getRefusedRequests() {
            return http == null ? 0 : http.stats().refused();
        }

        @Override
        public Map<String, Long> getResponsesByStatusClass() {
            return http == null ? Map.of() : http.stats().responsesByStatusClass();
        }

        @Override
        public Map<String, Long> getRequestErrors() {
            return http == null ? Map.of() : http.stats().errors();
        }

        @Override
        public long getResponseBodyBytes() {
            return http == null ? 0 : http.stats().bodyBytes();
        }

        @Override
        public long getBytesRead() {
            return http == null ? 0 : http.stats().bytesRead();
        }

        @Override
        public long getBytesWritten() {
            return http == null ? 0 : http.stats().bytesWritten();
        }

        @Override
        public boolean isAccepting() {
            return tcp.isAccepting();
        }
    }
}
