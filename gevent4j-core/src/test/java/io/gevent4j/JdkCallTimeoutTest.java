package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.testkit.Delays;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.SocketException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Timeout and kill of a greenlet parked inside the JDK's own blocking HTTP clients
 * ({@code HttpClient.send}, {@code HttpURLConnection}), against a local server that never answers.
 * The JDK call throws its own exception; every gevent4j form must end with its documented outcome.
 */
class JdkCallTimeoutTest {
    private SilentHttpServer server;
    private Hub hub;
    private HttpClient client;

    @BeforeEach
    void start() throws Exception {
        server = new SilentHttpServer();
        hub = Hub.start("jdk-calls");
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        hub.close();
        server.close();
    }

    private String send() throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(server.uri()).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private int openUrl() throws IOException {
        HttpURLConnection c = (HttpURLConnection) server.uri().toURL().openConnection();
        c.setReadTimeout(0);
        return c.getResponseCode();
    }

    /** What a greenlet saw after its scope ended: no interrupt left, and a later wait is not timed out. */
    private static String after() {
        String interrupted = "interrupted=" + Thread.currentThread().isInterrupted();
        try {
            Gevent.sleep(Delays.SHORT);
            return interrupted + ", later wait ok";
        } catch (Timeout t) {
            return interrupted + ", later wait timed out again";
        }
    }

    @Test
    void tryWithResourcesLetsTheCallsExceptionThroughWithTheTimeoutSuppressed() {
        Greenlet<List<Object>> g = hub.spawn(() -> {
            List<Object> seen = new ArrayList<>();
            Timeout t = Timeout.start(Delays.SHORT);
            try (t) {
                send();
                seen.add("answered?");
            } catch (InterruptedException e) {
                seen.add(e.getClass().getSimpleName());
                seen.add(List.of(e.getSuppressed()).contains(t));
                seen.add(t.raised(e));
                seen.add(Timeout.raisedBy(e).orElse(null) == t);
            }
            seen.add(after());
            return seen;
        });
        assertThat(g.result(Delays.LONG)).containsExactly("InterruptedException", true, true, true,
                "interrupted=false, later wait ok");
    }

    @Test
    void tryWithResourcesRaisesTheTimeoutWhenTheBodySwallowedTheCallsException() {
        Greenlet<Object> g = hub.spawn(() -> {
            Timeout t = Timeout.start(Delays.SHORT);
            try (t) {
                try {
                    openUrl();
                } catch (IOException e) {
                    // ordinary code catching an IOException must not swallow the timeout
                }
                return "went on";
            } catch (Timeout e) {
                return (e == t) + " " + after();
            }
        });
        assertThat(g.result(Delays.LONG)).isEqualTo("true interrupted=false, later wait ok");
    }

    @Test
    void httpUrlConnectionClosedByInterruptCarriesTheTimeoutAndLeavesNoInterrupt() {
        Greenlet<String> g = hub.spawn(() -> {
            try (Timeout t = Timeout.start(Delays.SHORT)) {
                openUrl();
                return "answered?";
            } catch (SocketException e) {
                // the JDK closed the interrupted socket ("Closed by interrupt")
                return Timeout.raisedBy(e).isPresent() + " " + after();
            }
        });
        assertThat(g.result(Delays.LONG)).isEqualTo("true interrupted=false, later wait ok");
    }

    @Test
    void withTimeoutRaisesTheTimeoutWithTheCallsExceptionAsCause() {
        Greenlet<Throwable> g = hub.spawn(() -> {
            try {
                Gevent.withTimeout(Delays.SHORT, this::send);
                return null;
            } catch (Timeout t) {
                return t;
            }
        });
        Throwable t = g.result(Delays.LONG);
        assertThat(t).isInstanceOf(Timeout.class).hasCauseInstanceOf(InterruptedException.class);
        assertThat(t.getStackTrace()).isNotEmpty();
    }

    @Test
    void withTimeoutReturnsTheFallbackForBothClients() {
        Greenlet<List<String>> g = hub.spawn(() -> List.of(
                Gevent.withTimeout(Delays.SHORT, this::send, "fallback"),
                Gevent.withTimeout(Delays.SHORT, () -> String.valueOf(openUrl()), "fallback"),
                // the body catches the call's exception and returns: the timeout still wins
                Gevent.withTimeout(Delays.SHORT, () -> {
                    try {
                        return send();
                    } catch (IOException | InterruptedException e) {
                        return "caught " + e.getClass().getSimpleName();
                    }
                }, "fallback"),
                after()));
        assertThat(g.result(Delays.LONG)).containsExactly("fallback", "fallback", "fallback",
                "interrupted=false, later wait ok");
    }

    @Test
    void silentlyReportsTheTimeoutOfAJdkCall() {
        Greenlet<String> g = hub.spawn(() -> Timeout.silently(Delays.SHORT, () -> {
            try {
                openUrl();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }) + " " + after());
        assertThat(g.result(Delays.LONG)).isEqualTo("false interrupted=false, later wait ok");
    }

    @Test
    void anUnscopedTimeoutFiresOnceThroughAJdkCall() {
        Greenlet<List<String>> g = hub.spawn(() -> {
            List<String> seen = new ArrayList<>();
            Timeout.start(Delays.SHORT);
            try {
                send();
            } catch (InterruptedException e) {
                seen.add("send interrupted");
            }
            seen.add(after());
            return seen;
        });
        assertThat(g.result(Delays.LONG)).containsExactly("send interrupted", "interrupted=false, later wait ok");
    }

    @Test
    void killEndsAGreenletParkedInHttpClientSendWithGreenletExit() throws Exception {
        Greenlet<String> g = hub.spawn(this::send);
        server.awaitConnection();
        assertThat(g.kill(Delays.LONG)).isTrue();
        assertThat(g.successful()).isTrue();
        assertThat(g.exit()).isPresent();
        assertThat(g.exit().orElseThrow()).hasCauseInstanceOf(InterruptedException.class);
    }

    @Test
    void killEndsAGreenletParkedInHttpUrlConnectionWithGreenletExit() throws Exception {
        Greenlet<Integer> g = hub.spawn(this::openUrl);
        server.awaitConnection();
        assertThat(g.kill(Delays.LONG)).isTrue();
        assertThat(g.successful()).isTrue();
        assertThat(g.exit().orElseThrow()).hasCauseInstanceOf(SocketException.class);
    }

    @Test
    void aKilledGreenletThatCatchesTheCallsExceptionDiesAtItsNextWait() throws Exception {
        List<String> log = new java.util.concurrent.CopyOnWriteArrayList<>();
        Greenlet<Object> g = hub.spawn(() -> {
            try {
                openUrl();
            } catch (IOException e) {
                log.add("caught " + e.getClass().getSimpleName());
            }
            Gevent.sleep(Delays.LONG);
            log.add("slept on");
            return "survived";
        });
        server.awaitConnection();
        assertThat(g.kill(Delays.LONG)).isTrue();
        assertThat(g.exit()).isPresent();
        assertThat(log).containsExactly("caught SocketException");
    }

    @Test
    void aKilledGreenletThatRetriesTheJdkCallIsInterruptedAgainAndDies() throws Exception {
        List<String> log = new java.util.concurrent.CopyOnWriteArrayList<>();
        Greenlet<Object> g = hub.spawn(() -> {
            for (int attempt = 0; attempt < 3; attempt++) {
                try {
                    return send(); // a retry loop, as in a connection pool or a client library
                } catch (IOException | InterruptedException e) {
                    log.add("caught " + e.getClass().getSimpleName());
                }
            }
            return "gave up";
        });
        server.awaitConnection();
        assertThat(g.kill(Delays.LONG)).isTrue();
        assertThat(g.exit()).isPresent();
        assertThat(log).hasSize(3);
    }

    @Test
    void aTimeoutWithAnExceptionFactoryIsFoundOnTheCallsExceptionAndThrownByItsScope() {
        class Slow extends RuntimeException {
            Slow() {
                super("too slow");
            }
        }
        Greenlet<List<Object>> g = hub.spawn(() -> {
            List<Object> seen = new ArrayList<>();
            Timeout t = Timeout.start(Delays.SHORT, Slow::new);
            try (t) {
                send();
            } catch (InterruptedException e) {
                seen.add(t.raised(e));
                seen.add(e.getSuppressed()[0].getClass().getSimpleName());
            }
            Timeout u = Timeout.start(Delays.SHORT, Slow::new);
            try (u) {
                try {
                    send();
                } catch (InterruptedException swallowed) {
                    // went on
                }
            } catch (Slow e) {
                seen.add(u.raised(e));
            }
            return seen;
        });
        assertThat(g.result(Delays.LONG)).containsExactly(true, "Slow", true);
    }

    @Test
    void raisedByFindsATimeoutAnywhereInTheCauseAndSuppressedGraph() {
        Timeout t = Timeout.of(Duration.ofSeconds(1));
        IOException inner = new IOException("inner");
        inner.addSuppressed(t);
        RuntimeException outer = new RuntimeException("outer", new IllegalStateException("middle", inner));
        assertThat(Timeout.raisedBy(outer)).containsSame(t);
        assertThat(t.raised(outer)).isTrue();
        assertThat(Timeout.of(Duration.ofSeconds(1)).raised(outer)).isFalse();
        IOException cyclic = new IOException("a");
        IOException other = new IOException("b", cyclic);
        cyclic.addSuppressed(other);
        assertThat(Timeout.raisedBy(cyclic)).isEmpty();
        assertThat(Timeout.raisedBy(null)).isEmpty();
    }

    @Test
    void poolMapAndApplyUnderATimeoutEndWithTheFallbackAndTheWorkersDieOnKill() {
        Pool pool = new Pool(2);
        Pool single = new Pool(1);
        Greenlet<List<Object>> g = hub.spawn(() -> List.of(
                // the caller waits for results in a library wait: the Timeout is raised there
                Gevent.withTimeout(Delays.SHORT, () -> pool.map(i -> {
                    try {
                        return send();
                    } catch (IOException | InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }, List.of(1, 2)), List.of()),
                // a member's apply runs in the member itself: there the JDK call is interrupted
                single.apply(() -> Gevent.withTimeout(Delays.SHORT, () -> single.apply(this::send), "fallback")),
                after()));
        assertThat(g.result(Delays.LONG)).containsExactly(List.of(), "fallback", "interrupted=false, later wait ok");
        assertThat(pool.kill(Delays.LONG)).as("the map's workers, parked in send, die on kill").isTrue();
    }

    @Test
    void aKillStillEndsAGreenletWhoseTimeoutAlreadyCutItsJdkCallShort() throws Exception {
        List<String> log = new java.util.concurrent.CopyOnWriteArrayList<>();
        Greenlet<Object> g = hub.spawn(() -> {
            try (Timeout t = Timeout.start(Delays.SHORT)) {
                for (int attempt = 0; attempt < 5; attempt++) { // never reaches a wait point of the library
                    try {
                        return send();
                    } catch (IOException | InterruptedException e) {
                        log.add("caught " + e.getClass().getSimpleName());
                    }
                }
                return "gave up";
            }
        });
        server.awaitConnection();
        server.awaitConnection(); // the timeout cut the first send short; the retry is parked
        assertThat(g.kill(Delays.LONG)).isTrue();
        assertThat(g.exit()).isPresent();
        assertThat(log).hasSize(5);
    }

    @Test
    void aPlainThreadsTimeoutCutsItsJdkCallShortToo() throws Exception {
        long start = System.nanoTime();
        String r = Gevent.withTimeout(Delays.SHORT, this::send, "fallback");
        assertThat(r).isEqualTo("fallback");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Delays.SHORT);
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }
}
