package io.gevent4j.websocket;

import static io.gevent4j.testkit.Delays.LONG;
import static io.gevent4j.testkit.Delays.MEDIUM;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Hub;
import io.gevent4j.Timeout;
import io.gevent4j.http.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A {@code receive} cut short (a {@code Timeout}, a kill) between frames leaves the connection
 * usable; one cut short inside a frame's payload cannot resume at a frame boundary, so the
 * connection ends instead of reading the rest of that payload as frames.
 */
class InterruptedReceiveTest {
    private Hub hub;
    private HttpServer server;
    private final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws IOException {
        hub = Hub.start("ws-interrupted-test");
        WebSocketOptions options = WebSocketOptions.builder().compression(false).build();
        server = HttpServer.builder(WebSockets.handler(options, ws -> {
            Timeout t = Timeout.start(MEDIUM);
            try {
                events.add(ws.receive());
            } catch (Timeout x) {
                if (x != t) {
                    throw x;
                }
                events.add("timed out");
            } finally {
                t.cancel();
            }
            try (Timeout t2 = Timeout.start(MEDIUM.multipliedBy(3))) {
                events.add(ws.receive());
            } catch (Throwable e) {
                events.add(e);
            }
        })).hub(hub).listen("127.0.0.1:0").build().start();
    }

    @AfterEach
    void stop() {
        server.stop(Duration.ZERO);
        assertThat(hub.close(LONG)).isTrue();
    }

    private Object event() throws InterruptedException {
        Object e = events.poll(LONG.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(e).as("an event from the server's handler").isNotNull();
        return e;
    }

    @Test
    void aTimeoutBetweenFramesLeavesTheConnectionUsable() throws Exception {
        try (RawWs ws = RawWs.open(server.address().getPort(), "")) {
            assertThat(event()).isEqualTo("timed out");
            ws.frame(0x82, "next".getBytes(US_ASCII), true);
            assertThat(event()).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.OPTIONAL)
                    .get().isInstanceOfSatisfying(Message.Binary.class,
                            m -> assertThat(m.data()).isEqualTo("next".getBytes(US_ASCII)));
        }
    }

    @Test
    void aTimeoutInsideAPayloadEndsTheConnectionInsteadOfReadingThePayloadAsFrames() throws Exception {
        // A whole continuation frame: read as a frame, it would finish the interrupted message.
        byte[] inner = RawWs.encode(0x80, "injected".getBytes(US_ASCII), true);
        ByteArrayOutputStream outer = new ByteArrayOutputStream();
        outer.write(0x82);
        outer.write(0x80 | (4 + inner.length)); // masked, with the key 0: the payload is the wire bytes
        outer.writeBytes(new byte[4]);
        outer.writeBytes("abcd".getBytes(US_ASCII));
        try (RawWs ws = RawWs.open(server.address().getPort(), "")) {
            ws.out.write(outer.toByteArray()); // the header and 4 of the payload's bytes
            ws.out.flush();
            assertThat(event()).isEqualTo("timed out");
            ws.out.write(inner); // the rest of that payload: bytes that look like a frame
            ws.out.flush();
            Object second = event();
            assertThat(second).as("the second receive").isEqualTo(Optional.empty());
            assertThat(ws.socket.getInputStream().read()).as("the connection ended").isEqualTo(-1);
        }
    }
}
