package example;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

/** The README's 30-second example, checking its own answer (the build fails if it is wrong). */
public class Hello {
    public static void main(String[] args) {
        var jobs = IntStream.range(0, 3).mapToObj(i -> Gevent.spawn(() -> {
            Gevent.sleep(Duration.ofMillis(100 * i));
            return i;
        })).toList();
        Gevent.joinAll(jobs, Duration.ofSeconds(2));
        List<Integer> values = jobs.stream().map(Greenlet::value).toList();
        System.out.println(values);
        if (!values.equals(List.of(0, 1, 2))) {
            System.exit(1);
        }
    }
}
