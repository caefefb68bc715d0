package io.gevent4j.http;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** The {@code Date} header line, formatted once per second and shared by every connection (thread-safe). */
final class HttpDate {
    private record Cached(long second, byte[] line) {}

    /**
     * RFC 9110 §5.6.7 IMF-fixdate: always two-digit days ({@code 07}), unlike the JDK's
     * {@code RFC_1123_DATE_TIME}, which writes {@code 7}.
     */
    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private static volatile Cached cached = new Cached(-1, new byte[0]);

    private HttpDate() {}

    /** {@code "Thu, 07 Dec 2026 16:00:00 GMT"}: the IMF-fixdate of {@code epochSecond}. */
    static String format(long epochSecond) {
        return IMF_FIXDATE.format(Instant.ofEpochSecond(epochSecond));
    }

    /** {@code "Date: Thu, 26 Nov 2026 16:00:00 GMT\r\n"} for the current second. */
    static byte[] line() {
        long now = System.currentTimeMillis() / 1000;
        Cached c = cached;
        if (c.second != now) {
            String s = "Date: " + format(now) + "\r\n";
            c = new Cached(now, s.getBytes(StandardCharsets.US_ASCII));
            cached = c; // a benign race: two threads may format the same second
        }
        return c.line;
    }
}
