package io.gevent4j.http;

import static io.gevent4j.testkit.Delays.LONG;
import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Hub;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class HttpDateTest {

    @Test
    void daysHaveTwoDigitsAsIn9110sImfFixdate() {
        long dec7 = Instant.parse("2023-12-07T09:05:03Z").getEpochSecond();
        assertThat(HttpDate.format(dec7)).isEqualTo("Thu, 07 Dec 2023 09:05:03 GMT");
        assertThat(HttpDate.format(0)).isEqualTo("Thu, 01 Jan 1970 00:00:00 GMT");
        String line = new String(HttpDate.line(), StandardCharsets.US_ASCII);
        assertThat(line).matches("Date: [A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT\r\n");
    }

    @Test
    void aDateTheHandlerSetIsKeptAndTheServerAddsOneOtherwise() throws IOException {
        Hub hub = Hub.start("http-date-test");
        HttpServer s = HttpServer.builder((req, res) -> {
            if (req.path().equals("/own")) {
                res.header("Date", "Sun, 06 Nov 1994 08:49:37 GMT");
            }
            res.send("x");
        }).hub(hub).listen("127.0.0.1:0").build().start();
        try (RawClient c = new RawClient(s.address(), LONG)) {
            c.send("GET /own HTTP/1.1\r\nHost: x\r\n\r\nGET /server HTTP/1.1\r\nHost: x\r\n\r\n");
            RawClient.Response own = c.read();
            assertThat(own.headers().get("date")).containsExactly("Sun, 06 Nov 1994 08:49:37 GMT");
            RawClient.Response server = c.read();
            assertThat(server.headers().get("date")).singleElement().asString().matches(
                    "[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT");
        } finally {
            s.stop(java.time.Duration.ZERO);
            assertThat(hub.close(LONG)).isTrue();
        }
    }
}
