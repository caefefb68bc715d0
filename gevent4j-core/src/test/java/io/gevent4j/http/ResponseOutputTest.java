package io.gevent4j.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The output end of the pipeline without a socket: the head writer, the framings, the deadlines. */
class ResponseOutputTest {
    /** A sink that records body bytes and nothing else. */
    static final class Recording implements ResponseSink {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public void head(ResponseHead head) {
            throw new AssertionError("not under test");
        }

        @Override
        public void body(byte[] b, int off, int len) {
            bytes.write(b, off, len);
        }

        @Override
        public void flush() {}

        @Override
        public void finished(boolean complete) {}

        @Override
        public void abort() {}

        String text() {
            return bytes.toString(StandardCharsets.ISO_8859_1);
        }
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void fixedLengthPassesBytesThroughAndRefusesMoreThanDeclared() throws IOException {
        Recording sink = new Recording();
        FixedLengthOutput out = new FixedLengthOutput(sink, 5);
        out.write(b("abc"));
        assertThat(out.complete()).isFalse();
        out.write(new byte[0]);
        assertThatThrownBy(() -> out.write(b("def"))).isInstanceOf(IOException.class).hasMessageContaining("5");
        out.write(b("de"));
        assertThat(out.complete()).isTrue();
        assertThat(sink.text()).isEqualTo("abcde");
    }

    @Test
    void chunkedWritesOneChunkPerWriteAndTheLastChunkOnceOnClose() throws IOException {
        Recording sink = new Recording();
        ChunkedOutput out = new ChunkedOutput(sink);
        out.write(b("hello"));
        out.write(new byte[0]); // a zero-length chunk would end the body: nothing is written
        out.write(new byte[26]);
        assertThat(out.complete()).isFalse();
        out.close();
        out.close();
        assertThat(out.complete()).isTrue();
        assertThat(sink.text()).isEqualTo("5\r\nhello\r\n1a\r\n" + "\0".repeat(26) + "\r\n0\r\n\r\n");
    }

    @Test
    void closeDelimitedPassesBytesThroughAndDiscardingDropsThem() throws IOException {
        Recording sink = new Recording();
        CloseDelimitedOutput out = new CloseDelimitedOutput(sink);
        out.write(b("as is"));
        out.close();
        assertThat(sink.text()).isEqualTo("as is");
        BodyOutput none = BodyOutput.discarding();
        none.write(b("dropped"));
        assertThat(none.complete()).isTrue();
        assertThat(none.bytesOnWire(7)).isZero();
    }

    private static String written(ResponseHead head, ResponseHead.ConnectionHeader c) {
        Output out = new Output(null, () -> Wire.NONE); // never flushed here: no wire needed
        head.writeTo(out, c);
        return new String(out.buf, 0, out.count, StandardCharsets.ISO_8859_1);
    }

    @Test
    void theHeadWriterPutsFramingAndConnectionAfterTheHandlersHeaders() {
        HttpHeaders h = new HttpHeaders();
        h.set("Date", "then");
        h.set("X-A", "1");
        h.set("Connection", "close"); // framing headers of the handler are not copied
        h.set("Transfer-Encoding", "gzip");
        assertThat(written(new ResponseHead(404, h, 7, ResponseHead.Framing.FIXED), ResponseHead.ConnectionHeader.CLOSE))
                .isEqualTo("HTTP/1.1 404 Not Found\r\nDate: then\r\nX-A: 1\r\nContent-Length: 7\r\nConnection: close\r\n\r\n");
        assertThat(written(new ResponseHead(599, h, -1, ResponseHead.Framing.CHUNKED), ResponseHead.ConnectionHeader.KEEP_ALIVE))
                .isEqualTo("HTTP/1.1 599 \r\nDate: then\r\nX-A: 1\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n");
        assertThat(written(new ResponseHead(204, new HttpHeaders(), -1, ResponseHead.Framing.NONE), ResponseHead.ConnectionHeader.NONE))
                .startsWith("HTTP/1.1 204 No Content\r\nDate: ").endsWith(" GMT\r\n\r\n").doesNotContain("Content-Length");
    }

    @Test
    void deadlinesBeyondTheClocksRangeAreNone() {
        assertThat(Wire.after(Duration.ofSeconds(Long.MAX_VALUE))).isEqualTo(Wire.NONE);
        assertThat(Wire.after(Long.MAX_VALUE - 5, 10)).isEqualTo(Wire.NONE);
        long now = System.nanoTime();
        assertThat(Wire.after(Duration.ofSeconds(1)) - now).isGreaterThanOrEqualTo(1_000_000_000L);
    }
}
