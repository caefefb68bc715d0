package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The one rule of every callback list (a greenlet's links, every waitable's whenReady actions):
 * callbacks run in registration order, taken one at a time from the current list, so what an
 * earlier callback removes does not run (gevent's {@code _notify_links}). On a driven hub.
 */
class LinkRuleTest {
    private final DrivenHub d = new DrivenHub();
    private final Hub hub = d.hub;
    private final List<String> log = new ArrayList<>();

    @AfterEach
    void close() {
        d.close();
    }

    @Test
    void aLinkThatUnlinksALaterLinkBeforeItBlocksPreventsIt() {
        Greenlet<Integer> g = hub.greenlet(() -> 1);
        Consumer<Greenlet<Integer>> later = x -> log.add("later");
        g.link(x -> {
            log.add("earlier");
            x.unlink(later);
        });
        g.link(later);
        g.link(x -> log.add("last"));
        g.start();
        d.runUntilIdle();
        assertThat(log).containsExactly("earlier", "last");
        assertThat(g.hasLinks()).isFalse();
    }

    @Test
    void aLinkUnlinksALaterRawlinkAndALaterLinkValue() {
        Greenlet<Integer> g = hub.greenlet(() -> 1);
        Consumer<Greenlet<Integer>> raw = x -> log.add("raw");
        Consumer<Greenlet<Integer>> value = x -> log.add("value");
        g.link(x -> {
            log.add("link");
            x.unlink(raw);
            x.unlink(value);
        });
        g.rawlink(raw);
        g.linkValue(value);
        g.rawlink(x -> log.add("last"));
        g.start();
        d.runUntilIdle();
        assertThat(log).containsExactly("link", "last");
    }

    @Test
    void theNextLinkIsTakenWhenTheLinkBeforeItBlocksNotWhenItEnds() {
        Greenlet<Integer> g = hub.greenlet(() -> 1);
        Consumer<Greenlet<Integer>> tooLate = x -> log.add("too late");
        g.link(x -> {
            log.add("1 before");
            Gevent.sleep(Duration.ofMillis(10));
            log.add("1 after");
            x.unlink(tooLate); // the later links have had their turn: it ran already
        });
        g.link(x -> log.add("2"));
        g.link(tooLate);
        g.start();
        d.runUntilIdle();
        assertThat(log).containsExactly("1 before", "2", "too late");
        d.advance(Duration.ofMillis(10));
        assertThat(log).containsExactly("1 before", "2", "too late", "1 after");
    }

    @Test
    void aLinkAddedByALinkRunsInTheSamePassAfterTheOthers() {
        Greenlet<Integer> g = hub.greenlet(() -> 1);
        g.link(x -> {
            log.add("first");
            x.link(y -> log.add("added"));
        });
        g.link(x -> log.add("second"));
        g.start();
        d.runUntilIdle();
        assertThat(log).containsExactly("first", "second", "added");
    }

    @Test
    void aGreenletsWhenReadyActionClosedByAnEarlierOneDoesNotRun() {
        Greenlet<Integer> g = hub.greenlet(() -> 1);
        Waitable.Registration[] later = new Waitable.Registration[1];
        g.whenReady(() -> {
            log.add("earlier");
            later[0].close();
        });
        later[0] = g.whenReady(() -> log.add("later"));
        g.whenReady(() -> log.add("last"));
        g.start();
        d.runUntilIdle();
        assertThat(log).containsExactly("earlier", "last");
    }

    @Test
    void aWhenReadyActionThatRunsFirstCanUnlinkALaterLink() {
        Greenlet<Integer> g = hub.greenlet(() -> 1);
        Consumer<Greenlet<Integer>> raw = x -> log.add("raw");
        g.whenReady(() -> {
            log.add("action");
            g.unlink(raw);
        });
        g.rawlink(raw);
        g.rawlink(x -> log.add("last"));
        g.start();
        d.runUntilIdle();
        assertThat(log).containsExactly("action", "last");
    }

    @Test
    void eventActionClosedByAnEarlierOneDoesNotRun() {
        Event e = new Event();
        Waitable.Registration[] later = new Waitable.Registration[1];
        e.whenReady(() -> {
            log.add("earlier");
            later[0].close();
        });
        later[0] = e.whenReady(() -> log.add("later"));
        e.whenReady(() -> log.add("last"));
        e.set();
        assertThat(log).containsExactly("earlier", "last");
    }

    @Test
    void asyncResultActionClosedByAnEarlierOneDoesNotRun() {
        AsyncResult<String> r = new AsyncResult<>();
        Waitable.Registration[] later = new Waitable.Registration[1];
        r.whenReady(() -> {
            log.add("earlier " + r.value());
            later[0].close();
        });
        later[0] = r.whenReady(() -> log.add("later"));
        r.whenReady(() -> log.add("last"));
        r.set("v");
        assertThat(log).containsExactly("earlier v", "last");
    }

    @Test
    void semaphoreAndQueueActionsFollowTheSameRule() {
        Semaphore s = new Semaphore(0);
        Queue<String> q = new Queue<>();
        for (Waitable w : List.<Waitable>of(s, q)) {
            Waitable.Registration[] later = new Waitable.Registration[1];
            w.whenReady(() -> {
                log.add(w.getClass().getSimpleName() + " earlier");
                later[0].close();
            });
            later[0] = w.whenReady(() -> log.add("later"));
        }
        s.release();
        q.put("x");
        assertThat(log).containsExactly("Semaphore earlier", "Queue earlier");
    }
}
