package io.gevent4j.web;

import static io.gevent4j.testkit.Delays.LONG;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.Hub;
import io.gevent4j.http.HttpHandler;
import io.gevent4j.http.HttpServer;
import java.io.IOException;
import java.net.URI;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link StaticFiles} over real loopback: a raw client (exact bytes) and the JDK's HttpClient. */
class StaticFilesTest {
    static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz";
    static final String SECRET = "TOP-SECRET-4711";
    static final Instant MODIFIED = Instant.parse("2026-01-02T03:04:05Z");

    @TempDir
    Path tmp;
    Path www;
    Hub hub;
    List<HttpServer> servers = new ArrayList<>();

    @BeforeEach
    void tree() throws IOException {
        www = Files.createDirectories(tmp.resolve("www"));
        write("abc.txt", ALPHABET);
        Files.createDirectories(www.resolve("sub/deeper"));
        write("sub/index.html", "<h1>sub</h1>");
        write("sub/deeper/x.txt", "x");
        write("app.js", "console.log('plain')");
        write("app.js.gz", "GZIP-BYTES");
        write("app.js.br", "BROTLI-BYTES");
        write("style.css", "body{}");
        write("style.css.gz", "GZ-CSS");
        write("<b>&\"q'.txt", "odd name");
        write("a b.txt", "space");
        write(".env", SECRET);
        Files.writeString(tmp.resolve("secret.txt"), SECRET);
        Files.createSymbolicLink(www.resolve("link.txt"), Path.of("../secret.txt"));
        Files.createSymbolicLink(www.resolve("out"), tmp);
        Files.createSymbolicLink(www.resolve("inside.txt"), Path.of("abc.txt"));
        hub = Hub.start("static-files-test");
    }

    private void write(String name, String text) throws IOException {
        Path p = www.resolve(name);
        Files.writeString(p, text);
        Files.setLastModifiedTime(p, FileTime.from(MODIFIED));
    }

    @AfterEach
    void stop() {
        servers.forEach(s -> s.stop(java.time.Duration.ZERO));
        assertThat(hub.close(LONG)).isTrue();
    }

    HttpServer serve(HttpHandler h) throws IOException {
        HttpServer s = HttpServer.builder(h).hub(hub).listen("127.0.0.1:0").build().start();
        servers.add(s);
        return s;
    }

    RawHttp client(HttpServer s) throws IOException {
        return new RawHttp(s.address(), LONG);
    }

    HttpServer serveWww() throws IOException {
        return serve(StaticFiles.directory(www).directoryListing(true).build());
    }

    @Test
    void aFileWithItsHeaders() throws Exception {
        try (RawHttp c = client(serveWww())) {
            var r = c.exchange("GET", "/abc.txt");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo(ALPHABET);
            assertThat(r.header("Content-Type")).isEqualTo("text/plain; charset=utf-8");
            assertThat(r.header("Content-Length")).isEqualTo("26");
            assertThat(r.header("Last-Modified")).isEqualTo("Fri, 02 Jan 2026 03:04:05 GMT");
            assertThat(r.header("ETag")).startsWith("\"1a-");
            assertThat(r.header("Accept-Ranges")).isEqualTo("bytes");
            assertThat(r.header("Vary")).isNull();
            var head = c.exchange("HEAD", "/abc.txt");
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Content-Length")).isEqualTo("26");
            assertThat(head.header("ETag")).isEqualTo(r.header("ETag"));
            assertThat(c.exchange("GET", "/style.css").header("Content-Type")).isEqualTo("text/css; charset=utf-8");
            assertThat(c.exchange("GET", "/a%20b.txt").text()).isEqualTo("space");
            assertThat(c.exchange("GET", "/inside.txt").text()).isEqualTo(ALPHABET); // a link inside the root
        }
    }

    @Test
    void aBigFileArrivesWholeThroughTheJdkClient() throws Exception {
        byte[] big = new byte[5 * 1024 * 1024 + 3];
        new Random(7).nextBytes(big);
        Files.write(www.resolve("big.bin"), big);
        HttpServer s = serveWww();
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            var r = client.send(java.net.http.HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + s.address().getPort() + "/big.bin")).timeout(LONG).build(),
                    BodyHandlers.ofByteArray());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
            assertThat(Arrays.equals(r.body(), big)).isTrue();
        }
    }

    @Test
    void ranges() throws Exception {
        try (RawHttp c = client(serveWww())) {
            var one = c.exchange("GET", "/abc.txt", "Range: bytes=2-4");
            assertThat(one.status()).isEqualTo(206);
            assertThat(one.text()).isEqualTo("cde");
            assertThat(one.header("Content-Range")).isEqualTo("bytes 2-4/26");
            assertThat(c.exchange("GET", "/abc.txt", "Range: bytes=-3").text()).isEqualTo("xyz");
            assertThat(c.exchange("GET", "/abc.txt", "Range: bytes=23-").text()).isEqualTo("xyz");
            assertThat(c.exchange("GET", "/abc.txt", "Range: bytes=20-1000").header("Content-Range"))
                    .isEqualTo("bytes 20-25/26");

            var multi = c.exchange("GET", "/abc.txt", "Range: bytes=0-1, 10-11,-1");
            assertThat(multi.status()).isEqualTo(206);
            String type = multi.header("Content-Type");
            assertThat(type).startsWith("multipart/byteranges; boundary=");
            String boundary = type.substring(type.indexOf('=') + 1);
            assertThat(multi.text()).isEqualTo("--" + boundary + "\r\n"
                    + "Content-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 0-1/26\r\n\r\nab\r\n"
                    + "--" + boundary + "\r\n"
                    + "Content-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 10-11/26\r\n\r\nkl\r\n"
                    + "--" + boundary + "\r\n"
                    + "Content-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 25-25/26\r\n\r\nz\r\n"
                    + "--" + boundary + "--\r\n");

            var bad = c.exchange("GET", "/abc.txt", "Range: bytes=26-30");
            assertThat(bad.status()).isEqualTo(416);
            assertThat(bad.header("Content-Range")).isEqualTo("bytes */26");
            // ignored: another unit, bad syntax, overlapping ranges, and HEAD
            assertThat(c.exchange("GET", "/abc.txt", "Range: items=0-1").status()).isEqualTo(200);
            assertThat(c.exchange("GET", "/abc.txt", "Range: bytes=5-2").status()).isEqualTo(200);
            assertThat(c.exchange("GET", "/abc.txt", "Range: bytes=0-5,3-8").status()).isEqualTo(200);
            assertThat(c.exchange("HEAD", "/abc.txt", "Range: bytes=0-1").status()).isEqualTo(200);
        }
    }

    @Test
    void conditionals() throws Exception {
        try (RawHttp c = client(serveWww())) {
            String etag = c.exchange("GET", "/abc.txt").header("ETag");
            var notModified = c.exchange("GET", "/abc.txt", "If-None-Match: \"other\", " + etag);
            assertThat(notModified.status()).isEqualTo(304);
            assertThat(notModified.header("ETag")).isEqualTo(etag);
            assertThat(notModified.body()).isEmpty();
            assertThat(c.exchange("GET", "/abc.txt", "If-None-Match: W/" + etag).status()).isEqualTo(304);
            assertThat(c.exchange("GET", "/abc.txt", "If-None-Match: \"other\"").status()).isEqualTo(200);
            assertThat(c.exchange("GET", "/abc.txt", "If-Modified-Since: Fri, 02 Jan 2026 03:04:05 GMT").status())
                    .isEqualTo(304);
            assertThat(c.exchange("GET", "/abc.txt", "If-Modified-Since: Fri, 02 Jan 2026 03:04:04 GMT").status())
                    .isEqualTo(200);
            // If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2)
            assertThat(c.exchange("GET", "/abc.txt", "If-None-Match: \"other\"",
                    "If-Modified-Since: Fri, 02 Jan 2026 03:04:05 GMT").status()).isEqualTo(200);
            assertThat(c.exchange("GET", "/abc.txt", "If-Modified-Since: yesterday").status()).isEqualTo(200);
            assertThat(c.exchange("GET", "/abc.txt", "If-Match: \"other\"").status()).isEqualTo(412);
            assertThat(c.exchange("GET", "/abc.txt", "If-Match: " + etag).status()).isEqualTo(200);
            assertThat(c.exchange("GET", "/abc.txt", "If-Unmodified-Since: Thu, 01 Jan 2026 00:00:00 GMT").status())
                    .isEqualTo(412);

            var ranged = c.exchange("GET", "/abc.txt", "Range: bytes=0-0", "If-Range: " + etag);
            assertThat(ranged.status()).isEqualTo(206);
            assertThat(ranged.text()).isEqualTo("a");
            var changed = c.exchange("GET", "/abc.txt", "Range: bytes=0-0", "If-Range: \"stale\"");
            assertThat(changed.status()).isEqualTo(200);
            assertThat(changed.text()).isEqualTo(ALPHABET);
            assertThat(c.exchange("GET", "/abc.txt", "Range: bytes=0-0", "If-Range: W/" + etag).status())
                    .isEqualTo(200); // a weak tag never matches If-Range
            assertThat(c.exchange("GET", "/abc.txt", "Range: bytes=0-0",
                    "If-Range: Fri, 02 Jan 2026 03:04:05 GMT").status()).isEqualTo(206);
            assertThat(c.exchange("GET", "/abc.txt", "Range: bytes=0-0",
                    "If-Range: Fri, 02 Jan 2026 03:04:06 GMT").status()).isEqualTo(200);
        }
    }

    @Test
    void directoriesIndexFilesAndTheListing() throws Exception {
        try (RawHttp c = client(serveWww())) {
            var redirect = c.exchange("GET", "/sub?x=1");
            assertThat(redirect.status()).isEqualTo(301);
            assertThat(redirect.header("Location")).isEqualTo("/sub/?x=1");
            var index = c.exchange("GET", "/sub/");
            assertThat(index.text()).isEqualTo("<h1>sub</h1>");
            assertThat(index.header("Content-Type")).isEqualTo("text/html; charset=utf-8");
            // never a redirect to another host: the Location is rebuilt from the checked names
            Files.createDirectories(www.resolve("evil.example"));
            assertThat(c.exchange("GET", "//evil.example").header("Location")).isEqualTo("/evil.example/");

            var listing = c.exchange("GET", "/");
            assertThat(listing.status()).isEqualTo(200);
            String html = listing.text();
            assertThat(html).contains("<a href=\"%3Cb%3E%26%22q%27.txt\">&lt;b&gt;&amp;&quot;q&#39;.txt</a>");
            assertThat(html).contains("<a href=\"a%20b.txt\">a b.txt</a>", "<a href=\"sub/\">sub/</a>",
                    "<a href=\"inside.txt\">");
            assertThat(html).doesNotContain(".env", "link.txt", "\"out/\"", "<b>");
            assertThat(c.exchange("GET", "/sub/deeper/").text()).contains("<a href=\"../\">", "x.txt");
            assertThat(c.exchange("GET", "/abc.txt/").status()).isEqualTo(404);
        }
        HttpServer noListing = serve(StaticFiles.directory(www).build());
        try (RawHttp c = client(noListing)) {
            assertThat(c.exchange("GET", "/").status()).isEqualTo(404);
            assertThat(c.exchange("GET", "/sub/").status()).isEqualTo(200);
        }
    }

    @Test
    void preCompressedVariants() throws Exception {
        try (RawHttp c = client(serveWww())) {
            var br = c.exchange("GET", "/app.js", "Accept-Encoding: gzip, deflate, br");
            assertThat(br.text()).isEqualTo("BROTLI-BYTES");
            assertThat(br.header("Content-Encoding")).isEqualTo("br");
            assertThat(br.header("Content-Type")).isEqualTo("text/javascript; charset=utf-8");
            assertThat(br.header("Vary")).isEqualTo("Accept-Encoding");
            var gz = c.exchange("GET", "/app.js", "Accept-Encoding: br;q=0, gzip");
            assertThat(gz.text()).isEqualTo("GZIP-BYTES");
            assertThat(gz.header("Content-Encoding")).isEqualTo("gzip");
            assertThat(gz.header("ETag")).isNotEqualTo(br.header("ETag"));
            var plain = c.exchange("GET", "/app.js");
            assertThat(plain.text()).isEqualTo("console.log('plain')");
            assertThat(plain.header("Content-Encoding")).isNull();
            assertThat(plain.header("Vary")).isEqualTo("Accept-Encoding");
            assertThat(c.exchange("GET", "/style.css", "Accept-Encoding: br").text()).isEqualTo("body{}");
            assertThat(c.exchange("GET", "/style.css", "Accept-Encoding: *").text()).isEqualTo("GZ-CSS");
            var range = c.exchange("GET", "/app.js", "Accept-Encoding: gzip", "Range: bytes=0-3");
            assertThat(range.text()).isEqualTo("GZIP"); // ranges of the chosen representation
        }
        HttpServer off = serve(StaticFiles.directory(www).precompressed(false).build());
        try (RawHttp c = client(off)) {
            var r = c.exchange("GET", "/app.js", "Accept-Encoding: br, gzip");
            assertThat(r.text()).isEqualTo("console.log('plain')");
            assertThat(r.header("Vary")).isNull();
        }
    }

    @Test
    void noTraversalWhateverTheEncoding() throws Exception {
        Files.writeString(tmp.resolve("x\\y.txt"), SECRET);
        HttpServer s = serve(StaticFiles.directory(www).directoryListing(true).build());
        List<String> attacks = List.of(
                "/../secret.txt", "/sub/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt",
                "/.%2e/secret.txt", "/%2e./secret.txt", "/..%2fsecret.txt", "/..%2Fsecret.txt",
                "/sub%2f..%2f..%2fsecret.txt", "/..%5csecret.txt", "/..\\secret.txt", "/sub\\..\\..\\secret.txt",
                "/%c0%ae%c0%ae/secret.txt", "/%c0%af../secret.txt", "/..%c0%afsecret.txt", "/%e0%80%ae%e0%80%ae/secret.txt",
                "/%252e%252e/secret.txt", "/link.txt", "/out/secret.txt", "/out/", "/.env", "/%2eenv",
                "/abc.txt%00.html", "/%00", "/x%5cy.txt", "/" + tmp.resolve("secret.txt"), "//" + tmp.resolve("secret.txt"),
                "/C:/secret.txt", "/%2f" + tmp.resolve("secret.txt").toString().substring(1),
                "/./../secret.txt", "/sub/./../../secret.txt", "/...", "/%ff%fe");
        for (String target : attacks) {
            try (RawHttp c = client(s)) { // one connection each: the parser closes after refusing a target
                var r = c.exchange("GET", target);
                assertThat(r.status()).as(target).isIn(400, 404);
                assertThat(r.text()).as(target).doesNotContain(SECRET);
            }
        }
        // the same through a prefix
        HttpServer mounted = serve(StaticFiles.directory(www).prefix("/static").build());
        for (String target : List.of("/static/../secret.txt", "/static/%2e%2e/secret.txt", "/static%2f..%2fsecret.txt",
                "/static/..%5csecret.txt", "/static/link.txt")) {
            try (RawHttp c = client(mounted)) {
                var r = c.exchange("GET", target);
                assertThat(r.status()).as(target).isIn(400, 404);
                assertThat(r.text()).as(target).doesNotContain(SECRET);
            }
        }
    }

    @Test
    void underAPrefix() throws Exception {
        HttpServer s = serve(StaticFiles.directory(www).prefix("/static").build());
        try (RawHttp c = client(s)) {
            assertThat(c.exchange("GET", "/static/abc.txt").text()).isEqualTo(ALPHABET);
            assertThat(c.exchange("GET", "/abc.txt").status()).isEqualTo(404);
            assertThat(c.exchange("GET", "/staticabc.txt").status()).isEqualTo(404);
            assertThat(c.exchange("GET", "/static").header("Location")).isEqualTo("/static/");
            assertThat(c.exchange("GET", "/static/sub").header("Location")).isEqualTo("/static/sub/");
            assertThat(c.exchange("GET", "/static/sub/").text()).isEqualTo("<h1>sub</h1>");
        }
    }

    @Test
    void methods() throws Exception {
        try (RawHttp c = client(serveWww())) {
            var post = c.exchange("POST", "/abc.txt", "Content-Length: 0");
            assertThat(post.status()).isEqualTo(405);
            assertThat(post.header("Allow")).isEqualTo("GET, HEAD, OPTIONS");
            var options = c.exchange("OPTIONS", "/abc.txt");
            assertThat(options.status()).isEqualTo(204);
            assertThat(options.header("Allow")).isEqualTo("GET, HEAD, OPTIONS");
        }
    }

    @Test
    void aClassPathRootInAJar() throws Exception {
        Path jar = tmp.resolve("assets.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            JarEntry dir = new JarEntry("public/docs/");
            out.putNextEntry(dir);
            out.closeEntry();
            for (String[] e : new String[][] {{"public/abc.txt", ALPHABET}, {"public/docs/index.html", "<p>docs</p>"},
                    {"secret.txt", SECRET}}) {
                JarEntry entry = new JarEntry(e[0]);
                entry.setTime(MODIFIED.plusSeconds(1).toEpochMilli()); // a zip's DOS time has 2-second steps
                out.putNextEntry(entry);
                out.write(e[1].getBytes(UTF_8));
                out.closeEntry();
            }
        }
        try (URLClassLoader loader = new URLClassLoader(new java.net.URL[] {jar.toUri().toURL()}, null)) {
            HttpServer s = serve(StaticFiles.classPath(loader, "public").prefix("/assets").build());
            try (RawHttp c = client(s)) {
                var r = c.exchange("GET", "/assets/abc.txt");
                assertThat(r.text()).isEqualTo(ALPHABET);
                assertThat(r.header("Last-Modified")).isEqualTo("Fri, 02 Jan 2026 03:04:06 GMT");
                assertThat(c.exchange("GET", "/assets/abc.txt", "Range: bytes=1-2").text()).isEqualTo("bc");
                assertThat(c.exchange("GET", "/assets/abc.txt", "If-None-Match: " + r.header("ETag")).status())
                        .isEqualTo(304);
                assertThat(c.exchange("GET", "/assets/docs").header("Location")).isEqualTo("/assets/docs/");
                assertThat(c.exchange("GET", "/assets/docs/").text()).isEqualTo("<p>docs</p>");
                assertThat(c.exchange("GET", "/assets/missing").status()).isEqualTo(404);
                for (String t : List.of("/assets/../secret.txt", "/assets/%2e%2e/secret.txt", "/assets/..%2fsecret.txt")) {
                    var bad = c.exchange("GET", t);
                    assertThat(bad.status()).as(t).isIn(400, 404);
                    assertThat(bad.text()).doesNotContain(SECRET);
                }
            }
        }
    }

    @Test
    void badOptionsFailWithAPreciseMessage() {
        assertThatThrownBy(() -> StaticFiles.directory(tmp.resolve("missing")).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a directory");
        assertThatThrownBy(() -> StaticFiles.directory(www).prefix("static"))
                .hasMessageContaining("start with '/'");
        assertThatThrownBy(() -> StaticFiles.directory(www).prefix("/static/"))
                .hasMessageContaining("not end with one");
        assertThatThrownBy(() -> StaticFiles.directory(www).indexFiles("../x.html"))
                .hasMessageContaining("plain file name");
        assertThatThrownBy(() -> StaticFiles.classPath(getClass().getClassLoader(), "/static"))
                .hasMessageContaining("resource name");
        assertThatThrownBy(() -> StaticFiles.classPath(getClass().getClassLoader(), "static").directoryListing(true).build())
                .hasMessageContaining("not available for a class-path root");
    }

    @Test
    void headOfABigFileSendsNoBodyAndTheConnectionGoesOn() throws Exception {
        byte[] big = new byte[2 * 1024 * 1024];
        Files.write(www.resolve("big.bin"), big);
        try (RawHttp c = client(serveWww())) {
            assertThat(c.exchange("HEAD", "/big.bin").header("Content-Length")).isEqualTo(Integer.toString(big.length));
            assertThat(c.exchange("GET", "/abc.txt").text()).isEqualTo(ALPHABET);
        }
    }
}
