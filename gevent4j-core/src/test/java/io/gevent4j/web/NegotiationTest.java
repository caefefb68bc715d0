package io.gevent4j.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class NegotiationTest {
    private static WebFixture server() throws IOException {
        return new WebFixture("negotiation", new Router()
                .get("/type", (req, res) -> res.send(200, Negotiation.requireMediaType(req, "application/json", "text/html")))
                .get("/accepts", (req, res) -> res.send(200, "" + Negotiation.accepts(req, "text/event-stream")))
                .get("/enc", (req, res) -> res.send(200, Negotiation.encoding(req, "br", "gzip", "identity").orElse("-")))
                .get("/lang", (req, res) -> res.send(200, Negotiation.language(req, "en", "fr-CA", "de").orElse("-"))));
    }

    private static String ask(WebFixture w, String path, String header) throws IOException {
        WebFixture.Response r = w.send("GET", path, header.isEmpty() ? "" : header + "\r\n", "");
        return r.status() + " " + r.text();
    }

    @Test
    void mediaTypesByQualityThenSpecificityThenServerOrder() throws IOException {
        try (WebFixture w = server()) {
            assertThat(ask(w, "/type", "")).isEqualTo("200 application/json");
            assertThat(ask(w, "/type", "Accept: text/html")).isEqualTo("200 text/html");
            assertThat(ask(w, "/type", "Accept: text/html;q=0.9, application/json;q=0.8")).isEqualTo("200 text/html");
            assertThat(ask(w, "/type", "Accept: */*")).isEqualTo("200 application/json");
            assertThat(ask(w, "/type", "Accept: text/*, application/json;q=0.5")).isEqualTo("200 text/html");
            assertThat(ask(w, "/type", "Accept: */*;q=0.1, application/json;q=0")).as("the most specific range decides")
                    .isEqualTo("200 text/html");
            assertThat(ask(w, "/type", "Accept: Application/JSON")).isEqualTo("200 application/json");
            assertThat(ask(w, "/type", "Accept: image/png"))
                    .isEqualTo("406 none of application/json, text/html is acceptable (Accept: image/png)\n");
            assertThat(ask(w, "/accepts", "Accept: text/event-stream")).isEqualTo("200 true");
            assertThat(ask(w, "/accepts", "Accept: text/html")).isEqualTo("200 false");
        }
    }

    @Test
    void malformedHeadersAreA400() throws IOException {
        try (WebFixture w = server()) {
            assertThat(ask(w, "/type", "Accept: html")).isEqualTo("400 malformed media range 'html' in Accept\n");
            assertThat(ask(w, "/type", "Accept: */html")).isEqualTo("400 malformed media range '*/html' in Accept\n");
            assertThat(ask(w, "/type", "Accept: text/html;q=2"))
                    .isEqualTo("400 malformed q-value '2' in 'text/html;q=2' (expected 0 to 1 with at most three decimals)\n");
            assertThat(ask(w, "/type", "Accept: text/html;q=0.1234")).startsWith("400 malformed q-value '0.1234'");
            assertThat(ask(w, "/enc", "Accept-Encoding: g zip")).isEqualTo("400 malformed element 'g zip' in Accept-Encoding\n");
        }
    }

    @Test
    void encodingsWithIdentityAsTheLastResort() throws IOException {
        try (WebFixture w = server()) {
            assertThat(ask(w, "/enc", "")).isEqualTo("200 br");
            assertThat(ask(w, "/enc", "Accept-Encoding: gzip, deflate")).isEqualTo("200 gzip");
            assertThat(ask(w, "/enc", "Accept-Encoding: gzip;q=0.5, br;q=0.9")).isEqualTo("200 br");
            assertThat(ask(w, "/enc", "Accept-Encoding: deflate")).isEqualTo("200 identity");
            assertThat(ask(w, "/enc", "Accept-Encoding: *;q=0")).isEqualTo("200 -");
            assertThat(ask(w, "/enc", "Accept-Encoding: identity;q=0, gzip;q=0")).isEqualTo("200 -");
            assertThat(ask(w, "/enc", "Accept-Encoding: gzip;q=0, *")).isEqualTo("200 br");
        }
    }

    @Test
    void languagesByPrefix() throws IOException {
        try (WebFixture w = server()) {
            assertThat(ask(w, "/lang", "Accept-Language: fr, en;q=0.5")).isEqualTo("200 fr-CA");
            assertThat(ask(w, "/lang", "Accept-Language: de-AT")).isEqualTo("200 -");
            assertThat(ask(w, "/lang", "Accept-Language: *;q=0.1, de")).isEqualTo("200 de");
        }
    }
}
