package io.gevent4j.jackson;

import static io.gevent4j.testkit.Delays.LONG;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.gevent4j.Hub;
import io.gevent4j.http.HttpServer;
import io.gevent4j.web.BodyCodec;
import io.gevent4j.web.PathParams;
import io.gevent4j.web.Router;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A routed JSON API on Jackson, called with the JDK's HttpClient. */
class JacksonCodecTest {
    record User(String name, List<String> tags) {}

    private Hub hub;
    private HttpServer server;
    private HttpClient client;

    @BeforeEach
    void start() throws IOException {
        BodyCodec json = new JacksonCodec(new ObjectMapper(), 64);
        Router router = new Router()
                .get("/users/{name}", (req, res) -> json.send(res, 200, new User(PathParams.of(req).get("name"),
                        List.of("a", "b"))))
                .post("/users", (req, res) -> {
                    User u = json.read(req, User.class);
                    json.send(res, 201, new User(u.name().toUpperCase(java.util.Locale.ROOT), u.tags()));
                });
        hub = Hub.start("jackson-test");
        server = HttpServer.builder(router).hub(hub).listen("127.0.0.1:0").build().start();
        client = HttpClient.newBuilder().connectTimeout(LONG).build();
    }

    @AfterEach
    void stop() {
        client.close();
        server.stop(Duration.ZERO);
        assertThat(hub.close(LONG)).isTrue();
    }

    private HttpResponse<String> call(String method, String path, String type, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.address().getPort() + path))
                .timeout(LONG).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (type != null) {
            b.header("Content-Type", type);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void readsAndWritesJson() throws Exception {
        HttpResponse<String> got = call("GET", "/users/ann", null, null);
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat(got.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(got.body()).isEqualTo("{\"name\":\"ann\",\"tags\":[\"a\",\"b\"]}");
        HttpResponse<String> created = call("POST", "/users", "application/json; charset=utf-8",
                "{\"name\":\"bob\",\"tags\":[\"x\"]}");
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(created.body()).isEqualTo("{\"name\":\"BOB\",\"tags\":[\"x\"]}");
    }

    @Test
    void malformedJsonIsA400WithJacksonsReasonAndTheLocation() throws Exception {
        HttpResponse<String> bad = call("POST", "/users", "application/json", "{\"name\": }");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).startsWith("malformed JSON for User at line 1, column 10: Unexpected character ('}'");
        HttpResponse<String> trailing = call("POST", "/users", "application/json", "{\"name\":\"a\",\"tags\":[]} {}");
        assertThat(trailing.statusCode()).isEqualTo(400);
        assertThat(trailing.body()).contains("Trailing token");
        HttpResponse<String> wrongShape = call("POST", "/users", "application/json", "[1, 2]");
        assertThat(wrongShape.statusCode()).isEqualTo(400);
        assertThat(wrongShape.body()).startsWith("malformed JSON for User at line 1, column 1: Cannot deserialize");
    }

    @Test
    void wrongTypeAndTooLargeBodiesAreRefused() throws Exception {
        HttpResponse<String> text = call("POST", "/users", "text/plain", "{}");
        assertThat(text.statusCode()).isEqualTo(415);
        assertThat(text.body()).isEqualTo("expected Content-Type application/json, got text/plain\n");
        HttpResponse<String> big = call("POST", "/users", "application/json", "{\"name\":\"" + "x".repeat(100) + "\"}");
        assertThat(big.statusCode()).isEqualTo(413);
        assertThat(big.body()).isEqualTo("body of 111 bytes is larger than the 64-byte limit\n");
    }
}
