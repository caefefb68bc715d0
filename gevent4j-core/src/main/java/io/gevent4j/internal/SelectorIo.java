package io.gevent4j.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.function.Consumer;

/**
 * The NIO {@link Selector} poller of a {@link Loop}. The attachment of each key is the handler
 * the loop runs when the key is selected. Selection uses {@code select(Consumer, timeout)}: no
 * selected-key set to clear.
 */
public final class SelectorIo implements IoHandler {
    private final Selector selector;

    /** Opens a selector; {@code owner} names it in the error if that fails. */
    public SelectorIo(String owner) {
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector for hub " + owner, e);
        }
    }

    @Override
    public boolean hasRegistrations() {
        return !selector.keys().isEmpty();
    }

    @Override
    public int registrations() {
        try {
            return selector.keys().size();
        } catch (ClosedSelectorException closed) {
            return 0;
        }
    }

    @Override
    public void pollNow(Consumer<Runnable> ready) throws IOException {
        selector.selectNow(key -> dispatch(key, ready));
    }

    @Override
    public void poll(Consumer<Runnable> ready, long timeoutMillis) throws IOException {
        selector.select(key -> dispatch(key, ready), timeoutMillis);
    }

    private static void dispatch(SelectionKey key, Consumer<Runnable> ready) {
        if (key.attachment() instanceof Runnable handler) {
            ready.accept(handler);
        }
    }

    @Override
    public void wakeup() {
        selector.wakeup();
    }

    @Override
    public SelectionKey register(SelectableChannel channel, int ops, Runnable handler) throws ClosedChannelException {
        return channel.register(selector, ops, handler);
    }

    @Override
    public SelectionKey keyFor(SelectableChannel channel) {
        return channel.keyFor(selector);
    }

    @Override
    public boolean isOpen() {
        return selector.isOpen();
    }

    @Override
    public void close() {
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing: nothing to report to
        }
    }

    /** The selector itself, for tests that break the loop's own machinery. */
    public Selector selectorForTest() {
        return selector;
    }
}
