package io.gevent4j.web;

import static io.gevent4j.testkit.Delays.LONG;
import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Event;
import io.gevent4j.Hub;
import io.gevent4j.http.HttpHandler;
import io.gevent4j.http.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Streaming responses over real loopback: chunks flushed as written, Server-Sent Events, a client that leaves. */
class EventStreamTest {
    private Hub hub;
    private HttpServer server;
    private final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private final Event go = new Event();

    @BeforeEach
    void hub() {
        hub = Hub.start("sse-test");
    }

    @AfterEach
    void stop() {
        go.set();
        if (server != null) {
            server.stop(Duration.ZERO);
        }
        assertThat(hub.close(LONG)).isTrue();
    }

    private Socket get(HttpHandler handler, String path) throws IOException {
        server = HttpServer.builder(handler).hub(hub).listen("127.0.0.1:0").build().start();
        Socket s = new Socket("127.0.0.1", server.address().getPort());
        s.setSoTimeout((int) LONG.toMillis());
        s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: a\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        return s;
    }

    /** Reads until {@code text} has arrived; returns all read so far. */
    private static String readUntil(InputStream in, StringBuilder seen, String text) throws IOException {
        while (seen.indexOf(text) < 0) {
            int b = in.read();
            assertThat(b).as("waiting for \"" + text + "\", got: " + seen).isNotNegative();
            seen.append((char) b);
        }
        return seen.toString();
    }

    @Test
    void aChunkedResponseReachesTheClientWhenFlushedBeforeTheHandlerGoesOn() throws Exception {
        try (Socket s = get((req, res) -> {
            var out = res.outputStream();
            out.write("first part\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            go.await(); // the test sets it only once the client has the first part
            out.write("second part\n".getBytes(StandardCharsets.UTF_8));
        }, "/")) {
            StringBuilder seen = new StringBuilder();
            String head = readUntil(s.getInputStream(), seen, "first part\n");
            assertThat(head).startsWith("HTTP/1.1 200 ").contains("Transfer-Encoding: chunked");
            go.set();
            assertThat(readUntil(s.getInputStream(), seen, "0\r\n\r\n")).contains("second part\n");
        }
    }

    @Test
    void sendsEventsWithAllFieldsAndHeartbeats() throws Exception {
        try (Socket s = get((req, res) -> {
            EventStream es = EventStream.open(res);
            es.retry(Duration.ofMillis(1500));
            es.send("greeting", "7", "line one\nline two");
            es.heartbeat();
            es.send("plain");
            es.close();
        }, "/events")) {
            StringBuilder seen = new StringBuilder();
            String all = readUntil(s.getInputStream(), seen, "0\r\n\r\n");
            assertThat(all).contains("Content-Type: text/event-stream; charset=utf-8", "Cache-Control: no-cache");
            String body = all.substring(all.indexOf("\r\n\r\n")).replaceAll("\r\n[0-9a-f]+\r\n", "");
            assertThat(body).contains("retry: 1500\n\n",
                    "event: greeting\nid: 7\ndata: line one\ndata: line two\n\n", ":\n\n", "data: plain\n\n");
        }
    }

    @Test
    void aClientThatLeftIsAnExceptionOnTheNextWrite() throws Exception {
        Socket s = get((req, res) -> {
            EventStream es = EventStream.open(res);
            es.send("hello");
            go.await(); // the client reads the event and closes
            try {
                es.heartbeat();
                events.add("the write after the client left did not fail");
            } catch (java.net.SocketException e) {
                events.add(e);
            }
        }, "/events");
        readUntil(s.getInputStream(), new StringBuilder(), "data: hello\n\n");
        s.close();
        go.set();
        Object e = events.poll(LONG.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(e).isInstanceOf(java.net.SocketException.class);
        assertThat(((Exception) e).getMessage()).contains("client closed");
    }
}
