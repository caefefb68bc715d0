package io.gevent4j.cli;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Why requests failed, by cause, with the first sample of each: the breakdown {@code bench}
 * prints under its totals. Any thread may count; a count and its sample are not updated
 * together (the sample is the first one recorded, the count is exact).
 */
final class Failures {

    /** The causes, in the order the report lists them. */
    enum Kind {
        /** The connection was refused (nothing listens, or the listen backlog is full). */
        REFUSED("refused"),
        /** A connect that failed otherwise (unreachable, no route...). */
        CONNECT_ERROR("connect error"),
        /** A connect, write or response that took longer than {@code --timeout}. */
        TIMEOUT("time-out"),
        /** The peer reset the connection (or a write found it closed: broken pipe). */
        RESET("reset"),
        /** The connection ended before the response was complete. */
        CLOSED("closed early"),
        /** The response is not HTTP/1.x as the reader understands it. */
        BAD_RESPONSE("bad response"),
        /** A 2xx body whose length differs from the first 2xx body's (ab's "length" failure). */
        LENGTH("length"),
        /** Any other I/O error. */
        OTHER("other error");

        final String label;

        Kind(String label) {
            this.label = label;
        }

        /** The JSON field name: {@code connectError}, {@code badResponse}... */
        String jsonName() {
            String[] parts = name().toLowerCase(Locale.ROOT).split("_");
            StringBuilder sb = new StringBuilder(parts[0]);
            for (int i = 1; i < parts.length; i++) {
                sb.append(Character.toUpperCase(parts[i].charAt(0))).append(parts[i].substring(1));
            }
            return sb.toString();
        }
    }

    private final Map<Kind, LongAdder> counts = new EnumMap<>(Kind.class);
    private final AtomicReferenceArray<String> samples = new AtomicReferenceArray<>(Kind.values().length);
    private final LongAdder non2xx = new LongAdder();
    private volatile String non2xxSample;

    Failures() {
        for (Kind k : Kind.values()) {
            counts.put(k, new LongAdder());
        }
    }

    /** Counts {@code n} failed requests of kind {@code k}; {@code sample} is kept if it is the first. */
    void add(Kind k, long n, String sample) {
        counts.get(k).add(n);
        samples.compareAndSet(k.ordinal(), null, sample);
    }

    /** Counts {@code n} failed requests for this exception (classified by {@link #classify}). */
    void add(IOException e, long n) {
        add(classify(e), n, Main.describe(e));
    }

    /** Counts a completed non-2xx response; the first one's status is the sample. */
    void non2xx(int status) {
        non2xx.increment();
        if (non2xxSample == null) {
            non2xxSample = "status " + status;
        }
    }

    long count(Kind k) {
        return counts.get(k).sum();
    }

    /** The first sample of kind {@code k}, or null if none was counted. */
    String sample(Kind k) {
        return samples.get(k.ordinal());
    }

    long non2xxCount() {
        return non2xx.sum();
    }

    String non2xxSample() {
        return non2xxSample;
    }

    /** The cause of an I/O error, from its type and (for the JDK's untyped errors) its message. */
    static Kind classify(IOException e) {
        if (e instanceof ResponseReader.MalformedResponse) {
            return Kind.BAD_RESPONSE;
        }
        if (e instanceof SocketTimeoutException) {
            return Kind.TIMEOUT;
        }
        if (e instanceof EOFException) {
            return Kind.CLOSED;
        }
        String m = String.valueOf(Main.describe(e)).toLowerCase(Locale.ROOT);
        if (m.contains("refused")) {
            return Kind.REFUSED;
        }
        if (m.contains("reset") || m.contains("broken pipe")) {
            return Kind.RESET;
        }
        if (e instanceof java.net.ConnectException || e instanceof java.net.NoRouteToHostException) {
            return Kind.CONNECT_ERROR;
        }
        return Kind.OTHER;
    }
}
