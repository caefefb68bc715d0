package io.gevent4j;

import java.util.Arrays;

/**
 * A binary min-heap of {@link Timer}s ordered by (deadline, insertion order), with O(log n)
 * removal through each node's stored index. Confined to one hub's loop thread.
 */
final class TimerHeap {
    private Timer[] heap = new Timer[64];
    private int size;
    private long nextSeq;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    Timer peek() {
        return size == 0 ? null : heap[0];
    }

    void add(Timer t) {
        if (t.index >= 0) {
            throw new IllegalStateException("timer already scheduled");
        }
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        t.seq = nextSeq++;
        int i = size++;
        heap[i] = t;
        t.index = i;
        siftUp(i);
    }

    Timer poll() {
        if (size == 0) {
            return null;
        }
        Timer top = heap[0];
        removeAt(0);
        return top;
    }

    /** Removes {@code t} if it is in this heap; returns whether it was. */
    boolean remove(Timer t) {
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
        int last = --size;
        if (i != last) {
            Timer moved = heap[last];
            heap[i] = moved;
            moved.index = i;
            heap[last] = null;
            siftDown(i);
            if (heap[i] == moved) {
                siftUp(i);
            }
        } else {
            heap[last] = null;
        }
        if (heap.length > 64 && size < heap.length / 4) {
            heap = Arrays.copyOf(heap, heap.length / 2);
        }
    }

    private static boolean less(Timer a, Timer b) {
        long d = a.deadline - b.deadline;
        return d < 0 || (d == 0 && a.seq < b.seq);
    }

    private void siftUp(int i) {
        Timer t = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            Timer p = heap[parent];
            if (!less(t, p)) {
                break;
            }
            heap[i] = p;
            p.index = i;
            i = parent;
        }
        heap[i] = t;
        t.index = i;
    }

    private void siftDown(int i) {
        Timer t = heap[i];
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            Timer c = heap[child];
            int right = child + 1;
            if (right < size && less(heap[right], c)) {
                child = right;
                c = heap[child];
            }
            if (!less(c, t)) {
                break;
            }
            heap[i] = c;
            c.index = i;
            i = child;
        }
        heap[i] = t;
        t.index = i;
    }
}
