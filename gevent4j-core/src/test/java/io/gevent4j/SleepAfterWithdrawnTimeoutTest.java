package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A sleep whose time-out fired and was cancelled before the sleeper ran again (the exception was
 * withdrawn) sleeps on until its own deadline, raising nothing: the one sleep path of the engine.
 */
class SleepAfterWithdrawnTimeoutTest {
    private final DrivenHub d = new DrivenHub();

    @AfterEach
    void close() {
        d.close();
    }

    @Test
    void theSleepGoesOnUntilItsDeadline() {
        List<String> log = new CopyOnWriteArrayList<>();
        AtomicReference<Timeout> timeout = new AtomicReference<>();
        // The canceller's wake-up is added to the timers first: at 1 s it fires first, then the
        // time-out fires into the sleeper; the canceller runs before the sleeper and withdraws it.
        d.hub.spawn(() -> {
            Gevent.sleep(Duration.ofSeconds(1));
            timeout.get().cancel();
            log.add("cancelled");
        });
        d.runUntilIdle();
        Greenlet<Void> sleeper = d.hub.spawn(() -> {
            Timeout t = Timeout.start(Duration.ofSeconds(1));
            timeout.set(t);
            try {
                Gevent.sleep(Duration.ofSeconds(10));
                log.add("slept");
            } catch (Timeout raised) {
                log.add("raised");
            }
        });
        d.runUntilIdle();
        d.advance(Duration.ofSeconds(1));
        assertThat(log).containsExactly("cancelled");
        d.advance(Duration.ofSeconds(8));
        assertThat(sleeper.ready()).as("still asleep at 9 s").isFalse();
        d.advance(Duration.ofSeconds(1));
        assertThat(log).containsExactly("cancelled", "slept");
        assertThat(sleeper.successful()).isTrue();
        assertThat(d.errors).isEmpty();
    }
}
