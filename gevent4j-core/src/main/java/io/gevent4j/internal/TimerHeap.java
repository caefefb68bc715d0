package io.gevent4j.internal;

import java.util.Arrays;

/**
 * A 4-ary min-heap of {@link Timer}s ordered by (deadline, insertion order), with O(log n)
 * removal through each node's stored index. Confined to one hub's loop thread.
 *
 * <p>Deadlines and insertion numbers are kept in arrays parallel to the timers, so sifting
 * compares neighbouring longs instead of chasing a pointer to each timer (with 100,000 timers
 * pending, those cache misses were a quarter of the loop's time); four children per node halve
 * the depth, and so the number of timers moved (each move writes the timer's index).
 */
public final class TimerHeap {
    private static final int INITIAL = 64;

    private Timer[] heap = new Timer[INITIAL];
    private long[] deadlines = new long[INITIAL];
    private long[] seqs = new long[INITIAL];
    private int size;
    private long nextSeq;
    /** Timers in the heap that are unreferenced ({@link Timer#unref}). */
    private int unreferenced;

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** Timers that keep their hub from being idle (all but the unreferenced ones). */
    public int referenced() {
        return size - unreferenced;
    }

    /** Marks {@code t} referenced or not, keeping the count right if it is in this heap. */
    public void setReferenced(Timer t, boolean referenced) {
        if (t.unref != !referenced) {
            t.unref = !referenced;
            int i = t.index;
            if (i >= 0 && i < size && heap[i] == t) {
                unreferenced += referenced ? -1 : 1;
            }
        }
    }

    /** Whether some timer in this heap ends a wait of {@code s} by an exception (its time-out). */
    public boolean interruptsAny(java.util.Set<? extends Strand> strands) {
        for (int i = 0; i < size; i++) {
            Strand s = heap[i].interrupts();
            if (s != null && strands.contains(s)) {
                return true;
            }
        }
        return false;
    }

    public Timer peek() {
        return size == 0 ? null : heap[0];
    }

    public void add(Timer t) {
        if (t.index >= 0) {
            throw new IllegalStateException("timer already scheduled");
        }
        if (size == heap.length) {
            resize(size * 2);
        }
        if (t.unref) {
            unreferenced++;
        }
        siftUp(size++, t, t.deadline, nextSeq++);
    }

    public Timer poll() {
        if (size == 0) {
            return null;
        }
        Timer top = heap[0];
        removeAt(0);
        return top;
    }

    /** Removes {@code t} if it is in this heap; returns whether it was. */
    public boolean remove(Timer t) {
        int i = t.index;
        if (i < 0 || i >= size || heap[i] != t) {
            return false;
        }
        removeAt(i);
        return true;
    }

    private void removeAt(int i) {
        Timer removed = heap[i];
        removed.index = -1;
        if (removed.unref) {
            unreferenced--;
        }
        int last = --size;
        if (i != last) {
            Timer moved = heap[last];
            long d = deadlines[last];
            long s = seqs[last];
            heap[last] = null;
            if (i > 0 && less(d, s, deadlines[(i - 1) >>> 2], seqs[(i - 1) >>> 2])) {
                siftUp(i, moved, d, s);
            } else {
                siftDown(i, moved, d, s);
            }
        } else {
            heap[last] = null;
        }
        if (heap.length > INITIAL && size < heap.length / 4) {
            resize(heap.length / 2);
        }
    }

    private void resize(int capacity) {
        heap = Arrays.copyOf(heap, capacity);
        deadlines = Arrays.copyOf(deadlines, capacity);
        seqs = Arrays.copyOf(seqs, capacity);
    }

    private static boolean less(long d1, long s1, long d2, long s2) {
        long diff = d1 - d2;
        return diff < 0 || (diff == 0 && s1 < s2);
    }

    private void place(int i, Timer t, long d, long s) {
        heap[i] = t;
        deadlines[i] = d;
        seqs[i] = s;
        t.index = i;
    }

    private void siftUp(int i, Timer t, long d, long s) {
        while (i > 0) {
            int parent = (i - 1) >>> 2;
            if (!less(d, s, deadlines[parent], seqs[parent])) {
                break;
            }
            place(i, heap[parent], deadlines[parent], seqs[parent]);
            i = parent;
        }
        place(i, t, d, s);
    }

    private void siftDown(int i, Timer t, long d, long s) {
        for (;;) {
            int first = 4 * i + 1;
            if (first >= size) {
                break;
            }
            int best = first;
            long bd = deadlines[first];
            long bs = seqs[first];
            int end = Math.min(first + 4, size);
            for (int c = first + 1; c < end; c++) {
                if (less(deadlines[c], seqs[c], bd, bs)) {
                    best = c;
                    bd = deadlines[c];
                    bs = seqs[c];
                }
            }
            if (!less(bd, bs, d, s)) {
                break;
            }
            place(i, heap[best], bd, bs);
            i = best;
        }
        place(i, t, d, s);
    }
}
