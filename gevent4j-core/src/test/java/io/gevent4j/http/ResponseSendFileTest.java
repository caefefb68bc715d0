package io.gevent4j.http;

import static io.gevent4j.testkit.Delays.LONG;
import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.server.SelfSignedTls;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link HttpResponse#sendFile}: zero-copy on plain TCP, copied over TLS, mixed with streamed bytes. */
class ResponseSendFileTest {
    @TempDir
    Path dir;
    TestServers servers;
    Path file;
    byte[] content;

    @BeforeEach
    void setUp() throws Exception {
        servers = new TestServers("sendfile-test");
        content = new byte[3 * 1024 * 1024 + 17];
        new Random(42).nextBytes(content);
        file = dir.resolve("data.bin");
        Files.write(file, content);
    }

    @AfterEach
    void tearDown() {
        servers.close();
    }

    static final HttpHandler WHOLE_FILE = (req, res) -> {
        // the handler's own file: the region is the whole body, the response ends with it
        try (FileChannel ch = FileChannel.open(Path.of(req.header("X-File").orElseThrow()))) {
            res.header("Content-Type", "application/octet-stream");
            res.sendFile(ch, 0, ch.size());
        }
    };

    @Test
    void aWholeFileGoesOutWithoutHeapCopies() throws Exception {
        HttpServer s = servers.start(HttpServer.builder(WHOLE_FILE));
        try (RawClient c = new RawClient(s.address(), LONG)) {
            c.send("GET / HTTP/1.1\r\nHost: x\r\nX-File: " + file + "\r\n\r\n");
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Content-Length")).isEqualTo(Integer.toString(content.length));
            assertThat(Arrays.equals(r.body(), content)).isTrue();
            // keep-alive goes on after a file
            c.send("HEAD / HTTP/1.1\r\nHost: x\r\nX-File: " + file + "\r\n\r\n");
            RawClient.Response h = c.read(true);
            assertThat(h.header("Content-Length")).isEqualTo(Integer.toString(content.length));
        }
        // Copied through the heap, 3 MB are 48 writes of 64 KB; sent by sendfile(2), the
        // buffered writes are just the two heads.
        assertThat(s.writes()).isLessThanOrEqualTo(2);
    }

    @Test
    void overTlsTheFileIsCopiedAndArrivesWhole() throws Exception {
        javax.net.ssl.SSLContext tls = SelfSignedTls.context(dir);
        HttpServer s = servers.start(HttpServer.builder(WHOLE_FILE).ssl(tls));
        try (HttpClient client = HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1).build()) {
            var r = client.send(java.net.http.HttpRequest.newBuilder(
                    URI.create("https://127.0.0.1:" + s.address().getPort() + "/")).header("X-File", file.toString())
                    .timeout(LONG).build(), BodyHandlers.ofByteArray());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(Arrays.equals(r.body(), content)).isTrue();
        }
    }

    @Test
    void fileRegionsContinueAStreamedBodyInOrder() throws Exception {
        HttpServer s = servers.start(HttpServer.builder((req, res) -> {
            try (FileChannel ch = FileChannel.open(file)) {
                byte[] a = "<a>".getBytes(StandardCharsets.US_ASCII);
                byte[] b = "<b>".getBytes(StandardCharsets.US_ASCII);
                boolean declared = req.path().equals("/fixed");
                if (declared) {
                    res.contentLength(3 + 100_000 + 3 + 10);
                }
                OutputStream out = res.outputStream();
                out.write(a);
                res.sendFile(ch, 1000, 100_000);
                out.write(b);
                res.sendFile(ch, 5, 10);
                out.close();
            }
        }));
        byte[] expected = new byte[3 + 100_000 + 3 + 10];
        System.arraycopy("<a>".getBytes(StandardCharsets.US_ASCII), 0, expected, 0, 3);
        System.arraycopy(content, 1000, expected, 3, 100_000);
        System.arraycopy("<b>".getBytes(StandardCharsets.US_ASCII), 0, expected, 100_003, 3);
        System.arraycopy(content, 5, expected, 100_006, 10);
        try (RawClient c = new RawClient(s.address(), LONG)) {
            c.send("GET /fixed HTTP/1.1\r\nHost: x\r\n\r\n");
            RawClient.Response fixed = c.read();
            assertThat(fixed.header("Content-Length")).isEqualTo(Integer.toString(expected.length));
            assertThat(Arrays.equals(fixed.body(), expected)).isTrue();
            c.send("GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n");
            RawClient.Response chunked = c.read();
            assertThat(chunked.header("Transfer-Encoding")).isEqualTo("chunked");
            assertThat(Arrays.equals(chunked.body(), expected)).isTrue();
        }
    }

    @Test
    void aFileShorterThanTheRegionCutsTheConnection() throws Exception {
        HttpServer s = servers.start(HttpServer.builder((req, res) -> {
            try (FileChannel ch = FileChannel.open(file)) {
                res.sendFile(ch, content.length - 10, 1000); // 990 bytes missing
            }
        }));
        try (RawClient c = new RawClient(s.address(), LONG)) {
            c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            String head = new String(c.in.readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(head).isEqualTo("HTTP/1.1 200");
            byte[] rest = c.in.readAllBytes(); // ends: the server closes an incomplete response
            assertThat(new String(rest, StandardCharsets.ISO_8859_1)).contains("Content-Length: 1000");
            int bodyAt = new String(rest, StandardCharsets.ISO_8859_1).indexOf("\r\n\r\n") + 4;
            assertThat(rest.length - bodyAt).isEqualTo(10);
        }
    }

    @Test
    void headDoesNotSendTheFile() throws Exception {
        HttpServer s = servers.start(HttpServer.builder(WHOLE_FILE));
        try (RawClient c = new RawClient(s.address(), LONG)) {
            c.send("HEAD / HTTP/1.1\r\nHost: x\r\nX-File: " + file + "\r\n\r\n"
                    + "GET / HTTP/1.1\r\nHost: x\r\nX-File: " + file + "\r\n\r\n");
            RawClient.Response h = c.read(true);
            assertThat(h.status()).isEqualTo(200);
            assertThat(h.header("Content-Length")).isEqualTo(Integer.toString(content.length));
            RawClient.Response g = c.read(); // parses right after the head: no body bytes in between
            assertThat(Arrays.equals(g.body(), content)).isTrue();
        }
    }
}
