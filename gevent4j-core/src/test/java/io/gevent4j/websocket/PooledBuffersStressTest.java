package io.gevent4j.websocket;

import static io.gevent4j.testkit.Delays.LONG;
import static io.gevent4j.testkit.Delays.VERY_LONG;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.HubGroup;
import io.gevent4j.http.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The read and write buffers that HTTP connections and WebSocket readers take from shared pools
 * between requests and frames: many connections at once, keep-alive and pipelined requests,
 * WebSocket sessions that go idle between frames, and connections reset half-way through a
 * request or a frame. Every byte each client receives must be its own: a buffer given back
 * while still in use would show another connection's bytes.
 */
class PooledBuffersStressTest {
    static final int CLIENTS = 16;
    static final int ROUNDS = 30;

    /** Two hubs: connections on different threads use the shared pools at the same time. */
    private HubGroup hubs;
    private HttpServer server;

    @BeforeEach
    void start() throws IOException {
        hubs = HubGroup.start(2);
        WebSocketOptions options = WebSocketOptions.builder().compression(false).build();
        server = HttpServer.builder((req, res) -> {
            if (WebSockets.isUpgrade(req)) {
                WebSockets.accept(req, res, options, ws -> {
                    for (Optional<Message> m; (m = ws.receive()).isPresent(); ) {
                        ws.send(m.get());
                    }
                });
                return;
            }
            res.send(200, req.body().readAllBytes());
        }).hubs(hubs).listen("127.0.0.1:0").build().start();
    }

    @AfterEach
    void stop() {
        server.stop(Duration.ZERO);
        hubs.close(); // waits for their loops to end
    }

    /** A payload no other client, round or message has: its tag, then bytes derived from it. */
    static byte[] payload(int client, int round, int seq, int len) {
        byte[] tag = ("<" + client + "/" + round + "/" + seq + ">").getBytes(ISO_8859_1);
        byte[] b = new byte[Math.max(len, tag.length)];
        System.arraycopy(tag, 0, b, 0, tag.length);
        for (int i = tag.length; i < b.length; i++) {
            b[i] = (byte) ('a' + (client * 7 + round * 3 + seq + i) % 26);
        }
        return b;
    }

    @Test
    void everyConnectionReceivesExactlyItsOwnBytes() throws Exception {
        int port = server.address().getPort();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger checked = new AtomicInteger();
        long end = System.nanoTime() + VERY_LONG.toNanos();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int id = c;
            clients.add(Thread.ofPlatform().start(() -> {
                SplittableRandom rnd = new SplittableRandom(id);
                try {
                    for (int round = 0; round < ROUNDS && System.nanoTime() < end; round++) {
                        switch (rnd.nextInt(4)) {
                            case 0 -> checked.addAndGet(http(port, id, round, rnd));
                            case 1 -> checked.addAndGet(webSocket(port, id, round, rnd));
                            case 2 -> httpReset(port, id, round, rnd);
                            default -> webSocketReset(port, id, round, rnd);
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread t : clients) {
            t.join(VERY_LONG.toMillis() + LONG.toMillis());
            assertThat(t.isAlive()).as("client thread ended").isFalse();
        }
        assertThat(failures).isEmpty();
        assertThat(checked.get()).isGreaterThan(CLIENTS);
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), (int) LONG.toMillis());
        s.setSoTimeout((int) LONG.toMillis());
        return s;
    }

    private static byte[] post(byte[] body) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(ISO_8859_1));
        b.writeBytes(body);
        return b.toByteArray();
    }

    /** Keep-alive requests, some pipelined in one write, each answer checked byte for byte; returns the count. */
    private static int http(int port, int id, int round, SplittableRandom rnd) throws IOException {
        int n = 0;
        try (Socket s = connect(port)) {
            OutputStream out = s.getOutputStream();
            DataInputStream in = new DataInputStream(s.getInputStream());
            for (int batch = 0; batch < 3; batch++) {
                int pipelined = 1 + rnd.nextInt(3);
                List<byte[]> bodies = new ArrayList<>();
                ByteArrayOutputStream wire = new ByteArrayOutputStream();
                for (int k = 0; k < pipelined; k++) {
                    byte[] body = payload(id, round, batch * 10 + k, 1 + rnd.nextInt(6000));
                    bodies.add(body);
                    wire.writeBytes(post(body));
                }
                out.write(wire.toByteArray());
                out.flush();
                for (byte[] body : bodies) {
                    assertThat(readResponseBody(in)).isEqualTo(body);
                    n++;
                }
            }
        }
        return n;
    }

    private static byte[] readResponseBody(DataInputStream in) throws IOException {
        String head = readHead(in);
        assertThat(head).startsWith("HTTP/1.1 200");
        int at = head.toLowerCase(java.util.Locale.ROOT).indexOf("content-length: ");
        assertThat(at).as("content-length in %s", head).isGreaterThanOrEqualTo(0);
        int len = Integer.parseInt(head.substring(at + 16, head.indexOf('\r', at)));
        byte[] b = new byte[len];
        in.readFully(b);
        return b;
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        while (!h.toString(ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new java.io.EOFException("end of stream in a response head: " + h.toString(ISO_8859_1));
            }
            h.write(b);
        }
        return h.toString(ISO_8859_1);
    }

    /** A request, then half of the next one, then a reset. */
    private static void httpReset(int port, int id, int round, SplittableRandom rnd) throws IOException {
        Socket s = connect(port);
        try {
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] body = payload(id, round, 0, 1 + rnd.nextInt(3000));
            s.getOutputStream().write(post(body));
            assertThat(readResponseBody(in)).isEqualTo(body);
            byte[] next = post(payload(id, round, 1, 100 + rnd.nextInt(5000)));
            s.getOutputStream().write(next, 0, 1 + rnd.nextInt(next.length - 1));
        } finally {
            s.setSoLinger(true, 0);
            s.close();
        }
    }

    /** Binary messages, some written together, some after a pause (the server's reader gives its buffer back). */
    private static int webSocket(int port, int id, int round, SplittableRandom rnd) throws IOException {
        int n = 0;
        try (RawWs ws = RawWs.open(port, "")) {
            assertThat(ws.head).startsWith("HTTP/1.1 101");
            for (int batch = 0; batch < 4; batch++) {
                int together = 1 + rnd.nextInt(3);
                List<byte[]> sent = new ArrayList<>();
                ByteArrayOutputStream wire = new ByteArrayOutputStream();
                for (int k = 0; k < together; k++) {
                    byte[] p = payload(id, round, batch * 10 + k, 1 + rnd.nextInt(rnd.nextBoolean() ? 200 : 3000));
                    sent.add(p);
                    wire.writeBytes(RawWs.encode(0x82, p, true));
                }
                ws.out.write(wire.toByteArray());
                ws.out.flush();
                for (byte[] p : sent) {
                    RawWs.Frame f = ws.read();
                    assertThat(f.opcode()).isEqualTo(2);
                    assertThat(f.payload()).isEqualTo(p);
                    n++;
                }
            }
            ws.frame(0x88, new byte[] {0x03, (byte) 0xe8}, true);
            assertThat(ws.closeCode()).isEqualTo(1000);
        }
        return n;
    }

    /** A message, then half of the next frame, then a reset. */
    private static void webSocketReset(int port, int id, int round, SplittableRandom rnd) throws IOException {
        RawWs ws = RawWs.open(port, "");
        try {
            byte[] p = payload(id, round, 0, 1 + rnd.nextInt(2000));
            ws.frame(0x82, p, true);
            assertThat(ws.read().payload()).isEqualTo(p);
            byte[] half = RawWs.encode(0x82, payload(id, round, 1, 10 + rnd.nextInt(2000)), true);
            ws.out.write(half, 0, 1 + rnd.nextInt(half.length - 1));
            ws.out.flush();
        } finally {
            ws.socket.setSoLinger(true, 0);
            ws.socket.close();
        }
    }
}
