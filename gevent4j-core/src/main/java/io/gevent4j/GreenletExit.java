package io.gevent4j;

/**
 * Raised inside a greenlet to kill it ({@link Greenlet#kill()}); a greenlet that ends with it
 * counts as successful, and it is never reported as an error.
 *
 * <p>Why an {@link Error}: like gevent's {@code GreenletExit} (a {@code BaseException}), it must
 * not be swallowed by the {@code catch (Exception e)} blocks of ordinary code, or a kill would
 * be silently ignored. Java's only unchecked throwables are {@code RuntimeException} (caught by
 * {@code catch (Exception e)}) and {@code Error}; the JDK made the same choice for
 * {@code ThreadDeath}. Catch it only to clean up, and rethrow it.
 */
public class GreenletExit extends Error {
    private static final long serialVersionUID = 1L;

    /** A {@code GreenletExit} with no message. */
    public GreenletExit() {
        super("greenlet killed");
    }

    /** A {@code GreenletExit} with a message saying why the greenlet was killed. */
    public GreenletExit(String message) {
        super(message);
    }
}
