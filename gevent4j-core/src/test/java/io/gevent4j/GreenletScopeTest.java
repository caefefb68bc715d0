package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.testkit.Delays;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** gevent's {@code with spawn(f) as g:}: Greenlet.close() (try-with-resources) and Greenlet.scoped, on a driven hub. */
class GreenletScopeTest {
    private final DrivenHub d = new DrivenHub();
    private final Hub hub = d.hub;
    private final List<String> log = new ArrayList<>();

    @AfterEach
    void close() {
        d.close();
    }

    private Greenlet<String> worker(Duration work) {
        return hub.spawn(() -> {
            Gevent.sleep(work);
            log.add("worker done");
            return "w";
        });
    }

    @Test
    void tryWithResourcesJoinsOnANormalExit() {
        Greenlet<Object> main = hub.spawn(() -> {
            Greenlet<String> w;
            try (Greenlet<String> g = worker(Duration.ofMillis(30))) {
                w = g;
                log.add("block done");
            }
            log.add("after block " + w.value());
            return null;
        });
        d.runUntilIdle();
        assertThat(log).containsExactly("block done");
        d.advance(Duration.ofMillis(30));
        assertThat(log).containsExactly("block done", "worker done", "after block w");
        assertThat(main.successful()).isTrue();
    }

    @Test
    void tryWithResourcesKillsTheGreenletWhenTheWaitIsCutShortByATimeout() {
        Greenlet<String>[] w = newArray();
        Greenlet<Object> main = hub.spawn(() -> {
            try (Timeout t = Timeout.start(Duration.ofMillis(10));
                    Greenlet<String> g = worker(Duration.ofSeconds(10))) {
                w[0] = g;
                assertThat(t.pending()).isTrue();
            }
            return "not reached";
        });
        d.runUntilIdle();
        d.advance(Duration.ofMillis(10));
        assertThat(main.exception()).isInstanceOf(Timeout.class);
        assertThat(w[0].ready()).isTrue();
        assertThat(w[0].isCancelled()).as("killed with GreenletExit").isTrue();
        assertThat(log).isEmpty();
    }

    @Test
    void closingItselfIsRefused() {
        Greenlet<Object> g = hub.spawn(() -> {
            Greenlet.current().orElseThrow().close();
            return null;
        });
        d.runUntilIdle();
        assertThat(g.exception()).isInstanceOf(IllegalStateException.class).hasMessageContaining("itself");
        d.errors.clear();
    }

    @Test
    void scopedJoinsOnANormalExitAndReturnsTheBodysValue() {
        Greenlet<Object> main = hub.spawn(() -> {
            Greenlet<String> w = worker(Duration.ofMillis(30));
            String r = w.scoped(() -> "body");
            log.add("scoped returned " + r + ", worker ready " + w.ready());
            return null;
        });
        d.runUntilIdle();
        d.advance(Duration.ofMillis(30));
        assertThat(log).containsExactly("worker done", "scoped returned body, worker ready true");
        assertThat(main.successful()).isTrue();
    }

    @Test
    void scopedKillsTheGreenletWithTheBodysExceptionWithoutJoining() {
        IllegalStateException boom = new IllegalStateException("body failed");
        Greenlet<String>[] w = newArray();
        Greenlet<Object> main = hub.spawn(() -> {
            w[0] = worker(Duration.ofSeconds(10));
            return w[0].scoped(() -> {
                throw boom;
            });
        });
        d.runUntilIdle();
        assertThat(main.exception()).isSameAs(boom);
        assertThat(w[0].ready()).as("killed, not joined: no time passed").isTrue();
        assertThat(w[0].successful()).as("it ends unsuccessful with the body's exception").isFalse();
        assertThat(w[0].exception()).isSameAs(boom);
        assertThat(log).isEmpty();
        d.errors.clear();
    }

    @Test
    void scopedWrapsACheckedExceptionForTheKillAndRethrowsItAsItIs() {
        IOException io = new IOException("io");
        Greenlet<String>[] w = newArray();
        Greenlet<Object> main = hub.spawn(() -> {
            w[0] = worker(Duration.ofSeconds(10));
            try {
                return w[0].<Object, IOException>scoped(() -> {
                    throw io;
                });
            } catch (IOException e) {
                return e;
            }
        });
        d.runUntilIdle();
        assertThat(main.value()).isSameAs(io);
        assertThat(w[0].exception()).isInstanceOf(CompletionException.class).hasCause(io);
        d.errors.clear();
    }

    @Test
    void scopedFromAPlainThreadWorksToo() throws Exception {
        try (Hub real = Hub.start("scope")) {
            Greenlet<String> w = real.spawn(() -> {
                Gevent.sleep(Delays.SHORT);
                return "w";
            });
            assertThat(w.scoped(() -> "body")).isEqualTo("body");
            assertThat(w.value()).isEqualTo("w");
            Greenlet<String> w2 = real.spawn(() -> {
                Gevent.sleep(Delays.LONG);
                return "w2";
            });
            assertThatThrownBy(() -> w2.scoped(() -> {
                throw new ArithmeticException("x");
            })).isInstanceOf(ArithmeticException.class);
            assertThat(w2.ready()).isTrue();
            assertThat(w2.exception()).isInstanceOf(ArithmeticException.class);
        }
    }

    @SuppressWarnings("unchecked")
    private static Greenlet<String>[] newArray() {
        return new Greenlet[1];
    }
}
