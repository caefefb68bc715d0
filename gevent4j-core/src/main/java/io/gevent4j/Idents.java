package io.gevent4j;

/**
 * The minimal idents of a hub's greenlets ({@link Greenlet#minimalIdent()}): the smallest free
 * non-negative number, reused after its greenlet dies. Any thread (a small monitor).
 */
final class Idents {
    private int next;
    private final java.util.PriorityQueue<Integer> free = new java.util.PriorityQueue<>();

    synchronized int allocate() {
        Integer f = free.poll();
        return f != null ? f : next++;
    }

    synchronized void release(int ident) {
        free.add(ident);
    }
}
