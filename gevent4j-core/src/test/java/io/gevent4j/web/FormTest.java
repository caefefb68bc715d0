package io.gevent4j.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FormTest {
    @Test
    void parsesPairsInOrderWithPlusAsSpaceAndRepeatedNames() {
        Form f = Form.parse("a=1&b=x+y&a=2&c&d=&%C3%A9t%C3%A9=%E2%82%AC&&");
        assertThat(f.all("a")).containsExactly("1", "2");
        assertThat(f.first("b")).contains("x y");
        assertThat(f.first("c")).contains("");
        assertThat(f.first("d")).contains("");
        assertThat(f.first("été")).contains("€");
        assertThat(f.names()).containsExactly("a", "b", "c", "d", "été");
        assertThat(f.first("none")).isEmpty();
        assertThat(f.require("a")).isEqualTo("1");
        assertThatThrownBy(() -> f.require("zz")).isInstanceOf(HttpException.class).hasMessage("missing field 'zz'")
                .extracting(e -> ((HttpException) e).status()).isEqualTo(400);
    }

    @Test
    void malformedEscapesAndBadUtf8AreA400ThatSaysWhere() {
        assertThatThrownBy(() -> Form.parse("a=1&b=%4")).isInstanceOf(HttpException.class)
                .hasMessage("malformed percent-encoding in the form at offset 0: '%' must be followed by two hex digits");
        assertThatThrownBy(() -> Form.parse("a=%zz")).hasMessageContaining("malformed percent-encoding");
        assertThatThrownBy(() -> Form.parse("a=%C3%28")).hasMessage("percent-encoded bytes in the form are not UTF-8");
        assertThatThrownBy(() -> Form.parse("x=1&".repeat(Form.MAX_FIELDS + 1)))
                .hasMessage("the form has more than 1000 fields");
    }

    @Test
    void queryAndBodyOverTheWire() throws IOException {
        Router r = new Router()
                .get("/q", (req, res) -> res.send(200, Form.query(req).asMap().toString()))
                .post("/f", (req, res) -> res.send(200, Form.read(req).asMap().toString()))
                .post("/small", (req, res) -> res.send(200, Form.read(req, 10).asMap().toString()));
        String form = "Content-Type: application/x-www-form-urlencoded\r\n";
        try (WebFixture w = new WebFixture("form", r)) {
            assertThat(w.get("/q?x=1&y=a+b&x=%2F").text()).isEqualTo("{x=[1, /], y=[a b]}");
            assertThat(w.get("/q").text()).isEqualTo("{}");
            WebFixture.Response badQuery = w.get("/q?x=%C3");
            assertThat(badQuery.status()).isEqualTo(400);
            assertThat(badQuery.text()).isEqualTo("percent-encoded bytes in the query are not UTF-8\n");
            assertThat(w.send("POST", "/f", form, "name=J%C3%BCrgen&tags=a&tags=b").text())
                    .isEqualTo("{name=[Jürgen], tags=[a, b]}");
            assertThat(w.send("POST", "/f", "Content-Type: application/x-www-form-urlencoded; charset=UTF-8\r\n",
                    "a=1").text()).isEqualTo("{a=[1]}");
            WebFixture.Response raw = w.send("POST", "/f", form, "a=\u00e9".getBytes(StandardCharsets.ISO_8859_1));
            assertThat(raw.status()).as("a raw byte that is not UTF-8").isEqualTo(400);
            assertThat(raw.text()).isEqualTo("percent-encoded bytes in the form body are not UTF-8\n");
            assertThat(w.send("POST", "/f", form, "a=é").text()).as("raw UTF-8 is accepted").isEqualTo("{a=[é]}");
            WebFixture.Response json = w.send("POST", "/f", "Content-Type: application/json\r\n", "{}");
            assertThat(json.status()).isEqualTo(415);
            assertThat(json.text()).isEqualTo("expected Content-Type application/x-www-form-urlencoded, got application/json\n");
            assertThat(w.send("POST", "/f", "", "a=1").text())
                    .isEqualTo("expected Content-Type application/x-www-form-urlencoded, got none\n");
            WebFixture.Response latin = w.send("POST", "/f", "Content-Type: application/x-www-form-urlencoded; charset=iso-8859-1\r\n", "a=1");
            assertThat(latin.status()).isEqualTo(415);
            assertThat(latin.text()).isEqualTo("form charset must be UTF-8, got iso-8859-1\n");
            WebFixture.Response big = w.send("POST", "/small", form, "a=12345678901");
            assertThat(big.status()).isEqualTo(413);
            assertThat(big.text()).isEqualTo("form body of 13 bytes is larger than the 10-byte limit\n");
            WebFixture.Response chunked = w.raw2("POST /small HTTP/1.1\r\nHost: t\r\nConnection: close\r\n" + form
                    + "Transfer-Encoding: chunked\r\n\r\n7\r\na=12345\r\n6\r\n678901\r\n0\r\n\r\n");
            assertThat(chunked.status()).as("a chunked body without a length is bounded while read").isEqualTo(413);
            assertThat(chunked.text()).isEqualTo("form body is larger than the 10-byte limit\n");
        }
    }
}
