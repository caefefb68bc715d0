package io.gevent4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.testkit.Delays;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gevent4j serve files DIR} in its own JVM: prints its URL, serves, lists, stops on SIGTERM. */
class ServeFilesTest {
    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+) \\(files server.*");

    @Test
    void servesADirectoryAndPrintsItsUrl(@TempDir Path dir) throws Exception {
        Path www = Files.createDirectories(dir.resolve("www"));
        Files.writeString(www.resolve("hello.txt"), "hello, files");
        Files.writeString(www.resolve(".hidden"), "no");
        Process p = ServeCommandTest.start(dir.resolve("err"), "serve", "files", www.toString(), "--port", "0");
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            String first = out.readLine();
            Matcher m = LISTENING.matcher(String.valueOf(first));
            assertThat(m.matches()).as("first line: %s", first).isTrue();
            String url = "http://127.0.0.1:" + m.group(1) + "/";
            assertThat(out.readLine()).isEqualTo("serving " + www.toAbsolutePath().normalize() + " at " + url);
            var file = client.send(HttpRequest.newBuilder(URI.create(url + "hello.txt")).timeout(Delays.LONG).build(),
                    BodyHandlers.ofString());
            assertThat(file.statusCode()).isEqualTo(200);
            assertThat(file.body()).isEqualTo("hello, files");
            var listing = client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Delays.LONG).build(),
                    BodyHandlers.ofString());
            assertThat(listing.body()).contains("<a href=\"hello.txt\">hello.txt</a>").doesNotContain(".hidden");
            ServeCommandTest.sigterm(p);
            assertThat(p.waitFor(Delays.VERY_LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            assertThat(out.readLine()).isEqualTo("stopped");
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    @Test
    void aMissingDirectoryOrAStrayArgumentIsAPreciseError(@TempDir Path dir) throws Exception {
        CliRun missing = CliRun.of("serve", "files", dir.resolve("nope").toString(), "--port", "0");
        assertThat(missing.exitCode()).isNotZero();
        assertThat(missing.err()).contains("not a directory: " + dir.resolve("nope"));
        CliRun stray = CliRun.of("serve", "echo", dir.toString(), "--port", "0");
        assertThat(stray.exitCode()).isNotZero();
        assertThat(stray.err()).contains("only 'files' takes a directory");
    }
}
