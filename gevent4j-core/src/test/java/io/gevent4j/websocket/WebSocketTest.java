package io.gevent4j.websocket;

import static io.gevent4j.testkit.Delays.LONG;
import static io.gevent4j.testkit.Delays.MEDIUM;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.http.HttpServer;
import io.gevent4j.testkit.Delays;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The WebSocket server and client over real loopback: our client, and a raw peer for the frames no client sends. */
class WebSocketTest {
    private Hub hub;
    private final List<HttpServer> servers = new ArrayList<>();
    /** What server-side handlers report to the test thread. */
    private final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();

    @BeforeEach
    void hub() {
        hub = Hub.start("ws-test");
    }

    @AfterEach
    void stop() {
        for (HttpServer s : servers) {
            s.stop(Duration.ZERO);
        }
        assertThat(hub.close(LONG)).isTrue();
    }

    private int serve(WebSocketOptions options, WebSocketHandler handler) throws IOException {
        HttpServer s = HttpServer.builder(WebSockets.handler(options, handler)).hub(hub).listen("127.0.0.1:0").build();
        servers.add(s);
        return s.start().address().getPort();
    }

    private int echo(WebSocketOptions options) throws IOException {
        return serve(options, ws -> {
            try {
                for (Optional<Message> m; (m = ws.receive()).isPresent(); ) {
                    ws.send(m.get());
                }
                events.add("closed " + ws.closeCode().orElse(-1) + " " + ws.closeReason());
            } catch (WebSocketException e) {
                events.add(e);
            }
        });
    }

    private Object event() throws InterruptedException {
        Object e = events.poll(LONG.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(e).as("an event from the server's handler").isNotNull();
        return e;
    }

    private static URI uri(int port) {
        return URI.create("ws://127.0.0.1:" + port + "/ws");
    }

    @Test
    void echoesTextBinaryFragmentedAndCompressedMessages() throws Exception {
        int port = echo(WebSocketOptions.defaults());
        byte[] big = new byte[200_000];
        new Random(1).nextBytes(big);
        for (boolean compression : new boolean[] {true, false}) {
            WebSocketOptions client = WebSocketOptions.builder().compression(compression).fragmentBytes(7).build();
            try (WebSocket ws = WebSocketClient.connect(uri(port), client, Map.of())) {
                assertThat(ws.isCompressed()).isEqualTo(compression);
                for (String text : new String[] {"hello", "", "héllo wörld \uD83D\uDE00 ".repeat(50)}) {
                    ws.sendText(text);
                    assertThat(ws.receive()).contains(new Message.Text(text));
                }
                ws.sendBinary(big);
                Message m = ws.receive().orElseThrow();
                assertThat(m).isInstanceOf(Message.Binary.class);
                assertThat(m.bytes()).isEqualTo(big);
                ws.close(4000, "bye");
                assertThat(ws.closeCode()).hasValue(4000);
                assertThat(ws.isOpen()).isFalse();
            }
            assertThat(event()).isEqualTo("closed 4000 bye");
        }
    }

    @Test
    void concurrentSendersNeverInterleaveFrames() throws Exception {
        int senders = 8;
        int each = 50;
        int port = serve(WebSocketOptions.builder().fragmentBytes(3).build(), ws -> {
            List<Greenlet<Void>> gs = new ArrayList<>();
            for (int g = 0; g < senders; g++) {
                int id = g;
                gs.add(Gevent.spawn(() -> {
                    for (int i = 0; i < each; i++) {
                        try {
                            ws.sendText("sender " + id + " message " + i);
                        } catch (WebSocketException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }
                }));
            }
            Gevent.joinAllOrRaise(gs);
            ws.receive(); // until the client closes
        });
        try (WebSocket ws = WebSocketClient.connect(uri(port))) {
            int[] next = new int[senders];
            for (int n = 0; n < senders * each; n++) {
                String t = ((Message.Text) ws.receive().orElseThrow()).text();
                String[] w = t.split(" ");
                int id = Integer.parseInt(w[1]);
                assertThat(t).isEqualTo("sender " + id + " message " + next[id]);
                next[id]++;
            }
        }
    }

    static Stream<Arguments> badFrames() {
        byte[] ping126 = new byte[126];
        return Stream.of(
                Arguments.of("unmasked client frame", List.of(RawWs.encode(0x81, bytes("hi"), false)), 1002),
                Arguments.of("reserved opcode 3", List.of(RawWs.encode(0x83, bytes("x"), true)), 1002),
                Arguments.of("reserved control opcode 11", List.of(RawWs.encode(0x8B, bytes("x"), true)), 1002),
                Arguments.of("RSV2 set", List.of(RawWs.encode(0xA1, bytes("x"), true)), 1002),
                Arguments.of("RSV1 without permessage-deflate", List.of(RawWs.encode(0xC1, bytes("x"), true)), 1002),
                Arguments.of("fragmented ping", List.of(RawWs.encode(0x09, bytes("x"), true)), 1002),
                Arguments.of("ping longer than 125", List.of(RawWs.encode(0x89, ping126, true)), 1002),
                Arguments.of("continuation without a message", List.of(RawWs.encode(0x80, bytes("x"), true)), 1002),
                Arguments.of("new message inside a fragmented one",
                        List.of(RawWs.encode(0x01, bytes("a"), true), RawWs.encode(0x81, bytes("b"), true)), 1002),
                Arguments.of("close code 999", List.of(RawWs.encode(0x88, new byte[] {3, (byte) 0xe7}, true)), 1002),
                Arguments.of("close code 1005", List.of(RawWs.encode(0x88, new byte[] {3, (byte) 0xed}, true)), 1002),
                Arguments.of("close payload of 1 byte", List.of(RawWs.encode(0x88, new byte[] {3}, true)), 1002),
                Arguments.of("invalid UTF-8 text", List.of(RawWs.encode(0x81, new byte[] {(byte) 0xff, (byte) 0xfe}, true)), 1007),
                Arguments.of("UTF-8 split invalidly over fragments",
                        List.of(RawWs.encode(0x01, new byte[] {(byte) 0xe2, (byte) 0x82}, true),
                                RawWs.encode(0x80, new byte[] {0x28}, true)), 1007),
                Arguments.of("invalid UTF-8 close reason",
                        List.of(RawWs.encode(0x88, new byte[] {3, (byte) 0xe8, (byte) 0xff}, true)), 1007),
                Arguments.of("message over the limit in one frame", List.of(RawWs.encode(0x82, new byte[1001], true)), 1009),
                Arguments.of("message over the limit in fragments",
                        List.of(RawWs.encode(0x02, new byte[600], true), RawWs.encode(0x80, new byte[401], true)), 1009));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("badFrames")
    void aBrokenFrameClosesWithTheRightCode(String what, List<byte[]> frames, int code) throws Exception {
        int port = echo(WebSocketOptions.builder().maxMessageBytes(1000).compression(false).build());
        try (RawWs raw = RawWs.open(port, "")) {
            assertThat(raw.head).startsWith("HTTP/1.1 101 ");
            for (byte[] f : frames) {
                raw.out.write(f);
            }
            raw.out.flush();
            assertThat(raw.closeCode()).as(what).isEqualTo(code);
            assertThat(raw.endOfStream()).as("the server closes the TCP connection after its close frame").isTrue();
        }
        Object e = event();
        assertThat(e).isInstanceOf(WebSocketException.class);
        assertThat(((WebSocketException) e).code()).isEqualTo(code);
    }

    @Test
    void answersPingsAndEchoesACloseFrame() throws Exception {
        int port = echo(WebSocketOptions.defaults());
        try (RawWs raw = RawWs.open(port, "")) {
            raw.frame(0x89, bytes("are you there"), true);
            RawWs.Frame pong = raw.read();
            assertThat(pong.opcode()).isEqualTo(10);
            assertThat(pong.text()).isEqualTo("are you there");
            raw.frame(0x81, bytes("still here"), true);
            assertThat(raw.read().text()).isEqualTo("still here");
            raw.frame(0x88, new byte[] {(byte) 0x0f, (byte) 0xa1, 'o', 'k'}, true); // 4001 "ok"
            RawWs.Frame echo = raw.read();
            assertThat(echo.opcode()).isEqualTo(8);
            assertThat(echo.closeCode()).isEqualTo(4001);
            assertThat(raw.endOfStream()).isTrue();
        }
        assertThat(event()).isEqualTo("closed 4001 ok");
    }

    @Test
    void anIdleConnectionIsClosedWith1001() throws Exception {
        int port = echo(WebSocketOptions.builder().idleTimeout(MEDIUM).build());
        long t0 = System.nanoTime();
        try (RawWs raw = RawWs.open(port, "")) {
            assertThat(raw.closeCode()).isEqualTo(1001);
            assertThat(Delays.since(t0)).isGreaterThanOrEqualTo(MEDIUM);
        }
        assertThat(((WebSocketException) event()).code()).isEqualTo(1001);
    }

    @Test
    void aPeerThatDoesNotReadBlocksTheSenderAndIsDropped() throws Exception {
        int port = serve(WebSocketOptions.builder().writeTimeout(MEDIUM).build(), ws -> {
            byte[] chunk = new byte[64 * 1024];
            long sent = 0;
            long t0 = System.nanoTime();
            try {
                for (int i = 0; i < 100_000; i++) { // ~6 GB if nothing pushed back: the loop is bounded anyway
                    ws.sendBinary(chunk);
                    sent += chunk.length;
                }
                events.add("never blocked");
            } catch (WebSocketException e) {
                events.add(sent);
                events.add(Delays.since(t0));
                events.add(e);
            }
        });
        try (RawWs raw = RawWs.open(port, "")) {
            raw.socket.setReceiveBufferSize(64 * 1024);
            Object sent = event();
            assertThat(sent).isInstanceOf(Long.class);
            // Only what the two kernels' socket buffers hold was written: nothing piled up in memory.
            assertThat((Long) sent).isLessThan(32L << 20);
            assertThat((Duration) event()).isGreaterThanOrEqualTo(MEDIUM);
            WebSocketException e = (WebSocketException) event();
            assertThat(e.code()).isEqualTo(1006);
            assertThat(e.getMessage()).contains("does not read");
        }
    }

    @Test
    void aGracefulStopSaysGoingAway() throws Exception {
        int port = echo(WebSocketOptions.defaults());
        try (WebSocket ws = WebSocketClient.connect(uri(port))) {
            ws.sendText("hi");
            assertThat(ws.receive()).contains(new Message.Text("hi"));
            boolean[] graceful = new boolean[1];
            Thread stopper = new Thread(() -> graceful[0] = servers.get(0).stop(LONG));
            stopper.start();
            assertThat(ws.receive()).isEmpty(); // the server's close frame, echoed by our receive
            assertThat(ws.closeCode()).hasValue(1001);
            stopper.join(LONG.toMillis() * 2);
            assertThat(stopper.isAlive()).isFalse();
            assertThat(graceful[0]).as("every handler finished within the grace").isTrue();
        }
        assertThat(event()).isEqualTo("closed 1001 server stopping");
    }

    @Test
    void sendsAfterCloseFail() throws Exception {
        int port = echo(WebSocketOptions.defaults());
        WebSocket ws = WebSocketClient.connect(uri(port));
        ws.close();
        assertThat(ws.receive()).isEmpty();
        assertThatThrownBy(() -> ws.sendText("late")).isInstanceOf(WebSocketException.class).hasMessageContaining("closed");
        assertThat(event()).isEqualTo("closed 1000 ");
    }

    @Test
    void refusesBadHandshakesPrecisely() throws Exception {
        int port = echo(WebSocketOptions.defaults());
        assertThat(rawHttp(port, "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade, close\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n")).startsWith("HTTP/1.1 400 ").contains("Sec-WebSocket-Key");
        assertThat(rawHttp(port, "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade, close\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n"))
                .startsWith("HTTP/1.1 426 ").contains("Sec-WebSocket-Version: 13");
        assertThat(rawHttp(port, "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 400 ").contains("Upgrade");
        try (RawWs raw = RawWs.open(port, "")) {
            // RFC 6455 §1.3's example key and accept value.
            assertThat(raw.head).contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=").containsIgnoringCase("Connection: Upgrade");
        }
    }

    private static String rawHttp(int port, String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void framesSentWithTheHandshakeAreNotLost() throws Exception {
        int port = echo(WebSocketOptions.defaults());
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            byte[] head = ("GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade, close\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1);
            byte[] frame = RawWs.encode(0x81, bytes("early"), true);
            byte[] both = new byte[head.length + frame.length];
            System.arraycopy(head, 0, both, 0, head.length);
            System.arraycopy(frame, 0, both, head.length, frame.length);
            s.getOutputStream().write(both); // one write: the server reads the frame with the head
            StringBuilder reply = new StringBuilder();
            while (!reply.toString().endsWith("early")) {
                int b = s.getInputStream().read();
                assertThat(b).as("the echo of the early frame, after: " + reply).isNotNegative();
                reply.append((char) b);
            }
            assertThat(reply.toString()).startsWith("HTTP/1.1 101 ");
        }
    }
}
