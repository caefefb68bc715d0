package io.gevent4j.http;

import static io.gevent4j.testkit.Delays.LONG;
import static io.gevent4j.testkit.Delays.MEDIUM;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.gevent4j.Hub;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The llhttp corpus over the wire, judged as its README's checker does: each case on a fresh
 * loopback connection in one write, then a half-close (not for partial accept cases); final
 * responses are counted in order (1xx skipped). Reject: no more than {@code requests} 2xx.
 * Accept: the first {@code requests} responses are 2xx (a refusal excused on a may_differ
 * point); a partial case must also get no 4xx/5xx.
 */
class LlhttpCorpusWireTest {
    static Hub hub;
    static HttpServer server;

    @BeforeAll
    static void start() throws IOException {
        hub = Hub.start("corpus-wire");
        server = HttpServer.builder((req, res) -> {
            req.body().transferTo(java.io.OutputStream.nullOutputStream());
            res.send(200, new byte[0]);
        }).hub(hub).listen("127.0.0.1:0").build().start();
    }

    @AfterAll
    static void stop() {
        server.stop(Duration.ZERO);
        assertThat(hub.close(LONG)).isTrue();
    }

    static Stream<Arguments> cases() throws IOException {
        return LlhttpCorpusTest.cases();
    }

    /** Final response statuses in order; stops at end of stream, a reset, or (partial) a quiet connection. */
    static List<Integer> exchange(byte[] raw, boolean halfClose) throws IOException {
        List<Integer> statuses = new ArrayList<>();
        try (RawClient c = new RawClient(server.address(), halfClose ? LONG : MEDIUM)) {
            c.socket.getOutputStream().write(raw);
            if (halfClose) {
                c.socket.shutdownOutput();
            }
            for (;;) {
                RawClient.Response r;
                try {
                    r = c.read(true); // our handler never sends a body: read heads only
                } catch (SocketTimeoutException quiet) {
                    statuses.add(-1); // still open, nothing more to say: the partial case's normal end
                    return statuses;
                } catch (IOException reset) {
                    return statuses;
                }
                if (r == null) {
                    return statuses;
                }
                if (r.status() >= 200) {
                    statuses.add(r.status());
                }
                if (r.status() >= 200 && !"0".equals(r.header("Content-Length"))) {
                    return statuses; // a refusal (it has a body, and the server closes after it)
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void judgedOnTheWire(String id, JsonNode c) throws IOException {
        byte[] raw = LlhttpCorpusTest.withHost(Base64.getDecoder().decode(c.get("raw_b64").asText()), c.get("host_at"),
                "Host: " + server.address().getAddress().getHostAddress() + ":" + server.address().getPort() + "\r\n");
        int requests = c.get("requests").asInt();
        boolean partial = c.get("partial").asBoolean();
        boolean mayDiffer = !c.get("may_differ").isNull();
        boolean accept = c.get("expect").asText().equals("accept");
        List<Integer> statuses = exchange(raw, !(accept && partial));
        long ok = statuses.stream().filter(s -> s >= 200 && s < 300).count();
        String seen = "responses " + statuses + " for " + new String(raw, StandardCharsets.ISO_8859_1).replace("\r\n", "\\r\\n");
        if (!accept) {
            if (!mayDiffer) {
                assertThat(ok).as("reject: %s", seen).isLessThanOrEqualTo(requests);
            }
            return;
        }
        List<Integer> first = statuses.stream().filter(s -> s > 0).limit(requests).toList();
        boolean agrees = first.size() == requests && first.stream().allMatch(s -> s < 300)
                && !(partial && statuses.stream().anyMatch(s -> s >= 400));
        if (!agrees && mayDiffer) {
            return; // excused refusal (CONNECT, RTSP/ICE lines, characters outside RFC 3986...)
        }
        assertThat(agrees).as("accept: %s", seen).isTrue();
    }
}
