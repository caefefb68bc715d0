package io.gevent4j.cli;

import static io.gevent4j.testkit.Delays.LONG;
import static io.gevent4j.testkit.Delays.VERY_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.gevent4j.Hub;
import io.gevent4j.http.HttpServer;
import io.gevent4j.websocket.Message;
import io.gevent4j.websocket.WebSocket;
import io.gevent4j.websocket.WebSocketClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chat room of {@code serve chat}: our WebSocket client, a raw SSE reader, and Debian's headless chromium. */
class ChatServerTest {
    private Hub hub;
    private HttpServer server;
    private int port;

    @BeforeEach
    void start() throws IOException {
        hub = Hub.start("chat-test");
        server = HttpServer.builder(new ChatServer().handler()).hub(hub).listen("127.0.0.1:0").build().start();
        port = server.address().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(Duration.ZERO);
        assertThat(hub.close(LONG)).isTrue();
    }

    private WebSocket join() throws IOException {
        return WebSocketClient.connect(URI.create("ws://127.0.0.1:" + port + "/ws"));
    }

    private Socket events() throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout((int) VERY_LONG.toMillis());
        s.getOutputStream().write("GET /events HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        readUntil(s.getInputStream(), "text/event-stream");
        return s;
    }

    private static String readUntil(InputStream in, String text) throws IOException {
        StringBuilder seen = new StringBuilder();
        while (seen.indexOf(text) < 0) {
            int b = in.read();
            assertThat(b).as("waiting for \"" + text + "\", got: " + seen).isNotNegative();
            seen.append((char) b);
        }
        return seen.toString();
    }

    @Test
    void eachMessageReachesEveryOtherClientAndTheFeed() throws Exception {
        try (WebSocket a = join(); WebSocket b = join(); WebSocket c = join(); Socket feed = events()) {
            a.sendText("hi from a");
            assertThat(b.receive()).contains(new Message.Text("hi from a"));
            assertThat(c.receive()).contains(new Message.Text("hi from a"));
            readUntil(feed.getInputStream(), "data: hi from a\n\n");
            b.sendText("hi from b");
            assertThat(a.receive()).contains(new Message.Text("hi from b"));
            assertThat(c.receive()).as("not the sender's own message first: a's was the only one before")
                    .contains(new Message.Text("hi from b"));
        }
    }

    @Test
    void servesThePage() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            String r = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(r).startsWith("HTTP/1.1 200 ").contains("text/html", "new WebSocket(");
        }
    }

    /**
     * Debian's chromium, headless, loads the page; its WebSocket says hello (the page's {@code ?say=}) and
     * gets our answer into the page, which we read through Chromium's DevTools protocol (itself a
     * WebSocket server: our client talks to a second implementation there).
     */
    @Test
    void aHeadlessChromiumChatsWithUs(@TempDir Path profile) throws Exception {
        requireChromium();
        try (WebSocket mine = join(); Socket feed = events()) {
            ProcessBuilder builder = new ProcessBuilder(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--disable-crash-reporter", "--disable-breakpad",
                    "--user-data-dir=" + profile.resolve("profile"), "--remote-debugging-port=0",
                    "http://127.0.0.1:" + port + "/?say=hello-from-chromium"));
            Files.createDirectories(profile.resolve("tmp"));
            // its singleton socket's directory goes inside what the test deletes, not into the shared /tmp
            builder.environment().put("TMPDIR", profile.resolve("tmp").toString());
            Process chromium = builder.redirectOutput(profile.resolve("stdout").toFile()).start();
            try (var err = new java.io.BufferedReader(new java.io.InputStreamReader(chromium.getErrorStream(), StandardCharsets.UTF_8))) {
                assertThat(mine.receive()).contains(new Message.Text("hello-from-chromium"));
                readUntil(feed.getInputStream(), "data: hello-from-chromium\n\n");
                mine.sendText("hello-from-java");

                String devtools = null;
                for (String l; devtools == null && (l = err.readLine()) != null; ) {
                    if (l.startsWith("DevTools listening on ws://")) {
                        devtools = l.substring("DevTools listening on ".length());
                    }
                }
                assertThat(devtools).as("chromium's DevTools address on stderr").isNotNull();
                String list = new String(new URI(devtools.replaceFirst("^ws://([^/]+)/.*$", "http://$1/json/list"))
                        .toURL().openStream().readAllBytes(), StandardCharsets.UTF_8);
                java.util.regex.Matcher page = java.util.regex.Pattern
                        .compile("\"webSocketDebuggerUrl\"\\s*:\\s*\"(ws://[^\"]+/devtools/page/[^\"]+)\"").matcher(list);
                assertThat(page.find()).as("a page target in " + list).isTrue();
                try (WebSocket cdp = WebSocketClient.connect(URI.create(page.group(1)))) {
                    String wait = "new Promise(ok => { const f = () => document.getElementById('log').textContent"
                            + ".includes('hello-from-java') ? ok(document.getElementById('log').innerHTML) : setTimeout(f, 20); f(); })";
                    cdp.sendText("{\"id\":1,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\""
                            + wait.replace("\"", "\\\"") + "\",\"awaitPromise\":true,\"returnByValue\":true}}");
                    String reply;
                    do {
                        reply = ((Message.Text) cdp.receive().orElseThrow()).text();
                    } while (!reply.startsWith("{\"id\":1,"));
                    assertThat(reply).contains("<li>hello-from-java</li>");
                }
            } finally {
                stopWithItsChildren(chromium);
            }
        }
    }

    /**
     * Ends chromium and every process it started. The browser's exit does not wait for its zygotes,
     * renderers and storage service, which go on writing into the profile: the temporary directory
     * could not be deleted while they did. The children are listed before the browser ends, since
     * after that they are no longer its descendants.
     */
    private static void stopWithItsChildren(Process chromium) throws InterruptedException {
        List<ProcessHandle> children = chromium.descendants().toList();
        chromium.destroy();
        if (!chromium.waitFor(LONG.toMillis(), TimeUnit.MILLISECONDS)) {
            chromium.destroyForcibly();
            chromium.waitFor(LONG.toMillis(), TimeUnit.MILLISECONDS);
        }
        for (ProcessHandle child : children) {
            child.destroy();
        }
        for (ProcessHandle child : children) {
            try {
                child.onExit().get(LONG.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                child.destroyForcibly();
                try {
                    child.onExit().get(LONG.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException | ExecutionException again) {
                    throw new AssertionError("chromium's process " + child.pid() + " outlived SIGKILL", again);
                }
            } catch (ExecutionException e) {
                throw new AssertionError(e);
            }
        }
    }

    private static void requireChromium() {
        boolean ok;
        try {
            Process p = new ProcessBuilder("chromium", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            ok = p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            ok = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ok = false;
        }
        if (!ok) {
            String why = "needs Debian's chromium (`apt-get install chromium`; .ci/run installs it)";
            if (System.getenv("CI") != null) {
                fail(why);
            }
            Assumptions.abort(why);
        }
    }
}
