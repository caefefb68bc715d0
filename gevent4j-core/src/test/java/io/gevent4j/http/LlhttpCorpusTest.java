package io.gevent4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * llhttp's request cases (the vendored test resource {@code http-corpus/}, MIT) fed to the parser and the
 * body framing on byte arrays, judged as the corpus README says: every reject case must get no
 * more than {@code requests} complete messages; every accept case must complete its first
 * {@code requests} messages (a refusal is excused on a {@code may_differ} point), and a partial
 * case must end cut short, not refused. A Host line is inserted at {@code host_at} offsets as
 * the README's checker does (this server requires Host in HTTP/1.1, RFC 9112 §3.2).
 */
class LlhttpCorpusTest {
    /** The vendored corpus, a test resource of this module (its README gives source and license). */
    static final String RESOURCE = "/http-corpus/llhttp-requests.jsonl";

    /**
     * The corpus lines, read from {@link #RESOURCE}, or from the file that
     * {@code -Dgevent4j.httpCorpus=FILE} names. Missing data is a failure, never a skip: a test
     * that silently passes without its data proves nothing.
     */
    static List<String> corpusLines() throws IOException {
        String explicit = System.getProperty("gevent4j.httpCorpus");
        if (explicit != null) {
            return Files.readAllLines(Path.of(explicit), StandardCharsets.UTF_8);
        }
        try (InputStream in = LlhttpCorpusTest.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new FileNotFoundException("the HTTP corpus test resource " + RESOURCE + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    static Stream<Arguments> cases() throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<Arguments> out = new ArrayList<>();
        for (String line : corpusLines()) {
            if (!line.isBlank()) {
                JsonNode n = json.readTree(line);
                out.add(Arguments.of(n.get("id").asText(), n));
            }
        }
        if (out.isEmpty()) {
            throw new IOException("the HTTP corpus has no cases");
        }
        return out.stream();
    }

    static byte[] withHost(byte[] raw, JsonNode hostAt) {
        return withHost(raw, hostAt, "Host: 127.0.0.1:8080\r\n");
    }

    static byte[] withHost(byte[] raw, JsonNode hostAt, String hostLine) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int from = 0;
        for (JsonNode at : hostAt) {
            int i = at.asInt();
            b.write(raw, from, i - from);
            b.writeBytes(hostLine.getBytes(StandardCharsets.US_ASCII));
            from = i;
        }
        b.write(raw, from, raw.length - from);
        return b.toByteArray();
    }

    /** The README's pass rule over the whole corpus, with the excused cases listed. */
    @org.junit.jupiter.api.Test
    void passesTheCorpusAsAWhole() throws IOException {
        int acceptAgree = 0;
        int acceptTotal = 0;
        int rejectAgree = 0;
        int rejectTotal = 0;
        List<String> excused = new ArrayList<>();
        for (Arguments a : cases().toList()) {
            String id = (String) a.get()[0];
            JsonNode c = (JsonNode) a.get()[1];
            byte[] raw = withHost(Base64.getDecoder().decode(c.get("raw_b64").asText()), c.get("host_at"));
            RequestFraming f = RequestFraming.read(raw);
            int requests = c.get("requests").asInt();
            boolean mayDiffer = !c.get("may_differ").isNull();
            if (c.get("expect").asText().equals("reject")) {
                if (mayDiffer) {
                    excused.add(id);
                    continue;
                }
                rejectTotal++;
                rejectAgree += f.completed() <= requests ? 1 : 0;
            } else {
                boolean agrees = f.completed() >= requests
                        && !(c.get("partial").asBoolean() && f.end == RequestFraming.End.ERROR);
                if (!agrees && mayDiffer) {
                    excused.add(id + " -> " + f.error.status);
                    continue;
                }
                acceptTotal++;
                acceptAgree += agrees ? 1 : 0;
            }
        }
        System.out.printf("llhttp corpus: accept %d/%d, reject %d/%d, excused %d: %s%n",
                acceptAgree, acceptTotal, rejectAgree, rejectTotal, excused.size(), excused);
        assertThat(rejectAgree).isEqualTo(rejectTotal);
        assertThat(acceptAgree * 100).isGreaterThanOrEqualTo(95 * acceptTotal);
        assertThat(acceptTotal + rejectTotal + excused.size()).isEqualTo(125);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void judgesLikeTheCorpusSays(String id, JsonNode c) {
        byte[] raw = withHost(Base64.getDecoder().decode(c.get("raw_b64").asText()), c.get("host_at"));
        int requests = c.get("requests").asInt();
        boolean partial = c.get("partial").asBoolean();
        boolean mayDiffer = !c.get("may_differ").isNull();
        RequestFraming f = RequestFraming.read(raw);
        String outcome = f.end + (f.error != null ? " " + f.error.status + " " + f.error.getMessage() : "")
                + " after " + f.completed() + " messages";
        if (c.get("expect").asText().equals("reject")) {
            if (mayDiffer) {
                return; // a valid method token llhttp does not know: either answer is fine
            }
            assertThat(f.completed()).as("reject: %s (%s)", outcome, c.get("reason").asText())
                    .isLessThanOrEqualTo(requests);
        } else {
            boolean agrees = f.completed() >= requests && !(partial && f.end == RequestFraming.End.ERROR);
            if (!agrees && mayDiffer) {
                assertThat(f.end).as("excused refusal (%s): %s", c.get("may_differ").asText(), outcome)
                        .isEqualTo(RequestFraming.End.ERROR);
                return;
            }
            assertThat(agrees).as("accept: %s", outcome).isTrue();
            if (partial) {
                assertThat(f.end).as(outcome).isEqualTo(RequestFraming.End.CUT_SHORT);
            }
        }
    }
}
