package io.gevent4j.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.http.HttpHandler;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class RouterTest {
    private static HttpHandler says(String what) {
        return (request, response) -> response.send(200, what);
    }

    @Test
    void parametersAndWildcardsArePassedDecodedAndRaw() throws IOException {
        Router r = new Router()
                .get("/users/{id}/posts/{post}", (req, res) -> res.send(200, PathParams.of(req).asMap().toString()))
                .get("/files/*", (req, res) -> res.send(200, "[" + PathParams.of(req).wildcard().orElseThrow() + "] "
                        + PathParams.of(req).pattern().orElseThrow()));
        try (WebFixture w = new WebFixture("router-params", r)) {
            assertThat(w.get("/users/caf%C3%A9/posts/7?x=1").text()).isEqualTo("{id=café, post=7}");
            assertThat(w.get("/users/a%2Fb/posts/7").text()).as("an encoded slash stays in its segment")
                    .isEqualTo("{id=a/b, post=7}");
            assertThat(w.get("/files/a/b%20c.txt").text()).isEqualTo("[a/b%20c.txt] /files/*");
            assertThat(w.get("/files/").text()).isEqualTo("[] /files/*");
            assertThat(w.get("/files").status()).as("the wildcard needs its slash").isEqualTo(404);
            assertThat(w.get("/users//posts/7").status()).as("a parameter is never empty").isEqualTo(404);
        }
    }

    @Test
    void theMostSpecificPatternWinsWhateverTheOrderAndMatchingBacktracks() throws IOException {
        Router r = new Router()
                .get("/*", says("wildcard"))
                .get("/users/{id}", says("param"))
                .get("/users/me", says("literal"))
                .post("/a/b", says("post a/b"))
                .get("/a/{x}", says("get a/{x}"))
                .get("/x/{y}/z", says("x-y-z"))
                .get("/x/q/w", says("x-q-w"));
        try (WebFixture w = new WebFixture("router-order", r)) {
            assertThat(w.get("/users/me").text()).isEqualTo("literal");
            assertThat(w.get("/users/12").text()).isEqualTo("param");
            assertThat(w.get("/users/12/more").text()).isEqualTo("wildcard");
            assertThat(w.get("/a/b").text()).as("the literal has no GET: the parameter route answers").isEqualTo("get a/{x}");
            assertThat(w.send("POST", "/a/b", "", "").text()).isEqualTo("post a/b");
            assertThat(w.get("/x/q/z").text()).as("backtracks from the literal q").isEqualTo("x-y-z");
            assertThat(w.get("/us%65rs/me").text()).as("literals compare decoded").isEqualTo("literal");
        }
    }

    @Test
    void noRouteIs404AndAWrongMethodIs405WithAllow() throws IOException {
        Router r = new Router().get("/items", says("list")).post("/items", says("created")).delete("/items/{id}", says("x"));
        try (WebFixture w = new WebFixture("router-404", r)) {
            WebFixture.Response none = w.get("/nothing");
            assertThat(none.status()).isEqualTo(404);
            assertThat(none.text()).isEqualTo("no route for /nothing\n");
            WebFixture.Response wrong = w.send("PUT", "/items", "", "x");
            assertThat(wrong.status()).isEqualTo(405);
            assertThat(wrong.header("Allow")).isEqualTo("GET, HEAD, POST, OPTIONS");
            assertThat(wrong.text()).isEqualTo("method PUT is not allowed for /items\n");
            assertThat(w.get("/items/3").header("Allow")).isEqualTo("DELETE, OPTIONS");
            assertThat(w.get("/items/").status()).as("a trailing slash is another path").isEqualTo(404);
        }
    }

    @Test
    void headUsesGetWithoutABodyUnlessAHeadRouteExists() throws IOException {
        Router r = new Router().get("/page", says("twelve bytes"))
                .get("/own", says("get")).head("/own", (req, res) -> res.header("X-Head", "yes").status(200));
        try (WebFixture w = new WebFixture("router-head", r)) {
            WebFixture.Response head = w.send("HEAD", "/page", "", "");
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Content-Length")).isEqualTo("12");
            assertThat(head.body()).isEmpty();
            assertThat(w.send("HEAD", "/own", "", "").header("X-Head")).isEqualTo("yes");
        }
    }

    @Test
    void optionsIsAnsweredWithAllowUnlessRouted() throws IOException {
        Router r = new Router().get("/a", says("a")).put("/a", says("put"))
                .options("/cors", (req, res) -> res.header("Access-Control-Allow-Origin", "*").status(204))
                .patch("/b/{id}", says("b"));
        try (WebFixture w = new WebFixture("router-options", r)) {
            WebFixture.Response o = w.send("OPTIONS", "/a", "", "");
            assertThat(o.status()).isEqualTo(204);
            assertThat(o.header("Allow")).isEqualTo("GET, HEAD, PUT, OPTIONS");
            assertThat(w.send("OPTIONS", "/cors", "", "").header("Access-Control-Allow-Origin")).isEqualTo("*");
            WebFixture.Response star = w.send("OPTIONS", "*", "", "");
            assertThat(star.status()).isEqualTo(204);
            assertThat(star.header("Allow")).isEqualTo("GET, HEAD, PUT, PATCH, OPTIONS");
            assertThat(w.send("OPTIONS", "/none", "", "").status()).isEqualTo(404);
        }
    }

    @Test
    void beforeFiltersRunInOrderAndMayEndTheRequestAfterFiltersAlwaysRun() throws IOException {
        List<String> log = new CopyOnWriteArrayList<>();
        Router r = new Router()
                .before((req, res) -> res.header("X-Seen", "1"))
                .before("/admin/*", (req, res) -> {
                    if (req.header("Authorization").isEmpty()) {
                        res.send(401, "who are you?");
                    }
                })
                .after((req, res) -> log.add(req.method() + " " + req.path() + " " + res.status()))
                .get("/admin/panel", says("secret"))
                .get("/boom", (req, res) -> {
                    throw new HttpException(409, "conflict");
                });
        try (WebFixture w = new WebFixture("router-filters", r)) {
            WebFixture.Response denied = w.get("/admin/panel");
            assertThat(denied.status()).isEqualTo(401);
            assertThat(denied.header("X-Seen")).isEqualTo("1");
            assertThat(w.send("GET", "/admin/panel", "Authorization: x\r\n", "").text()).isEqualTo("secret");
            assertThat(w.get("/boom").status()).isEqualTo(409);
            assertThat(w.get("/missing").header("X-Seen")).as("filters run before a 404 too").isEqualTo("1");
            assertThat(log).containsExactly("GET /admin/panel 401", "GET /admin/panel 200", "GET /boom 409",
                    "GET /missing 404");
        }
    }

    static class AppException extends Exception {
        AppException(String m) {
            super(m);
        }
    }

    static final class NotFoundInDb extends AppException {
        NotFoundInDb(String m) {
            super(m);
        }
    }

    @Test
    void exceptionsMapToTheNearestRegisteredTypeAndTheRestGoesToTheServer() throws IOException {
        Router r = new Router()
                .exception(AppException.class, (e, req, res) -> res.send(422, "app: " + e.getMessage()))
                .exception(NotFoundInDb.class, (e, req, res) -> res.send(404, "db: " + e.getMessage()))
                .exception(HttpException.class, (e, req, res) -> res.send(e.status(), "{\"error\":" + e.status() + "}"))
                .get("/app", (req, res) -> {
                    throw new AppException("bad");
                })
                .get("/db", (req, res) -> {
                    throw new NotFoundInDb("row 7");
                })
                .get("/npe", (req, res) -> {
                    throw new NullPointerException("oops");
                })
                .get("/late", (req, res) -> {
                    res.outputStream().write('x');
                    res.flush();
                    throw new AppException("after the start");
                });
        try (WebFixture w = new WebFixture("router-exceptions", r)) {
            assertThat(w.get("/app").text()).isEqualTo("app: bad");
            assertThat(w.get("/db").text()).isEqualTo("db: row 7");
            assertThat(w.get("/nothing").text()).as("the router's own 404 is mapped too").isEqualTo("{\"error\":404}");
            assertThat(w.get("/npe").status()).isEqualTo(500);
            String late = w.raw("GET /late HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(late).as("a started response cannot be mapped: the connection is cut")
                    .startsWith("HTTP/1.1 200").endsWith("\r\n1\r\nx\r\n").doesNotContain("after the start");
        }
    }

    @Test
    void groupsPrefixRoutesAndScopeTheirFilters() throws IOException {
        Router r = new Router();
        r.get("/", says("home"));
        r.group("/api", api -> {
            api.before((req, res) -> res.header("X-Api", "v1"));
            api.get("", says("api root"));
            api.get("/users/{id}", (req, res) -> res.send(200, "user " + PathParams.of(req).get("id")));
            api.group("/admin", admin -> admin.delete("/users/{id}", says("deleted")));
        });
        r.group("/shops/{shop}", shop -> shop.get("/items/{item}", (req, res) -> res.send(200,
                PathParams.of(req).asMap().toString())));
        try (WebFixture w = new WebFixture("router-groups", r)) {
            WebFixture.Response user = w.get("/api/users/5");
            assertThat(user.text()).isEqualTo("user 5");
            assertThat(user.header("X-Api")).isEqualTo("v1");
            assertThat(w.get("/api").header("X-Api")).isEqualTo("v1");
            assertThat(w.get("/").header("X-Api")).as("outside the group").isNull();
            assertThat(w.get("/apiary").status()).isEqualTo(404);
            assertThat(w.get("/apiary").header("X-Api")).as("a prefix is whole segments").isNull();
            assertThat(w.send("DELETE", "/api/admin/users/9", "", "").text()).isEqualTo("deleted");
            assertThat(w.get("/shops/s1/items/i2").text()).isEqualTo("{shop=s1, item=i2}");
        }
    }

    @Test
    void aPathThatIsNotUtf8IsA400() throws IOException {
        try (WebFixture w = new WebFixture("router-400", new Router().get("/{x}", says("x")))) {
            WebFixture.Response bad = w.get("/%FF%FE");
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.text()).isEqualTo("percent-encoded bytes in the path are not UTF-8\n");
        }
    }

    @Test
    void badPatternsAndDuplicateRoutesAreRefusedWithTheReason() {
        Router r = new Router().get("/a/{id}", says("a"));
        assertThatThrownBy(() -> r.get("/a/{name}", says("b"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a GET route for /a/{name} is already registered (/a/{id})");
        r.post("/a/{name}", says("ok: another method may name the parameter otherwise"));
        assertThatThrownBy(() -> r.get("a", says("x"))).hasMessageContaining("must start with '/'");
        assertThatThrownBy(() -> r.get("/*/a", says("x"))).hasMessageContaining("'*' may only be the last segment");
        assertThatThrownBy(() -> r.get("/a*", says("x"))).hasMessageContaining("a wildcard a whole last segment");
        assertThatThrownBy(() -> r.get("/{a}/{a}", says("x"))).hasMessageContaining("parameter {a} appears twice");
        assertThatThrownBy(() -> r.get("/{1a}", says("x"))).hasMessageContaining("bad parameter name '1a'");
        assertThatThrownBy(() -> r.get("/a?b", says("x"))).hasMessageContaining("without '?'");
        assertThatThrownBy(() -> r.route("GE T", "/x", says("x"))).hasMessage("not an HTTP method token: GE T");
        assertThatThrownBy(() -> r.group("/g/", g -> { })).hasMessageContaining("does not end with one");
        assertThatThrownBy(() -> r.exception(RuntimeException.class, (e, q, s) -> { })
                .exception(RuntimeException.class, (e, q, s) -> { }))
                .hasMessageContaining("already registered");
    }

    @Test
    void registeringAfterServingStartedIsRefused() throws IOException {
        Router r = new Router().get("/", says("x"));
        try (WebFixture w = new WebFixture("router-frozen", r)) {
            assertThat(w.get("/").status()).isEqualTo(200);
            assertThatThrownBy(() -> r.get("/late", says("y"))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("before the router serves its first request");
        }
    }

    @Test
    void pathParamsOutsideARouterSayWhy() throws IOException {
        try (WebFixture w = new WebFixture("router-none", (req, res) -> {
            try {
                PathParams.of(req);
                res.send(200, "bound?");
            } catch (IllegalStateException e) {
                res.send(500, e.getMessage());
            }
        })) {
            assertThat(w.get("/x").text()).isEqualTo("no Router is handling GET /x HTTP/1.1 in this greenlet");
        }
    }
}
