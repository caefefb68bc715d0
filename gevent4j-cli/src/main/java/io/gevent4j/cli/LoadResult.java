package io.gevent4j.cli;

import java.time.Duration;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * The outcome of one load run: counts, failures by class, throughput and latency percentiles,
 * as text for people and JSON for machines. Immutable once built (the run's hubs have stopped).
 */
final class LoadResult {
    final LoadSpec spec;
    final long completed;
    final long non2xx;
    final long connectFailures;
    final long receiveFailures;
    final long lengthFailures;
    final long exceptionFailures;
    final long bytesReceived;
    final long connections;
    /** The failures by cause, each with a sample. */
    final Failures why;
    final Histogram latencyMicros;
    final Duration elapsed;
    final boolean hitTimeLimit;
    /** The uncounted warm-up before the run (zero: none) and the requests it sent. */
    final Duration warmup;
    final long warmupRequests;

    LoadResult(LoadSpec spec, LoadGenerator.Counters c, Histogram latencyMicros, Duration elapsed, boolean hitTimeLimit,
               Duration warmup, long warmupRequests) {
        this.spec = spec;
        this.completed = c.completed.sum();
        this.non2xx = c.non2xx.sum();
        this.connectFailures = c.connectFailures.sum();
        this.receiveFailures = c.receiveFailures.sum();
        this.lengthFailures = c.lengthFailures.sum();
        this.exceptionFailures = c.exceptionFailures.sum();
        this.bytesReceived = c.bytesReceived.sum();
        this.connections = c.connections.sum();
        this.why = c.why;
        this.latencyMicros = latencyMicros;
        this.elapsed = elapsed;
        this.hitTimeLimit = hitTimeLimit;
        this.warmup = warmup;
        this.warmupRequests = warmupRequests;
    }

    long failed() {
        return connectFailures + receiveFailures + lengthFailures + exceptionFailures;
    }

    /** Requests neither completed nor failed: in flight when the time limit stopped the run. */
    long unfinished() {
        return spec.requests().map(n -> n - completed - failed()).orElse(0L);
    }

    double seconds() {
        return elapsed.toNanos() / 1e9;
    }

    double requestsPerSecond() {
        return seconds() == 0 ? 0 : completed / seconds();
    }

    /** Latency at {@code percentile} in milliseconds (0 when nothing completed). */
    double latencyMillis(double percentile) {
        return latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getValueAtPercentile(percentile) / 1000.0;
    }

    double maxLatencyMillis() {
        return latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getMaxValue() / 1000.0;
    }

    String url() {
        boolean v6 = spec.host().indexOf(':') >= 0;
        return "http://" + (v6 ? "[" + spec.host() + "]" : spec.host()) + ":" + spec.port() + spec.path();
    }

    String toText() {
        StringBuilder sb = new StringBuilder();
        String conn = spec.keepAlive()
                ? "keep-alive" + (spec.pipeline() > 1 ? ", pipeline " + spec.pipeline() : "")
                : "new connection per request";
        line(sb, "Target", "%s (%s, %s, %s)", url(), spec.method(), spec.http11() ? "HTTP/1.1" : "HTTP/1.0", conn);
        line(sb, "Concurrency", "%d connection%s on %d hub%s", spec.concurrency(), spec.concurrency() == 1 ? "" : "s",
                spec.hubs(), spec.hubs() == 1 ? "" : "s");
        if (warmup.isPositive()) {
            line(sb, "Warm-up", "%s, %d requests before the run (not counted below)", human(warmup), warmupRequests);
        }
        line(sb, "Time taken", "%.3f s%s", seconds(), hitTimeLimit
                ? " (stopped at the time limit of " + human(spec.timeLimit().orElseThrow()) + ")" : "");
        line(sb, "Completed requests", "%d", completed);
        line(sb, "Failed requests", "%d (connect %d, receive %d, length %d, exceptions %d)", failed(),
                connectFailures, receiveFailures, lengthFailures, exceptionFailures);
        if (spec.requests().isPresent()) {
            line(sb, "Unfinished requests", "%d", unfinished());
        }
        line(sb, "Non-2xx responses", "%d%s", non2xx, non2xx == 0 ? "" : " (e.g. " + why.non2xxSample() + ")");
        if (failed() > 0) {
            sb.append("Why requests failed:\n");
            for (Failures.Kind k : Failures.Kind.values()) {
                long n = why.count(k);
                if (n > 0) {
                    sb.append(String.format(Locale.ROOT, "  %-14s %8d   e.g. %s%n", k.label, n, why.sample(k)));
                }
            }
        }
        line(sb, "Connections opened", "%d", connections);
        line(sb, "Requests per second", "%.1f (completed requests / time taken)", requestsPerSecond());
        line(sb, "Transfer rate", "%.1f KiB/s received (%d bytes)", seconds() == 0 ? 0 : bytesReceived / 1024.0 / seconds(),
                bytesReceived);
        line(sb, "Latency (ms)", "p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f  (mean %.2f)",
                latencyMillis(50), latencyMillis(90), latencyMillis(99), latencyMillis(99.9), maxLatencyMillis(),
                latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getMean() / 1000.0);
        return sb.toString();
    }

    private static void line(StringBuilder sb, String label, String format, Object... args) {
        sb.append(String.format(Locale.ROOT, "%-21s", label + ":")).append(String.format(Locale.ROOT, format, args))
                .append('\n');
    }

    String toJson() {
        Json j = new Json().beginObject()
                .name("url").value(url())
                .name("method").value(spec.method())
                .name("http").value(spec.http11() ? "1.1" : "1.0")
                .name("keepAlive").value(spec.keepAlive())
                .name("pipeline").value(spec.pipeline())
                .name("concurrency").value(spec.concurrency())
                .name("hubs").value(spec.hubs())
                .name("warmupSeconds").value(warmup.toNanos() / 1e9, 3)
                .name("warmupRequests").value(warmupRequests)
                .name("seconds").value(seconds(), 6)
                .name("timeLimitHit").value(hitTimeLimit)
                .name("completed").value(completed)
                .name("failed").beginObject()
                .name("total").value(failed())
                .name("connect").value(connectFailures)
                .name("receive").value(receiveFailures)
                .name("length").value(lengthFailures)
                .name("exceptions").value(exceptionFailures)
                .endObject()
                .name("failures").beginObject();
        for (Failures.Kind k : Failures.Kind.values()) {
            j.name(k.jsonName()).beginObject().name("count").value(why.count(k)).name("sample").value(why.sample(k))
                    .endObject();
        }
        return j.name("non2xx").beginObject().name("count").value(non2xx).name("sample").value(why.non2xxSample())
                .endObject()
                .endObject()
                .name("unfinished").value(unfinished())
                .name("non2xx").value(non2xx)
                .name("connections").value(connections)
                .name("requestsPerSecond").value(requestsPerSecond(), 3)
                .name("bytesReceived").value(bytesReceived)
                .name("transferBytesPerSecond").value(seconds() == 0 ? 0 : bytesReceived / seconds(), 1)
                .name("latencyMs").beginObject()
                .name("p50").value(latencyMillis(50), 3)
                .name("p90").value(latencyMillis(90), 3)
                .name("p99").value(latencyMillis(99), 3)
                .name("p99_9").value(latencyMillis(99.9), 3)
                .name("max").value(maxLatencyMillis(), 3)
                .name("mean").value(latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getMean() / 1000.0, 3)
                .endObject()
                .endObject().toString();
    }

    /** {@code 4s}, {@code 1.5s}, {@code 250ms}. */
    static String human(Duration d) {
        long ms = d.toMillis();
        if (ms % 1000 == 0) {
            return ms / 1000 + " s";
        }
        return ms >= 1000 ? String.format(Locale.ROOT, "%.1f s", ms / 1000.0) : ms + " ms";
    }
}
