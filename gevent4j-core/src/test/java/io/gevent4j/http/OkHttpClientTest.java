package io.gevent4j.http;

import static io.gevent4j.testkit.Delays.LONG;
import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Hub;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** OkHttp (a third-party client with its own connection pool) against the HTTP server. */
class OkHttpClientTest {
    Hub hub;
    HttpServer server;
    OkHttpClient client;

    @BeforeEach
    void start() throws IOException {
        hub = Hub.start("okhttp-test");
        server = HttpServer.builder(HttpServerTest.ECHO).hub(hub).listen("127.0.0.1:0").build().start();
        client = new OkHttpClient.Builder().connectionPool(new ConnectionPool(1, 1, TimeUnit.MINUTES))
                .callTimeout(LONG).retryOnConnectionFailure(false).build();
    }

    @AfterEach
    void stop() {
        client.connectionPool().evictAll();
        client.dispatcher().executorService().shutdown();
        server.stop(Duration.ZERO);
        assertThat(hub.close(LONG)).isTrue();
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.address().getPort() + path;
    }

    @Test
    void reusesOneKeepAliveConnectionForGetsAndPosts() throws Exception {
        for (int i = 0; i < 5; i++) {
            try (Response r = client.newCall(new Request.Builder().url(url("/get/" + i + "?k=v")).build()).execute()) {
                assertThat(r.code()).isEqualTo(200);
                assertThat(r.header("X-Path")).isEqualTo("/get/" + i);
                assertThat(r.header("X-Query")).isEqualTo("k=v");
            }
        }
        RequestBody fixed = RequestBody.create("fixed", MediaType.get("text/plain"));
        try (Response r = client.newCall(new Request.Builder().url(url("/post")).post(fixed).build()).execute()) {
            assertThat(r.body().string()).isEqualTo("fixed");
        }
        RequestBody streamed = new RequestBody() {
            @Override
            public MediaType contentType() {
                return MediaType.get("application/octet-stream");
            }

            @Override
            public long contentLength() {
                return -1; // unknown: OkHttp sends it chunked
            }

            @Override
            public void writeTo(BufferedSink sink) throws IOException {
                for (int i = 0; i < 100; i++) {
                    sink.writeUtf8("chunk" + i + ";");
                    sink.flush();
                }
            }
        };
        try (Response r = client.newCall(new Request.Builder().url(url("/chunked")).post(streamed).build()).execute()) {
            assertThat(r.body().string()).startsWith("chunk0;chunk1;").endsWith("chunk99;");
        }
        assertThat(client.connectionPool().connectionCount()).isEqualTo(1);
        assertThat(server.streamServer().activeConnections()).isEqualTo(1);
    }
}
