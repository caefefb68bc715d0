package io.gevent4j.internal.uring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ring itself: completions are handed out once each, also when a callback reaps from inside. */
class RingTest {
    static final int OP_NOP = 0;

    @Test
    void aCallbackThatReapsFromInsideSeesEachCompletionOnceAndInOrder() throws Exception {
        UringAssumptions.assumeUringAvailable();
        Ring ring = new Ring(4);
        try {
            for (long u = 1; u <= 4; u++) {
                assertThat(ring.prep(OP_NOP, -1, 0L, 0, 0, u)).isTrue();
            }
            assertThat(ring.enter(4, Ring.ENTER_GETEVENTS, 0L, 0L)).isEqualTo(4);
            List<Long> seen = new ArrayList<>();
            int[] nested = new int[1];
            Ring.Completions[] self = new Ring.Completions[1];
            self[0] = (userData, res) -> {
                seen.add(userData);
                if (userData == 1) {
                    // As UringIo's submit does when the submission ring is full: enter, then reap
                    // to free completion slots, from inside the outer reap's callback.
                    for (long u = 5; u <= 6; u++) {
                        assertThat(ring.prep(OP_NOP, -1, 0L, 0, 0, u)).isTrue();
                    }
                    ring.enter(2, Ring.ENTER_GETEVENTS, 0L, 0L);
                    nested[0] = ring.reap(self[0]);
                }
            };
            int outer = ring.reap(self[0]);
            assertThat(seen).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
            assertThat(nested[0]).isEqualTo(5);
            assertThat(outer + nested[0]).isEqualTo(6);
            assertThat(ring.ready()).isZero();
        } finally {
            ring.close();
        }
    }
}
