package io.gevent4j.internal.io;

/**
 * A pool of byte arrays of one size, shared by the connections of every hub: a connection takes
 * one when bytes arrive and gives it back when it goes idle, so that an idle connection holds
 * none (the HTTP server's 4 KiB buffers, a WebSocket's 1 KiB read buffer). A bounded stack under
 * one monitor (a take and a give per request or frame, uncontended in the common case, no
 * waiting inside); when it is empty a take allocates, when it is full a give drops the array to
 * the collector. Only arrays of exactly the pool's size are kept.
 *
 * <p>Who may call it: any thread. An array given back must no longer be used by its giver.
 */
public final class BufferPool {
    /** An array of no bytes: what an idle holder keeps instead of a buffer of its own. */
    public static final byte[] NONE = new byte[0];

    private final int size;
    private final byte[][] free;
    private int top;

    /**
     * A pool of arrays of {@code size} bytes, keeping at most {@code max} of them.
     *
     * @param size the length of every pooled array
     * @param max how many arrays may wait in the pool
     */
    public BufferPool(int size, int max) {
        this.size = size;
        this.free = new byte[max][];
    }

    /**
     * An array of the pool's size (contents unspecified: callers track their own counts).
     *
     * @return a pooled or new array
     */
    public byte[] take() {
        synchronized (free) {
            if (top > 0) {
                byte[] b = free[--top];
                free[top] = null;
                return b;
            }
        }
        return new byte[size];
    }

    /**
     * Gives {@code b} back: kept if it has the pool's size and there is room, else dropped.
     *
     * @param b an array no longer used by the caller
     */
    public void give(byte[] b) {
        if (b.length == size) {
            synchronized (free) {
                if (top < free.length) {
                    free[top++] = b;
                }
            }
        }
    }
}
