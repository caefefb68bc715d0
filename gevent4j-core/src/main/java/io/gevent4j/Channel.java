package io.gevent4j;

/**
 * A queue that holds nothing: a {@link #put} waits until a getter takes the item (a
 * rendezvous), gevent's {@code Channel}. {@link #size()} is always 0 and {@link #isFull()}
 * always true; it is {@linkplain #ready() ready} while a putter waits.
 *
 * <p>A rendezvous in both directions, as in gevent: a put that finds a getter waiting hands it
 * the item and then yields, so the getter runs before the put returns (a greenlet that puts
 * {@code "hello"} then {@code "world"} to a greenlet that prints what it gets sees
 * {@code sending, hello, sent hello, world, sent world}); a get that finds a putter waiting takes
 * its item and runs on, the putter resuming after it. {@link #offer(Object)} never yields.
 *
 * <p>Same threads, blocking, time-outs and shutdown as {@link Queue}: {@code put(e, timeout)}
 * raises {@link Queue.FullException} if no getter came, {@code get(timeout)}
 * {@link Queue.EmptyException} if no putter came; {@link #offer(Object)} succeeds only if a
 * getter is already waiting.
 *
 * {@snippet :
 * Channel<String> ch = new Channel<>();
 * Gevent.spawn(() -> ch.put("hello")); // returns once someone took it
 * String s = ch.get();
 * }
 */
public final class Channel<E> extends Queue<E> {
    /** A new channel. */
    public Channel() {
        super(0, true);
    }
}
