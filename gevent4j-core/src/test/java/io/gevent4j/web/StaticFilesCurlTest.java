package io.gevent4j.web;

import static io.gevent4j.testkit.Delays.LONG;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Hub;
import io.gevent4j.http.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StaticFiles} checked with {@code curl}, a client nobody here wrote: ranges (and a
 * resumed download), multi-range, conditionals, a real gzip variant decoded by
 * {@code --compressed}, and traversal attempts sent as-is. Needs {@code curl} (Debian package
 * {@code curl}); skipped when it is missing, except under {@code CI=true}, where that fails.
 */
class StaticFilesCurlTest {
    static final String SECRET = "TOP-SECRET-0815";

    @TempDir
    Path tmp;
    Path www;
    Hub hub;
    HttpServer server;
    String base;
    byte[] big;

    @BeforeEach
    void start() throws IOException {
        boolean present = curlPresent();
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("curl is not installed; CI must install it (Debian package curl)");
        }
        Assumptions.assumeTrue(present, "curl is not installed");
        www = Files.createDirectories(tmp.resolve("www"));
        Files.writeString(www.resolve("abc.txt"), "abcdefghijklmnopqrstuvwxyz");
        big = new byte[1_500_000];
        new Random(3).nextBytes(big);
        Files.write(www.resolve("big.bin"), big);
        Files.writeString(www.resolve("app.js"), "console.log('hello from gzip');\n".repeat(50));
        try (OutputStream gz = new GZIPOutputStream(Files.newOutputStream(www.resolve("app.js.gz")))) {
            gz.write("console.log('hello from gzip');\n".repeat(50).getBytes(UTF_8));
        }
        Files.writeString(tmp.resolve("secret.txt"), SECRET);
        Files.createSymbolicLink(www.resolve("link.txt"), Path.of("../secret.txt"));
        hub = Hub.start("static-curl-test");
        server = HttpServer.builder(StaticFiles.directory(www).build()).hub(hub).listen("127.0.0.1:0").build().start();
        base = "http://127.0.0.1:" + server.address().getPort();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(java.time.Duration.ZERO);
            assertThat(hub.close(LONG)).isTrue();
        }
    }

    static boolean curlPresent() {
        try {
            Process p = new ProcessBuilder("curl", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** Runs curl with {@code args} (silent, errors shown, no proxy, bounded); its stdout. */
    String curl(String... args) throws Exception {
        return new String(curlBytes(args), UTF_8);
    }

    byte[] curlBytes(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--noproxy", "*", "--max-time",
                Long.toString(Math.max(5, LONG.toSeconds()))));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            assertThat(p.waitFor(LONG.toMillis() * 2, TimeUnit.MILLISECONDS)).as("curl finished").isTrue();
            assertThat(p.exitValue()).as("curl's exit code for " + cmd).isZero();
            return out;
        } finally {
            p.destroyForcibly(); // nothing left once it has exited; a curl that hangs must not outlive the test
            p.waitFor(LONG.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Test
    void rangesAndAResumedDownload() throws Exception {
        assertThat(curl("-r", "2-4", base + "/abc.txt")).isEqualTo("cde");
        assertThat(curl("-r", "-3", base + "/abc.txt")).isEqualTo("xyz");
        String multi = curl("-r", "0-1,24-", "-D", "-", base + "/abc.txt");
        assertThat(multi).contains("HTTP/1.1 206", "multipart/byteranges; boundary=",
                "Content-Range: bytes 0-1/26\r\n\r\nab\r\n", "Content-Range: bytes 24-25/26\r\n\r\nyz\r\n");
        assertThat(curl("-o", "/dev/null", "-w", "%{http_code}", "-r", "30-40", base + "/abc.txt")).isEqualTo("416");

        Path partial = tmp.resolve("download.bin");
        Files.write(partial, Arrays.copyOf(big, 600_000)); // an interrupted download
        curl("-C", "-", "-o", partial.toString(), base + "/big.bin");
        assertThat(Arrays.equals(Files.readAllBytes(partial), big)).isTrue();
    }

    @Test
    void conditionals() throws Exception {
        String head = curl("-I", base + "/abc.txt");
        String etag = head.lines().filter(l -> l.regionMatches(true, 0, "ETag:", 0, 5)).findFirst().orElseThrow()
                .substring(5).strip();
        String modified = head.lines().filter(l -> l.regionMatches(true, 0, "Last-Modified:", 0, 14)).findFirst()
                .orElseThrow().substring(14).strip();
        assertThat(curl("-o", "/dev/null", "-w", "%{http_code}", "-H", "If-None-Match: " + etag, base + "/abc.txt"))
                .isEqualTo("304");
        assertThat(curl("-o", "/dev/null", "-w", "%{http_code}", "-z", modified, base + "/abc.txt")).isEqualTo("304");
        assertThat(curl("-w", "%{http_code}", "-z", "Thu, 01 Jan 1970 00:00:00 GMT", base + "/abc.txt"))
                .isEqualTo("abcdefghijklmnopqrstuvwxyz200");
        assertThat(curl("-r", "0-0", "-H", "If-Range: " + etag, base + "/abc.txt")).isEqualTo("a");
        assertThat(curl("-r", "0-0", "-H", "If-Range: \"stale\"", base + "/abc.txt"))
                .isEqualTo("abcdefghijklmnopqrstuvwxyz");
    }

    @Test
    void aGzipVariantDecodedByCurl() throws Exception {
        String headers = curl("--compressed", "-D", "-", "-o", "/dev/null", base + "/app.js");
        assertThat(headers).containsIgnoringCase("Content-Encoding: gzip").containsIgnoringCase("Vary: Accept-Encoding");
        assertThat(curl("--compressed", base + "/app.js")).isEqualTo("console.log('hello from gzip');\n".repeat(50));
    }

    @Test
    void traversalAttemptsSentAsIs() throws Exception {
        for (String target : List.of("/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/..%5csecret.txt",
                "/%c0%ae%c0%ae/secret.txt", "/link.txt", "/abc.txt%00", "/" + tmp.resolve("secret.txt"))) {
            String out = curl("--path-as-is", "-w", "\n%{http_code}", base + target);
            assertThat(out).as(target).doesNotContain(SECRET);
            assertThat(out.substring(out.lastIndexOf('\n') + 1)).as(target).isIn("400", "404");
        }
    }
}
