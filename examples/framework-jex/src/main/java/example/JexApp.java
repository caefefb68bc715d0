package example;

import io.avaje.jex.Jex;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A framework written for com.sun.net.httpserver (avaje-jex), unchanged: with gevent4j-monkey on
 * the class path, Jex's HttpServer.create() is gevent4j's, and every request is served by it.
 * Routes with a path parameter, a filter, an exception mapping and a POST body, each checked;
 * exits with 1 if an answer is wrong or an exchange is not gevent4j's.
 */
public class JexApp {
    public static void main(String[] args) throws Exception {
        Jex.Server server = Jex.create()
                .filter((ctx, chain) -> {
                    // which server really carries the request: the exchange's class tells
                    ctx.header("X-Exchange", ctx.exchange().getClass().getName());
                    chain.proceed();
                })
                .get("/hello/{name}", ctx -> ctx.text("hello " + ctx.pathParam("name")))
                .post("/echo", ctx -> ctx.text(ctx.body()))
                .get("/fail", ctx -> {
                    throw new IllegalStateException("mapped");
                })
                .error(IllegalStateException.class, (ctx, e) -> ctx.status(418).text(e.getMessage()))
                .config(c -> c.host("127.0.0.1").health(false))
                .port(0)
                .start();
        boolean ok = true;
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            String base = "http://127.0.0.1:" + server.port();
            ok &= check(client, HttpRequest.newBuilder(URI.create(base + "/hello/gevent")), 200, "hello gevent");
            ok &= check(client, HttpRequest.newBuilder(URI.create(base + "/echo"))
                    .POST(HttpRequest.BodyPublishers.ofString("round trip")), 200, "round trip");
            ok &= check(client, HttpRequest.newBuilder(URI.create(base + "/fail")), 418, "mapped");
        } finally {
            server.shutdown();
        }
        if (!ok) {
            System.exit(1);
        }
    }

    private static boolean check(HttpClient client, HttpRequest.Builder request, int status, String body)
            throws Exception {
        HttpResponse<String> r = client.send(request.timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        String exchange = r.headers().firstValue("X-Exchange").orElse("none");
        System.out.println(r.request().method() + " " + r.uri().getPath() + " -> " + r.statusCode() + " "
                + r.body() + " (exchange: " + exchange + ")");
        return r.statusCode() == status && r.body().equals(body) && exchange.startsWith("io.gevent4j.");
    }
}
