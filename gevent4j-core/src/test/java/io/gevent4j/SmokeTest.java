package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.testkit.Delays;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SmokeTest {

    @Test
    void readmeExampleRunsFromAPlainThread() {
        long start = System.nanoTime();
        var jobs = IntStream.range(0, 3).mapToObj(i -> Gevent.spawn(() -> {
            Gevent.sleep(Delays.SHORT.multipliedBy(i));
            return i;
        })).toList();
        List<Greenlet<Integer>> done = Gevent.joinAll(jobs, Delays.LONG);
        // what the README promises: all three done, values in list order (joinAll's own order is
        // completion order, which a cold JVM may shuffle for the job that sleeps zero)
        assertThat(done).containsExactlyInAnyOrderElementsOf(jobs);
        assertThat(jobs.stream().map(Greenlet::value).toList()).containsExactly(0, 1, 2);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Delays.SHORT.multipliedBy(2));
    }

    @Test
    void drivenHubRunsGreenletsOnlyWhenDriven() {
        try (DrivenHub d = new DrivenHub()) {
            List<String> log = new ArrayList<>();
            Greenlet<Void> g = d.hub.spawn(() -> {
                log.add("start");
                Gevent.sleep(Duration.ofSeconds(10));
                log.add("woke");
            });
            assertThat(log).isEmpty();
            d.runUntilIdle();
            assertThat(log).containsExactly("start");
            d.advance(Duration.ofSeconds(9));
            assertThat(log).containsExactly("start");
            d.advance(Duration.ofSeconds(1));
            assertThat(log).containsExactly("start", "woke");
            assertThat(g.ready()).isTrue();
            assertThat(d.errors).isEmpty();
        }
    }
}
