package io.gevent4j.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.http.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MultipartTest {
    static final String B = "----x7Ab";

    static byte[] body(Object... partsAndBytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object o : partsAndBytes) {
            byte[] b = o instanceof byte[] bytes ? bytes : o.toString().getBytes(StandardCharsets.UTF_8);
            out.writeBytes(b);
        }
        return out.toByteArray();
    }

    static String field(String name, String value) {
        return "--" + B + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n";
    }

    static final String END = "--" + B + "--\r\n";

    private static Multipart.Limits limits(Path dir) {
        return Multipart.Limits.defaults().directory(dir);
    }

    @Test
    void fieldsAndFilesInMemoryAndOnDiskWhateverTheReadSizes(@TempDir Path dir) throws IOException {
        byte[] big = new byte[200_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31 + (i >> 8)); // CR, LF and '-' bytes included
        }
        byte[] body = body("preamble to ignore\r\n", field("title", "Été"),
                "--" + B + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".bin\"\r\n"
                        + "Content-Type: application/octet-stream\r\n\r\n", big, "\r\n",
                field("empty", ""), field("title", "second"), END, "epilogue");
        // one-byte reads split every delimiter in every place; 7 and 4096 at odd offsets; then whole
        for (int step : new int[] {1, 7, 4096, Integer.MAX_VALUE}) {
            try (Multipart m = Multipart.parse(WebFixture.trickle(body, step), B, limits(dir).memoryThreshold(1000))) {
                assertThat(m.parts()).extracting(Multipart.Part::name).containsExactly("title", "file", "empty", "title");
                assertThat(m.part("title").orElseThrow().string()).isEqualTo("Été");
                assertThat(m.parts("title")).extracting(Multipart.Part::string).containsExactly("Été", "second");
                Multipart.Part file = m.part("file").orElseThrow();
                assertThat(file.filename()).contains("a \"b\".bin");
                assertThat(file.contentType()).contains("application/octet-stream");
                assertThat(file.size()).isEqualTo(big.length);
                assertThat(file.isInMemory()).isFalse();
                assertThat(file.file().orElseThrow().getParent()).isEqualTo(dir);
                assertThat(Arrays.equals(file.bytes(), big)).as("content intact with step %d", step).isTrue();
                assertThat(m.part("title").orElseThrow().isInMemory()).isTrue();
                assertThat(m.part("empty").orElseThrow().size()).isZero();
            }
            try (Stream<Path> left = Files.list(dir)) {
                assertThat(left).as("close deletes the temporary files").isEmpty();
            }
        }
    }

    @Test
    void moveToKeepsTheFile(@TempDir Path dir) throws IOException {
        byte[] body = body("--" + B + "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\n",
                "0123456789", "\r\n", END);
        Path target = dir.resolve("kept");
        try (Multipart m = Multipart.parse(WebFixture.trickle(body, 3), B, limits(dir).memoryThreshold(0))) {
            m.part("f").orElseThrow().moveTo(target);
        }
        assertThat(Files.readString(target)).isEqualTo("0123456789");
    }

    private static String refusal(Path dir, byte[] body, Multipart.Limits limits) {
        HttpException e = (HttpException) org.assertj.core.api.Assertions.catchThrowable(
                () -> Multipart.parse(WebFixture.trickle(body, 5), B, limits));
        assertThat(e).as("refused").isNotNull();
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).as("a refused upload leaves no file").isEmpty();
        } catch (IOException io) {
            throw new AssertionError(io);
        }
        return e.status() + " " + e.getMessage();
    }

    @Test
    void malformedBodiesAreA400ThatSaysWhat(@TempDir Path dir) {
        Multipart.Limits l = limits(dir).memoryThreshold(0);
        assertThat(refusal(dir, body("no boundary at all"), l))
                .isEqualTo("400 multipart body has no boundary line '--" + B + "'");
        assertThat(refusal(dir, body(field("a", "1"), "--" + B + "\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\nxyz"), l))
                .isEqualTo("400 multipart body ends inside part 2 ('b'): no closing boundary '--" + B + "--'");
        assertThat(refusal(dir, body("--" + B + "\r\nContent-Type: text/plain\r\n\r\nx\r\n" + END), l))
                .isEqualTo("400 multipart part 1 has no Content-Disposition header");
        assertThat(refusal(dir, body("--" + B + "\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n" + END), l))
                .isEqualTo("400 multipart part 1: Content-Disposition must be form-data, got 'attachment; name=\"a\"'");
        assertThat(refusal(dir, body("--" + B + "\r\nContent-Disposition: form-data\r\n\r\nx\r\n" + END), l))
                .isEqualTo("400 multipart part 1: Content-Disposition has no name parameter");
        assertThat(refusal(dir, body("--" + B + "\r\nno colon here\r\n\r\nx\r\n" + END), l))
                .isEqualTo("400 malformed header line in multipart part 1: 'no colon here'");
        assertThat(refusal(dir, body("--" + B + "junk\r\n"), l))
                .isEqualTo("400 malformed multipart boundary line: expected CRLF or '--' after the boundary");
        assertThat(refusal(dir, body("--" + B + "\r\nContent-Disposition: form-data; name=\"a\"\r\n"), l))
                .isEqualTo("400 multipart body ends inside the headers of part 1");
        assertThat(refusal(dir, body(field("a", "1"), "--" + B), l))
                .isEqualTo("400 multipart body ends right after a boundary (expected CRLF or '--')");
    }

    @Test
    void everyLimitIsEnforcedWhileReadingWithA413(@TempDir Path dir) {
        byte[] threeParts = body(field("a", "1"), field("b", "2"), field("c", "3"), END);
        assertThat(refusal(dir, threeParts, limits(dir).maxParts(2)))
                .isEqualTo("413 multipart body has more than 2 parts");
        byte[] big = body(field("a", "x".repeat(5000)), END);
        assertThat(refusal(dir, big, limits(dir).memoryThreshold(100).maxPartBytes(4000)))
                .isEqualTo("413 multipart part 'a' is larger than the 4000-byte limit");
        assertThat(refusal(dir, big, limits(dir).memoryThreshold(100).maxTotalBytes(3000)))
                .isEqualTo("413 multipart body is larger than the 3000-byte limit");
        byte[] longHeader = body("--" + B + "\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Pad: "
                + "p".repeat(300) + "\r\n\r\nx\r\n", END);
        assertThat(refusal(dir, longHeader, limits(dir).maxHeaderBytes(200)))
                .isEqualTo("413 headers of multipart part 1 are larger than the 200-byte limit");
    }

    @Test
    void overTheWireWithContentTypeChecksAndTheServersBodyLimit(@TempDir Path dir) throws IOException {
        List<Path> seen = new CopyOnWriteArrayList<>();
        Router r = new Router().post("/up", (req, res) -> {
            try (Multipart m = Multipart.read(req, limits(dir).memoryThreshold(10))) {
                Multipart.Part f = m.part("f").orElseThrow(() -> new HttpException(400, "no part f"));
                f.file().ifPresent(seen::add);
                res.send(200, f.filename().orElse("?") + " " + f.size() + " " + Files.exists(f.file().orElseThrow()));
            }
        });
        String type = "Content-Type: multipart/form-data; boundary=\"" + B + "\"\r\n";
        byte[] body = body("--" + B + "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"r.txt\"\r\n\r\n",
                "x".repeat(100), "\r\n", END);
        try (WebFixture w = new WebFixture("multipart", HttpServer.builder(r).maxBodyBytes(1000))) {
            assertThat(w.send("POST", "/up", type, body).text()).isEqualTo("r.txt 100 true");
            assertThat(seen).singleElement().satisfies(p -> assertThat(p).doesNotExist());
            WebFixture.Response wrong = w.send("POST", "/up", "Content-Type: text/plain\r\n", body);
            assertThat(wrong.status()).isEqualTo(415);
            assertThat(wrong.text()).isEqualTo("expected Content-Type multipart/form-data, got text/plain\n");
            WebFixture.Response noBoundary = w.send("POST", "/up", "Content-Type: multipart/form-data\r\n", body);
            assertThat(noBoundary.text()).isEqualTo("multipart/form-data without a boundary parameter\n");
            WebFixture.Response badBoundary = w.send("POST", "/up", "Content-Type: multipart/form-data; boundary=a@b\r\n", body);
            assertThat(badBoundary.status()).isEqualTo(400);
            assertThat(badBoundary.text()).isEqualTo("invalid character '@' in multipart boundary\n");
            assertThat(w.send("POST", "/up", "Content-Type: multipart/form-data; boundary=" + "b".repeat(71) + "\r\n",
                    body).text()).isEqualTo("multipart boundary must be 1 to 70 characters, got 71\n");
            assertThat(w.send("POST", "/up", type, new byte[2000]).status()).as("the server's maxBodyBytes first")
                    .isEqualTo(413);
        }
    }

    @Test
    void limitsRefuseBadSettings() {
        assertThatThrownBy(() -> Multipart.Limits.defaults().maxParts(0)).hasMessage("maxParts must be positive: 0");
        assertThatThrownBy(() -> Multipart.Limits.defaults().memoryThreshold(-1)).hasMessage("negative memoryThreshold: -1");
    }
}
