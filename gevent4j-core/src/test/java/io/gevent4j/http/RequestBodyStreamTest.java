package io.gevent4j.http;

import static io.gevent4j.testkit.Delays.LONG;
import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Hub;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Request bodies read through the {@code InputStream} methods built on {@code read(b, off, len)}
 * ({@code readNBytes}, {@code skipNBytes}) over real loopback connections: a zero-length read at
 * a chunk boundary returns 0 at once, so it neither parses what follows nor waits for it.
 */
class RequestBodyStreamTest {
    Hub hub;
    final List<HttpServer> servers = new ArrayList<>();

    @BeforeEach
    void startHub() {
        hub = Hub.start("body-stream-test");
    }

    @AfterEach
    void stopAll() {
        for (HttpServer s : servers) {
            s.stop(Duration.ZERO);
        }
        assertThat(hub.close(LONG)).isTrue();
    }

    HttpServer start(HttpHandler h) throws IOException {
        HttpServer s = HttpServer.builder(h).hub(hub).listen("127.0.0.1:0").build();
        servers.add(s);
        return s.start();
    }

    /** Reads exactly the declared X-Length bytes with readNBytes and echoes them. */
    static final HttpHandler READ_N = (req, res) -> {
        int n = Integer.parseInt(req.header("X-Length").orElseThrow());
        byte[] got = req.body().readNBytes(n);
        res.send(200, got);
    };

    @Test
    void pipelinedChunkedRequestsWithTrailersReadWithReadNBytesGet200AndKeepAliveContinues() throws Exception {
        HttpServer s = start(READ_N);
        String request = "POST /a HTTP/1.1\r\nHost: x\r\nX-Length: 11\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 1\r\nX-Other: 2\r\n\r\n";
        try (RawClient c = new RawClient(s.address(), LONG)) {
            c.send(request + request);
            for (int i = 0; i < 2; i++) {
                RawClient.Response r = c.read();
                assertThat(r.status()).as("response %d", i).isEqualTo(200);
                assertThat(r.text()).isEqualTo("hello world");
            }
            c.send("GET /b HTTP/1.1\r\nHost: x\r\nX-Length: 0\r\n\r\n");
            assertThat(c.read().status()).isEqualTo(200);
        }
    }

    @Test
    void readNBytesOfTheWholeBodyAnswersBeforeTheLastChunkAndTrailersArrive() throws Exception {
        // A client may wait for the response before it ends the body (full duplex): the
        // handler's readNBytes(n) ends with a zero-length read, which must not wait for the
        // last chunk and the trailers after the n bytes it has.
        HttpServer s = start(READ_N);
        try (RawClient c = new RawClient(s.address(), LONG)) {
            c.send("POST /a HTTP/1.1\r\nHost: x\r\nX-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
            RawClient.Response r = c.read(); // before the rest of the body is sent
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("hello");
            c.send("0\r\nX-Sum: 1\r\n\r\n"); // the end of the body, drained by the server
            c.send("GET /b HTTP/1.1\r\nHost: x\r\nX-Length: 0\r\n\r\n");
            assertThat(c.read().status()).as("keep-alive continues").isEqualTo(200);
        }
    }
}
