package example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Greenlets in a test: runs only with Surefire's argLine set as in this project's pom. */
class HelloTest {
    @Test
    void greenletsDeliverInTheirOrder() {
        var jobs = IntStream.range(0, 3).mapToObj(i -> Gevent.spawn(() -> {
            Gevent.sleep(Duration.ofMillis(10 * i));
            return i;
        })).toList();
        Gevent.joinAll(jobs, Duration.ofSeconds(10));
        assertEquals(List.of(0, 1, 2), jobs.stream().map(Greenlet::value).toList());
    }
}
