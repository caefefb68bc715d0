package io.gevent4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The timer heap against a sorted-set model, under random adds, removals and polls. */
class TimerHeapTest {

    private static final class T extends Timer {
        final int id;

        T(int id, long deadline) {
            this.id = id;
            this.deadline = deadline;
        }

        @Override
        protected void fire() {}
    }

    @Test
    void pollsInDeadlineThenInsertionOrderUnderRandomOperations() {
        SplittableRandom random = new SplittableRandom(42);
        TimerHeap heap = new TimerHeap();
        TreeSet<T> model = new TreeSet<>(Comparator.<T>comparingLong(t -> t.deadline).thenComparingInt(t -> t.id));
        List<T> live = new ArrayList<>();
        int ids = 0;
        for (int step = 0; step < 200_000; step++) {
            int op = random.nextInt(10);
            if (op < 5 || live.isEmpty()) {
                T t = new T(ids++, random.nextLong(1_000)); // few distinct deadlines: ties are common
                heap.add(t);
                model.add(t);
                live.add(t);
            } else if (op < 8) {
                T t = live.remove(random.nextInt(live.size()));
                assertThat(heap.remove(t)).isTrue();
                assertThat(heap.remove(t)).as("removing twice").isFalse();
                model.remove(t);
                assertThat(t.index).isEqualTo(-1);
            } else {
                T polled = (T) heap.poll();
                T expected = model.pollFirst();
                assertThat(polled).isSameAs(expected);
                live.remove(polled);
            }
            assertThat(heap.size()).isEqualTo(model.size());
        }
        T previous = null;
        while (!heap.isEmpty()) {
            T t = (T) heap.poll();
            assertThat(t).isSameAs(model.pollFirst());
            if (previous != null) {
                assertThat(t.deadline > previous.deadline || (t.deadline == previous.deadline && t.id > previous.id)).isTrue();
            }
            previous = t;
        }
        assertThat(heap.poll()).isNull();
    }

    @Test
    void countsReferencedTimersThroughAddsRemovalsPollsAndChanges() {
        SplittableRandom random = new SplittableRandom(7);
        TimerHeap heap = new TimerHeap();
        List<T> in = new ArrayList<>();
        for (int step = 0; step < 5_000; step++) {
            int op = random.nextInt(4);
            if (op == 0 || in.isEmpty()) {
                T t = new T(step, random.nextLong(1_000));
                t.unref = random.nextBoolean();
                heap.add(t);
                in.add(t);
            } else if (op == 1) {
                T t = in.remove(random.nextInt(in.size()));
                assertThat(heap.remove(t)).isTrue();
            } else if (op == 2) {
                in.remove((T) heap.poll());
            } else {
                heap.setReferenced(in.get(random.nextInt(in.size())), random.nextBoolean());
            }
            long expected = in.stream().filter(t -> !t.unref).count();
            assertThat(heap.referenced()).isEqualTo((int) expected);
        }
        T outside = new T(-1, 0);
        heap.setReferenced(outside, false); // not in the heap: only its flag changes
        assertThat(outside.unref).isTrue();
        long expected = in.stream().filter(t -> !t.unref).count();
        assertThat(heap.referenced()).isEqualTo((int) expected);
    }
}
