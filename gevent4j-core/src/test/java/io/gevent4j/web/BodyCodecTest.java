package io.gevent4j.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BodyCodecTest {
    record Point(int x, int y) {}

    /** A codec for "x,y" text, to test the interface's checks without a JSON library. */
    static final class PointCodec implements BodyCodec {
        @Override
        public String mediaType() {
            return "text/x-point";
        }

        @Override
        public long maxBodyBytes() {
            return 16;
        }

        @Override
        public <T> T decode(InputStream in, Class<T> type) throws IOException {
            String s = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            String[] xy = s.split(",");
            try {
                return type.cast(new Point(Integer.parseInt(xy[0].strip()), Integer.parseInt(xy[1].strip())));
            } catch (RuntimeException e) {
                throw new HttpException(400, "malformed point '" + s + "'", e);
            }
        }

        @Override
        public void encode(Object value, OutputStream out) throws IOException {
            Point p = (Point) value;
            out.write((p.x() + "," + p.y()).getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void readChecksTypeAndSizeAndSendSetsTheType() throws IOException {
        BodyCodec codec = new PointCodec();
        Router r = new Router().post("/flip", (req, res) -> {
            Point p = codec.read(req, Point.class);
            codec.send(res, 201, new Point(p.y(), p.x()));
        });
        String type = "Content-Type: text/x-point; charset=utf-8\r\n";
        try (WebFixture w = new WebFixture("codec", r)) {
            WebFixture.Response ok = w.send("POST", "/flip", type, "1, 2");
            assertThat(ok.status()).isEqualTo(201);
            assertThat(ok.header("Content-Type")).isEqualTo("text/x-point");
            assertThat(ok.text()).isEqualTo("2,1");
            WebFixture.Response wrong = w.send("POST", "/flip", "Content-Type: application/json\r\n", "{}");
            assertThat(wrong.status()).isEqualTo(415);
            assertThat(wrong.text()).isEqualTo("expected Content-Type text/x-point, got application/json\n");
            WebFixture.Response big = w.send("POST", "/flip", type, "1".repeat(17) + ",2");
            assertThat(big.status()).isEqualTo(413);
            assertThat(big.text()).isEqualTo("body of 19 bytes is larger than the 16-byte limit\n");
            WebFixture.Response bad = w.send("POST", "/flip", type, "1;2");
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.text()).isEqualTo("malformed point '1;2'\n");
        }
    }
}
