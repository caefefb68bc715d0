package io.gevent4j.http;

import static io.gevent4j.testkit.Delays.LONG;
import static io.gevent4j.testkit.Delays.SHORT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.Hub;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP pipeline's seams, seen from a client: when output is sent (never as a side effect of
 * the handler reading its body; before the connection or the handler waits for the client) and
 * the deadlines passed into reads.
 */
class HttpPipelineTest {
    TestServers servers;
    Hub hub;

    @BeforeEach
    void startHub() {
        servers = new TestServers("http-pipeline-test");
        hub = servers.hub;
    }

    @AfterEach
    void stopAll() {
        servers.close();
    }

    HttpServer start(HttpServer.Builder b) throws IOException {
        return servers.start(b);
    }

    static final HttpHandler ECHO = (req, res) -> res.send(200, req.bodyBytes());

    @Test
    void sendsEarlierPipelinedResponsesBeforeAHandlerWaitsForItsBody() throws Exception {
        HttpServer s = start(HttpServer.builder(ECHO));
        try (RawClient c = new RawClient(s.address(), LONG)) {
            // the second body is incomplete: its handler waits for the rest, and the client
            // sends the rest only once it has the first response
            c.send("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nAAA"
                    + "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nBB");
            assertThat(c.read().text()).isEqualTo("AAA");
            c.send("BBB");
            assertThat(c.read().text()).isEqualTo("BBBBB");
        }
    }

    @Test
    void coalescesPipelinedResponsesWhoseBodiesHaveArrived() throws Exception {
        HttpServer s = start(HttpServer.builder(ECHO));
        try (RawClient c = new RawClient(s.address(), LONG)) {
            c.send("GET /warm HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
            long before = s.writes();
            StringBuilder batch = new StringBuilder();
            for (int i = 0; i < 8; i++) {
                batch.append("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n").append(String.format("%02d", i));
            }
            c.send(batch.toString()); // one segment on loopback: the server reads it at once
            for (int i = 0; i < 8; i++) {
                assertThat(c.read().text()).isEqualTo(String.format("%02d", i));
            }
            assertThat(s.writes() - before).as("socket writes for 8 pipelined responses").isEqualTo(1);
        }
    }

    @Test
    void readingTheBodyDoesNotSendTheResponseBehindTheHandlersBack() throws Exception {
        HttpServer s = start(HttpServer.builder((req, res) -> {
            var out = res.outputStream();
            out.write("early ".getBytes(StandardCharsets.US_ASCII)); // buffered: the handler did not flush
            out.write(req.bodyBytes());
        }));
        try (RawClient c = new RawClient(s.address(), LONG)) {
            c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab");
            c.socket.setSoTimeout((int) SHORT.toMillis());
            // the handler is now waiting for the rest of the body with its response buffered
            assertThatThrownBy(c.in::read).isInstanceOf(SocketTimeoutException.class);
            c.socket.setSoTimeout((int) LONG.toMillis());
            c.send("cd");
            assertThat(c.read().text()).isEqualTo("early abcd");
        }
    }

    @Test
    void bodyTimeoutBeyondTheClocksRangeMeansNoTimeout() throws Exception {
        HttpServer s = start(HttpServer.builder((req, res) -> res.send(200, Long.toString(req.bodyBytes().length)))
                .bodyTimeout(Duration.ofSeconds(Long.MAX_VALUE)));
        try (RawClient c = new RawClient(s.address(), LONG)) {
            int n = 200_000; // more than the input buffer: the handler's reads go to the socket
            c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + n + "\r\n\r\n" + "x".repeat(n));
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo(Integer.toString(n));
        }
    }
}
