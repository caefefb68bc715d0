package io.gevent4j.http;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** The {@code Date} header line, formatted once per second and shared by every connection (thread-safe). */
final class HttpDate {
    private record Cached(long second, byte[] line) {}

    private static volatile Cached cached = new Cached(-1, new byte[0]);

    private HttpDate() {}

    /** {@code "Date: Thu, 26 Nov 2026 16:00:00 GMT\r\n"} for the current second. */
    static byte[] line() {
        long now = System.currentTimeMillis() / 1000;
        Cached c = cached;
        if (c.second != now) {
            String s = "Date: " + DateTimeFormatter.RFC_1123_DATE_TIME.format(
                    Instant.ofEpochSecond(now).atOffset(ZoneOffset.UTC)) + "\r\n";
            c = new Cached(now, s.getBytes(StandardCharsets.US_ASCII));
            cached = c; // a benign race: two threads may format the same second
        }
        return c.line;
    }
}
