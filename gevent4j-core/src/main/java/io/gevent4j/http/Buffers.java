package io.gevent4j.http;

import io.gevent4j.internal.io.BufferPool;

/**
 * The 4 KB read and write buffers of HTTP connections, shared: a connection takes them when a
 * request begins to arrive and gives them back when it goes idle again, so that an idle
 * keep-alive connection holds no buffer (issue #18); a {@link BufferPool}. Only arrays of
 * exactly {@link #SIZE} bytes are kept (a buffer grown for a large head is dropped).
 *
 * <p>Who may call it: any thread. A buffer given back must no longer be used by its giver.
 */
final class Buffers {
    /** The size of a pooled buffer. */
    static final int SIZE = 4096;
    /** At most this many buffers wait here (1 MB): enough for the connections busy at one time on a few hubs. */
    static final int MAX_POOLED = 256;
    /** A buffer of no bytes: what an idle input or output holds instead of a buffer of its own. */
    static final byte[] NONE = BufferPool.NONE;

    private static final BufferPool POOL = new BufferPool(SIZE, MAX_POOLED);

    private Buffers() {}

    /** A buffer of {@code size} bytes (contents unspecified: callers track their own counts); pooled at {@link #SIZE}. */
    static byte[] take(int size) {
        return size == SIZE ? POOL.take() : new byte[size];
    }

    /** Gives {@code b} back (kept if it has {@link #SIZE} bytes and there is room, else dropped). */
    static void give(byte[] b) {
        POOL.give(b);
    }
}
