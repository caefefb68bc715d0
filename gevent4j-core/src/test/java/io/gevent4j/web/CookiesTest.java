package io.gevent4j.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CookiesTest {
    @Test
    void parsesPairsStripsQuotesAndKeepsEveryValueOfAName() {
        Cookies c = Cookies.parse("a=1; b=\"two\";c=; a=3;  d=x=y ;");
        assertThat(c.get("a")).contains("1");
        assertThat(c.all("a")).containsExactly("1", "3");
        assertThat(c.get("b")).contains("two");
        assertThat(c.get("c")).contains("");
        assertThat(c.get("d")).contains("x=y");
        assertThat(c.names()).containsExactly("a", "b", "c", "d");
        assertThat(c.get("none")).isEmpty();
    }

    @Test
    void malformedHeadersAreA400NamingThePairAndTheCharacter() {
        assertThatThrownBy(() -> Cookies.parse("a=1; b")).isInstanceOf(HttpException.class)
                .hasMessage("malformed Cookie header: cookie-pair 'b' has no '='");
        assertThatThrownBy(() -> Cookies.parse("=1")).hasMessage("malformed Cookie header: cookie-pair '=1' has an empty name");
        assertThatThrownBy(() -> Cookies.parse("a b=1")).hasMessage("malformed Cookie header: invalid character 0x20 in cookie name 'a b'");
        assertThatThrownBy(() -> Cookies.parse("a=x y")).hasMessage("malformed Cookie header: invalid character 0x20 in the value of cookie 'a'");
        assertThatThrownBy(() -> Cookies.parse("a=1,b=2")).hasMessage("malformed Cookie header: invalid character ',' in the value of cookie 'a'");
        assertThatThrownBy(() -> Cookies.parse("a=\"1")).hasMessage("malformed Cookie header: invalid character '\"' in the value of cookie 'a'");
        assertThatThrownBy(() -> Cookies.parse("a=1;; b=2")).hasMessage("malformed Cookie header: empty cookie-pair at offset 4");
        assertThatThrownBy(() -> Cookies.parse("a=1; ".repeat(Cookies.MAX_COOKIES + 1)))
                .hasMessage("Cookie header has more than 200 cookies");
        assertThat(((HttpException) org.assertj.core.api.Assertions.catchThrowable(() -> Cookies.parse("x"))).status())
                .isEqualTo(400);
    }

    @Test
    void setCookieBuildsEveryAttributeAndRefusesBadValues() {
        assertThat(SetCookie.of("id", "a1").path("/").domain(".example.com").maxAge(Duration.ofHours(1))
                .expires(Instant.parse("2030-01-02T03:04:05Z")).secure(true).httpOnly(true)
                .sameSite(SetCookie.SameSite.STRICT).partitioned(true).headerValue())
                .isEqualTo("id=a1; Path=/; Domain=example.com; Max-Age=3600; Expires=Wed, 02 Jan 2030 03:04:05 GMT; "
                        + "Secure; HttpOnly; SameSite=Strict; Partitioned");
        assertThat(SetCookie.expired("id").path("/").headerValue())
                .isEqualTo("id=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
        assertThatThrownBy(() -> SetCookie.of("a b", "1")).hasMessage("invalid character 0x20 in cookie name 'a b' (a token)");
        assertThatThrownBy(() -> SetCookie.of("a", "x;y")).hasMessage("invalid character ';' in the value of cookie 'a' (encode it, e.g. Base64url)");
        assertThatThrownBy(() -> SetCookie.of("", "1")).hasMessage("empty cookie name");
        assertThatThrownBy(() -> SetCookie.of("a", "1").path("/x;y")).hasMessage("invalid character ';' in cookie path /x;y");
        assertThatThrownBy(() -> SetCookie.of("a", "1").domain("ex ample.com")).hasMessageContaining("invalid character 0x20");
        assertThatThrownBy(() -> SetCookie.of("a", "1").domain("a..b")).hasMessage("invalid cookie domain: a..b");
        assertThatThrownBy(() -> SetCookie.of("a", "1").maxAge(Duration.ofSeconds(-1))).hasMessageContaining("negative");
        assertThatThrownBy(() -> SetCookie.of("a", "1").sameSite(SetCookie.SameSite.NONE).headerValue())
                .isInstanceOf(IllegalStateException.class).hasMessage("cookie 'a': SameSite=None requires Secure (browsers drop it)");
        assertThatThrownBy(() -> SetCookie.of("a", "1").partitioned(true).headerValue())
                .hasMessage("cookie 'a': Partitioned requires Secure");
    }

    @Test
    void cookiesOverTheWire() throws IOException {
        Router r = new Router().get("/", (req, res) -> {
            SetCookie.of("seen", "yes").path("/").httpOnly(true).addTo(res);
            SetCookie.of("lang", "fr").addTo(res);
            res.send(200, Cookies.of(req).get("session").orElse("none"));
        });
        try (WebFixture w = new WebFixture("cookies", r)) {
            WebFixture.Response ok = w.send("GET", "/", "Cookie: a=1\r\nCookie: session=s3\r\n", "");
            assertThat(ok.text()).as("two Cookie fields are joined").isEqualTo("s3");
            assertThat(ok.headers().get("set-cookie")).containsExactly("seen=yes; Path=/; HttpOnly", "lang=fr");
            assertThat(w.get("/").text()).isEqualTo("none");
            WebFixture.Response bad = w.send("GET", "/", "Cookie: session\r\n", "");
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.text()).isEqualTo("malformed Cookie header: cookie-pair 'session' has no '='\n");
        }
    }
}
