package io.gevent4j.websocket;

import static io.gevent4j.testkit.Delays.LONG;
import static io.gevent4j.testkit.Delays.VERY_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.Hub;
import io.gevent4j.http.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Interoperability with an implementation nobody here wrote: Debian's {@code python3-websockets}
 * (run with {@code /usr/bin/python3}) as a client of our server and as a server for our client,
 * with fragmented, compressed and invalid frames.
 */
class PythonWebsocketsInteropTest {
    private static final String PYTHON = "/usr/bin/python3";
    private Hub hub;
    private HttpServer server;
    private Process python;
    private Thread pump;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();

    @BeforeEach
    void setUp() {
        ExternalTool.require("python3-websockets", PYTHON, "-c", "import websockets.legacy.protocol");
        hub = Hub.start("ws-interop");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (python != null) {
            python.destroy();
            if (!python.waitFor(LONG.toMillis(), TimeUnit.MILLISECONDS)) {
                python.destroyForcibly();
                python.waitFor(LONG.toMillis(), TimeUnit.MILLISECONDS); // gone before the next test starts
            }
        }
        if (pump != null) {
            pump.join(LONG.toMillis());
        }
        if (server != null) {
            server.stop(Duration.ZERO);
        }
        assertThat(hub.close(LONG)).isTrue();
    }

    private void startPython(String script, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(PYTHON, "-u", ExternalTool.resource("/websocket/" + script).toString()));
        cmd.addAll(List.of(args));
        python = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(python.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    lines.add(l);
                }
            } catch (IOException e) {
                lines.add("pump: " + e);
            }
            lines.add("<exit>");
        }, "python-output");
        pump.start();
    }

    private String line() throws InterruptedException {
        String l = lines.poll(VERY_LONG.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(l).as("a line from python").isNotNull();
        return l;
    }

    @Test
    void pythonClientAgainstOurServer() throws Exception {
        WebSocketOptions options = WebSocketOptions.builder().maxMessageBytes(65536).build();
        server = HttpServer.builder(WebSockets.handler(options, ws -> {
            for (Optional<Message> m; (m = ws.receive()).isPresent(); ) {
                ws.send(m.get());
            }
        })).hub(hub).listen("127.0.0.1:0").build().start();
        startPython("ws_client.py", Integer.toString(server.address().getPort()));
        List<String> out = new ArrayList<>();
        for (String l; !(l = line()).equals("<exit>"); ) {
            out.add(l);
        }
        assertThat(python.waitFor(LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(out).as("python's report").noneMatch(l -> l.startsWith("FAIL") || l.startsWith("Traceback"))
                .contains("ok permessage-deflate negotiated", "ok fragmented and compressed text",
                        "ok invalid UTF-8 text: close code 1007 (expected 1007)",
                        "ok compressed message over the limit: close code 1009 (expected 1009)",
                        "ok message over the limit: close code 1009 (expected 1009)",
                        "ok unmasked client frame: close code 1002 (expected 1002)",
                        "ok reserved opcode: close code 1002 (expected 1002)",
                        "ok text frame inside a fragmented message: close code 1002 (expected 1002)",
                        "done");
        assertThat(python.exitValue()).isZero();
    }

    @Test
    void ourClientAgainstPythonServer() throws Exception {
        startPython("ws_server.py");
        String first = line();
        assertThat(first).startsWith("port ");
        String base = "ws://127.0.0.1:" + first.substring(5);

        WebSocketOptions fragmented = WebSocketOptions.builder().fragmentBytes(4).build();
        try (WebSocket ws = WebSocketClient.connect(URI.create(base + "/echo"), fragmented, Map.of())) {
            assertThat(ws.isCompressed()).as("python's default server takes permessage-deflate").isTrue();
            ws.sendText("compressed and fragmented, compressed and fragmented");
            assertThat(ws.receive()).contains(new Message.Text("compressed and fragmented, compressed and fragmented"));
            byte[] bin = new byte[100_000];
            new java.util.Random(7).nextBytes(bin);
            ws.sendBinary(bin);
            assertThat(ws.receive().orElseThrow().bytes()).isEqualTo(bin);
            ws.ping(new byte[] {1, 2, 3});
            ws.sendText("after the ping");
            assertThat(ws.receive()).contains(new Message.Text("after the ping"));
            ws.close(1000, "done");
        }
        assertThat(line()).isEqualTo("/echo closed 1000");

        try (WebSocket ws = WebSocketClient.connect(URI.create(base + "/fragments"))) {
            assertThat(ws.receive()).contains(new Message.Text("one two three"));
        }
        assertThat(line()).isEqualTo("/fragments closed 1000");

        for (String[] bad : new String[][] {{"/bad-utf8", "1007"}, {"/big", "1009"}, {"/masked", "1002"}}) {
            WebSocketOptions small = WebSocketOptions.builder().maxMessageBytes(1000).build();
            try (WebSocket ws = WebSocketClient.connect(URI.create(base + bad[0]), small, Map.of())) {
                assertThatThrownBy(ws::receive).as(bad[0]).isInstanceOf(WebSocketException.class)
                        .satisfies(e -> assertThat(((WebSocketException) e).code()).isEqualTo(Integer.parseInt(bad[1])));
            }
            assertThat(line()).as("python saw our close code").isEqualTo(bad[0] + " closed " + bad[1]);
        }

        WebSocketOptions plain = WebSocketOptions.builder().compression(false).build();
        try (WebSocket ws = WebSocketClient.connect(URI.create(base + "/echo"), plain, Map.of())) {
            assertThat(ws.isCompressed()).isFalse();
            ws.sendText("plain");
            assertThat(ws.receive()).contains(new Message.Text("plain"));
        }
        assertThat(line()).isEqualTo("/echo closed 1000");
    }
}
