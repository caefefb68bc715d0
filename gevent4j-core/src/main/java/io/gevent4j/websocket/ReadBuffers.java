package io.gevent4j.websocket;

/**
 * The 1 KiB read buffers of WebSockets, shared: a connection holds one only while a frame is
 * being read; between frames (a parked {@code receive}) it gives it back here, so that an idle
 * WebSocket holds no buffer (issue #16). A bounded stack under one monitor (a take and a give per
 * frame that had to wait, uncontended in the common case); when it is empty a take allocates,
 * when it is full a give drops the buffer to the collector. Only arrays of exactly {@link #SIZE}
 * bytes are kept.
 *
 * <p>Who may call it: any thread. A buffer given back must no longer be used by its giver.
 */
final class ReadBuffers {
    /** The size of a pooled buffer: frame headers and small messages are read through it. */
    static final int SIZE = 1024;
    /** At most this many buffers wait here (256 KiB): enough for the frames being read at one time on a few hubs. */
    static final int MAX_POOLED = 256;
    /** What an idle reader holds instead of a buffer of its own. */
    static final byte[] NONE = new byte[0];

    private static final Object LOCK = new Object();
    private static final byte[][] FREE = new byte[MAX_POOLED][];
    private static int top;

    private ReadBuffers() {}

    /** A buffer of {@link #SIZE} bytes (contents unspecified). */
    static byte[] take() {
        synchronized (LOCK) {
            if (top > 0) {
                byte[] b = FREE[--top];
                FREE[top] = null;
                return b;
            }
        }
        return new byte[SIZE];
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
