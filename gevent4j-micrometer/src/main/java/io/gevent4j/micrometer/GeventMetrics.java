package io.gevent4j.micrometer;

import io.gevent4j.Hub;
import io.gevent4j.HubGroup;
import io.gevent4j.http.HttpServer;
import io.gevent4j.management.GeventMBeans;
import io.gevent4j.management.HubMXBean;
import io.gevent4j.management.ServerMXBean;
import io.gevent4j.server.StreamServer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Binds gevent4j's hub and server figures to a Micrometer {@link MeterRegistry}: the same
 * figures as the JMX beans of {@link GeventMBeans} (it reads the same views), as gauges and
 * function counters, so that a Prometheus, OTLP or any other Micrometer registry exports them.
 *
 * <p>Who may call it: any thread. Build it with the hubs and servers to watch, then
 * {@link #bindTo} a registry; the meters read the counters when the registry is scraped and
 * cost the hubs nothing in between. Meters of a hub or server that has ended stay until removed
 * from the registry (they then read its last figures).
 *
 * <p>Meters (tags {@code hub} and {@code id} for a hub, {@code server} for a server):
 * {@code gevent4j.hub.greenlets.live}, {@code gevent4j.hub.run.queue}, {@code gevent4j.hub.timers},
 * {@code gevent4j.hub.selector.keys} (gauges); {@code gevent4j.hub.greenlets.spawned},
 * {@code gevent4j.hub.loop.passes}, {@code gevent4j.hub.selector.wakeups},
 * {@code gevent4j.hub.blocked.reports} (counters); {@code gevent4j.server.connections.active}
 * (gauge); {@code gevent4j.server.connections}, {@code gevent4j.server.connection.errors},
 * {@code gevent4j.server.requests}, {@code gevent4j.server.responses} (tag {@code status}:
 * {@code 2xx}...), {@code gevent4j.server.request.errors},
 * {@code gevent4j.server.requests.refused} (refused before any handler ran; their responses are
 * in {@code gevent4j.server.responses} too), {@code gevent4j.server.response.body},
 * {@code gevent4j.server.bytes.read}, {@code gevent4j.server.bytes.written} (bytes, what the
 * sockets moved) (counters). Errors are counted in total here;
 * their split by exception class is in the JMX bean.
 *
 * {@snippet :
 * PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
 * GeventMetrics.builder().hubs(hubGroup).server(httpServer, "api").build().bindTo(registry);
 * // serve registry.scrape() on /metrics
 * }
 */
public final class GeventMetrics implements MeterBinder {
    private final List<HubMXBean> hubs;
    private final List<ServerMXBean> servers;
    private final List<String> serverNames;

    private GeventMetrics(Builder b) {
        this.hubs = List.copyOf(b.hubs);
        this.servers = List.copyOf(b.servers);
        this.serverNames = List.copyOf(b.serverNames);
    }

    /**
     * A builder with nothing to watch yet.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** What to watch. Not thread-safe; build once. */
    public static final class Builder {
        private final List<HubMXBean> hubs = new ArrayList<>();
        private final List<ServerMXBean> servers = new ArrayList<>();
        private final List<String> serverNames = new ArrayList<>();

        private Builder() {}

        /**
         * Watches one hub.
         *
         * @param hub the hub
         * @return this builder
         */
        public Builder hub(Hub hub) {
            hubs.add(GeventMBeans.hubView(hub));
            return this;
        }

        /**
         * Watches every hub of a group.
         *
         * @param group the hubs
         * @return this builder
         */
        public Builder hubs(HubGroup group) {
            group.hubs().forEach(this::hub);
            return this;
        }

        /**
         * Watches a TCP server.
         *
         * @param server the server
         * @param name its {@code server} tag
         * @return this builder
         */
        public Builder server(StreamServer server, String name) {
            servers.add(GeventMBeans.serverView(server, Objects.requireNonNull(name, "name")));
            serverNames.add(name);
            return this;
        }

        /**
         * Watches an HTTP server (its TCP and HTTP figures).
         *
         * @param server the server
         * @param name its {@code server} tag
         * @return this builder
         */
        public Builder server(HttpServer server, String name) {
            servers.add(GeventMBeans.serverView(server, Objects.requireNonNull(name, "name")));
            serverNames.add(name);
            return this;
        }

        /**
         * The binder.
         *
         * @return a binder for the hubs and servers given so far
         */
        public GeventMetrics build() {
            return new GeventMetrics(this);
        }
    }

    /**
     * Registers the meters of every watched hub and server with {@code registry}.
     *
     * @param registry the registry
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        for (HubMXBean h : hubs) {
            Tags t = Tags.of("hub", h.getName(), "id", Integer.toString(h.getId()));
            gauge(registry, "gevent4j.hub.greenlets.live", "greenlets started and not finished", t, h, HubMXBean::getLiveGreenlets);
            gauge(registry, "gevent4j.hub.run.queue", "tasks queued to run", t, h, HubMXBean::getRunQueueLength);
            gauge(registry, "gevent4j.hub.timers", "timers pending", t, h, HubMXBean::getTimers);
            gauge(registry, "gevent4j.hub.selector.keys", "channels registered with the selector", t, h,
                    HubMXBean::getSelectorKeys);
            counter(registry, "gevent4j.hub.greenlets.spawned", "greenlets started", t, h, HubMXBean::getGreenletsSpawned, null);
            counter(registry, "gevent4j.hub.loop.passes", "passes of the loop", t, h, HubMXBean::getLoopPasses, null);
            counter(registry, "gevent4j.hub.selector.wakeups", "wake-ups of the selector by other threads", t, h,
                    HubMXBean::getSelectorWakeups, null);
            counter(registry, "gevent4j.hub.blocked.reports", "blocked-hub reports of the watchdog", t, h,
                    HubMXBean::getBlockedHubReports, null);
        }
        for (int i = 0; i < servers.size(); i++) {
            ServerMXBean s = servers.get(i);
            Tags t = Tags.of("server", serverNames.get(i));
            gauge(registry, "gevent4j.server.connections.active", "connections served now", t, s,
                    ServerMXBean::getActiveConnections);
            counter(registry, "gevent4j.server.connections", "connections served", t, s, ServerMXBean::getConnections, null);
            counter(registry, "gevent4j.server.connection.errors", "connection handlers that threw", t, s,
                    v -> sum(v.getConnectionErrors()), null);
            counter(registry, "gevent4j.server.requests", "HTTP requests handled", t, s, ServerMXBean::getRequests, null);
            counter(registry, "gevent4j.server.requests.refused", "HTTP requests refused before any handler ran", t, s,
                    ServerMXBean::getRefusedRequests, null);
            for (String status : List.of("1xx", "2xx", "3xx", "4xx", "5xx")) {
                counter(registry, "gevent4j.server.responses", "HTTP responses by status class", t.and("status", status), s,
                        v -> v.getResponsesByStatusClass().getOrDefault(status, 0L), null);
            }
            counter(registry, "gevent4j.server.request.errors", "HTTP handlers that threw", t, s,
                    v -> sum(v.getRequestErrors()), null);
            counter(registry, "gevent4j.server.response.body", "HTTP response body bytes written", t, s,
                    ServerMXBean::getResponseBodyBytes, "bytes");
            counter(registry, "gevent4j.server.bytes.read", "bytes read from HTTP connections' sockets", t, s,
                    ServerMXBean::getBytesRead, "bytes");
            counter(registry, "gevent4j.server.bytes.written", "bytes written to HTTP connections' sockets", t, s,
                    ServerMXBean::getBytesWritten, "bytes");
        }
    }

    private static long sum(Map<String, Long> counts) {
        long n = 0;
        for (long c : counts.values()) {
            n += c;
        }
        return n;
    }

    private static <T> void gauge(MeterRegistry r, String name, String help, Tags tags, T view, ToDoubleFunction<T> f) {
        Gauge.builder(name, view, f).description(help).tags(tags).strongReference(true).register(r);
    }

    private static <T> void counter(MeterRegistry r, String name, String help, Tags tags, T view, ToDoubleFunction<T> f,
                                    String unit) {
        FunctionCounter.Builder<T> b = FunctionCounter.builder(name, view, f).description(help).tags(tags);
        if (unit != null) {
            b.baseUnit(unit);
        }
        b.register(r);
    }
}
