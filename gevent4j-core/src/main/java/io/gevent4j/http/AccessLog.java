package io.gevent4j.http;

import java.net.InetSocketAddress;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** The access log: one Common Log Format line per response, on the logger {@code io.gevent4j.http.access}. */
final class AccessLog {
    private static final System.Logger ACCESS = System.getLogger("io.gevent4j.http.access");
    private static final DateTimeFormatter CLF = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT);

    private AccessLog() {}

    static void exchange(InetSocketAddress client, HttpRequest req, HttpResponse res) {
        line(client, req.method() + " " + req.target() + " " + req.version(), res.status(), res.bytesSent());
    }

    static void line(InetSocketAddress client, String requestLine, int status, long bytes) {
        if (ACCESS.isLoggable(System.Logger.Level.INFO)) {
            ACCESS.log(System.Logger.Level.INFO, client.getAddress().getHostAddress() + " - - ["
                    + CLF.format(ZonedDateTime.now()) + "] \"" + requestLine + "\" " + status + " "
                    + (bytes == 0 ? "-" : Long.toString(bytes)));
        }
    }
}
