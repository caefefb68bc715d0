package io.gevent4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The parser and the chunked framing on byte arrays: the same bytes get the same answer however
 * they arrive (whole, split at every position, or in random pieces), and the syntax points the
 * fuzzer found (Host values, absolute-form targets, BWS in chunk extensions).
 */
class RequestSplitInvarianceTest {
    static final int MAX_LINE = 8192;
    static final int MAX_HEADERS = 16384;

    static RequestParser parser() {
        return new RequestParser(MAX_LINE, MAX_HEADERS, 100);
    }

    /** A source that delivers {@code data} in pieces ending at the given offsets, then the rest. */
    static HttpInput.Source pieces(byte[] data, int... cuts) {
        int[] at = {0};
        int[] next = {0};
        return (b, off, len) -> {
            if (at[0] >= data.length) {
                return -1;
            }
            while (next[0] < cuts.length && cuts[next[0]] <= at[0]) {
                next[0]++;
            }
            int end = next[0] < cuts.length ? Math.min(cuts[next[0]], data.length) : data.length;
            int n = Math.min(len, end - at[0]);
            System.arraycopy(data, at[0], b, off, n);
            at[0] += n;
            return n;
        };
    }

    /** What the server would answer: the completed requests and the refusal, if any. */
    static String outcome(RequestFraming f) {
        return f.completed() + " " + f.end + (f.error != null ? " " + f.error.status : "");
    }

    static String whole(byte[] data) {
        return outcome(RequestFraming.read(data, parser()));
    }

    /** Asserts that every two-piece split, and some random many-piece splits, give the whole answer. */
    static String sameAnswerHoweverSplit(byte[] data, int step) {
        String expected = whole(data);
        for (int cut = 1; cut < data.length; cut += step) {
            assertThat(outcome(RequestFraming.read(pieces(data, cut), parser())))
                    .as("split at %d of %d", cut, data.length).isEqualTo(expected);
        }
        Random random = new Random(12);
        for (int round = 0; round < 50; round++) {
            List<Integer> cuts = new ArrayList<>();
            for (int at = 0; at < data.length; ) {
                at += 1 + random.nextInt(Math.max(2, data.length / 8));
                cuts.add(at);
            }
            int[] c = cuts.stream().mapToInt(Integer::intValue).toArray();
            assertThat(outcome(RequestFraming.read(pieces(data, c), parser()))).as("random pieces %s", cuts)
                    .isEqualTo(expected);
        }
        return expected;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String requestLineOf(int length) {
        String prefix = "GET /";
        String suffix = " HTTP/1.1";
        return prefix + "a".repeat(length - prefix.length() - suffix.length()) + suffix;
    }

    @Test
    void aRequestLineOfExactlyTheLimitIsAcceptedHoweverItArrives() {
        byte[] ok = ascii(requestLineOf(MAX_LINE) + "\r\nHost: x\r\n\r\n");
        assertThat(sameAnswerHoweverSplit(ok, 1)).isEqualTo("1 EOF");
        byte[] tooLong = ascii(requestLineOf(MAX_LINE + 1) + "\r\nHost: x\r\n\r\n");
        assertThat(sameAnswerHoweverSplit(tooLong, 7)).isEqualTo("0 ERROR 414");
        byte[] tooLongBareLf = ascii(requestLineOf(MAX_LINE + 2) + "\nHost: x\r\n\r\n");
        assertThat(sameAnswerHoweverSplit(tooLongBareLf, 7)).isEqualTo("0 ERROR 414");
    }

    @Test
    void aHeaderSectionOfExactlyTheLimitIsAcceptedHoweverItArrives() {
        String host = "Host: x\r\n";
        String filler = "X: " + "b".repeat(MAX_HEADERS - host.length() - 5) + "\r\n";
        assertThat(host.length() + filler.length()).isEqualTo(MAX_HEADERS);
        byte[] ok = ascii("GET / HTTP/1.1\r\n" + host + filler + "\r\n");
        assertThat(sameAnswerHoweverSplit(ok, 1)).isEqualTo("1 EOF");
        String fillerPlusOne = "X: " + "b".repeat(MAX_HEADERS - host.length() - 4) + "\r\n";
        byte[] tooLarge = ascii("GET / HTTP/1.1\r\n" + host + fillerPlusOne + "\r\n");
        assertThat(sameAnswerHoweverSplit(tooLarge, 3)).isEqualTo("0 ERROR 431");
    }

    static byte[] chunkedWithExtensionLine(int lineLength) {
        String ext = ";e=" + "v".repeat(lineLength - 4);
        return ascii("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5" + ext
                + "\r\nhello\r\n0\r\n\r\n");
    }

    @Test
    void aChunkSizeLineGetsTheSameAnswerHoweverItArrives() {
        assertThat(sameAnswerHoweverSplit(chunkedWithExtensionLine(4096), 5)).isEqualTo("1 EOF");
        assertThat(sameAnswerHoweverSplit(chunkedWithExtensionLine(4097), 5)).isEqualTo("0 ERROR 400");
        assertThat(sameAnswerHoweverSplit(chunkedWithExtensionLine(5005), 5)).isEqualTo("0 ERROR 400");
    }

    @Test
    void smallRequestsGetTheSameAnswerAtEverySplit() {
        String[] requests = {
                "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n",
                "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5 ; a = \"q\"\r\nhello\r\n0\r\nT: 1\r\n\r\n",
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
                "GET / HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\r\n\r\n",
        };
        for (String r : requests) {
            sameAnswerHoweverSplit(ascii(r), 1);
        }
    }

    // ---------------------------------------------------------------- Host

    @Test
    void invalidHostValuesAreRefused() {
        for (String bad : new String[] {"a b", "x/y", "x?y", "x#y", "a@b", "x:8o", "x:123456", "[::1", "[::1]x",
                "[]", "x:80:80", "%zz", "\"x\"", "x\\y"}) {
            RequestFraming f = RequestFraming.read(ascii("GET / HTTP/1.1\r\nHost: " + bad + "\r\n\r\n"), parser());
            assertThat(outcome(f)).as("Host: %s", bad).isEqualTo("0 ERROR 400");
        }
        for (String good : new String[] {"", "x", "example.com:8080", "127.0.0.1", "[::1]", "[::1]:80", "a-b.c_d~e",
                "x:", "%41b", "[v1.x]"}) {
            RequestFraming f = RequestFraming.read(ascii("GET / HTTP/1.1\r\nHost: " + good + "\r\n\r\n"), parser());
            assertThat(outcome(f)).as("Host: %s", good).isEqualTo("1 EOF");
        }
    }

    @Test
    void anAbsoluteFormTargetsAuthorityReplacesHost() {
        RequestFraming f = RequestFraming.read(
                ascii("GET http://a.example:8080/p?q HTTP/1.1\r\nHost: b.example\r\n\r\n"), parser());
        assertThat(outcome(f)).isEqualTo("1 EOF");
        assertThat(f.heads.get(0).headers.all("Host")).containsExactly("a.example:8080");
        RequestFraming bad = RequestFraming.read(ascii("GET http://a%zz/ HTTP/1.1\r\nHost: b\r\n\r\n"), parser());
        assertThat(outcome(bad)).isEqualTo("0 ERROR 400");
    }

    @Test
    void theMissingHostRuleIsHttp11Only() {
        assertThat(outcome(RequestFraming.read(ascii("GET / HTTP/1.1\r\n\r\n"), parser()))).isEqualTo("0 ERROR 400");
        assertThat(outcome(RequestFraming.read(ascii("GET / HTTP/1.0\r\n\r\n"), parser())))
                .isEqualTo("1 CLOSED_BY_REQUEST");
    }

    // ---------------------------------------------------------------- chunk extensions

    static String chunked(String sizeLine) {
        return outcome(RequestFraming.read(ascii("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + sizeLine + "\r\nhello\r\n0\r\n\r\n"), parser()));
    }

    @Test
    void whitespaceAroundChunkExtensionsIsAllowedAsBws() {
        for (String ok : new String[] {"5 ;a=b", "5\t;a", "5; a", "5 ; a = b", "5;a =\t\"q d\"", "5;a ;b=c", "5;a=b"}) {
            assertThat(chunked(ok)).as(ok).isEqualTo("1 EOF");
        }
        // whitespace not followed by an extension stays refused (llhttp: "Space after chunk header")
        for (String bad : new String[] {"5 ", "5\t", "5;a=b ", "5;a ", "5 ;", "5 ; ", "5;a= ", "5 x"}) {
            assertThat(chunked(bad)).as(bad).isEqualTo("0 ERROR 400");
        }
    }
}
