package io.gevent4j.http;

/**
 * The 4 KB read and write buffers of HTTP connections, shared: a connection takes them when a
 * request begins to arrive and gives them back when it goes idle again, so that an idle
 * keep-alive connection holds no buffer (issue #18). A bounded stack under one monitor
 * (uncontended in the common case: a take and a give per request, no waiting inside); when it
 * is empty a take allocates, when it is full a give drops the buffer to the collector. Only
 * arrays of exactly {@link #SIZE} bytes are kept (a buffer grown for a large head is dropped).
 *
 * <p>Who may call it: any thread. A buffer given back must no longer be used by its giver.
 */
final class Buffers {
    /** The size of a pooled buffer. */
    static final int SIZE = 4096;
    /** At most this many buffers wait here (1 MB): enough for the connections busy at one time on a few hubs. */
    static final int MAX_POOLED = 256;
    /** A buffer of no bytes: what an idle input or output holds instead of a buffer of its own. */
    static final byte[] NONE = new byte[0];

    private static final Object LOCK = new Object();
    private static final byte[][] FREE = new byte[MAX_POOLED][];
    private static int top;

    private Buffers() {}

    /** A buffer of {@code size} bytes (contents unspecified: callers track their own counts). */
    static byte[] take(int size) {
        if (size == SIZE) {
            synchronized (LOCK) {
                if (top > 0) {
                    byte[] b = FREE[--top];
                    FREE[top] = null;
                    return b;
                }
            }
        }
        return new byte[size];
    }

    /** Gives {@code b} back (kept if it has {@link #SIZE} bytes and there is room, else dropped). */
    static void give(byte[] b) {
        if (b.length == SIZE) {
            synchronized (LOCK) {
                if (top < MAX_POOLED) {
                    FREE[top++] = b;
                }
            }
        }
    }
}
