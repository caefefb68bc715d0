package io.gevent4j.internal.uring;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.AbstractSelectableChannel;
import java.nio.channels.spi.AbstractSelector;
import java.util.Set;

/**
 * What {@link UringIo#selectorForTest()} hands to tests that break the loop's own machinery: a
 * selector whose {@link #close()} closes the poller's holder and wakes the ring, as closing the
 * NIO poller's selector wakes a select in progress. It selects nothing itself.
 */
final class BreakableSelector extends AbstractSelector {
    private final UringIo io;
    private final Selector holder;

    BreakableSelector(UringIo io, Selector holder) {
        super(null);
        this.io = io;
        this.holder = holder;
    }

    @Override
    protected void implCloseSelector() throws IOException {
        holder.close();
        io.wakeup();
    }

    @Override
    protected SelectionKey register(AbstractSelectableChannel ch, int ops, Object att) {
        throw new UnsupportedOperationException("a test handle: register through the poller");
    }

    @Override
    public Set<SelectionKey> keys() {
        return holder.keys();
    }

    @Override
    public Set<SelectionKey> selectedKeys() {
        throw new UnsupportedOperationException("a test handle: it selects nothing");
    }

    @Override
    public int selectNow() {
        throw new UnsupportedOperationException("a test handle: it selects nothing");
    }

    @Override
    public int select(long timeout) {
        throw new UnsupportedOperationException("a test handle: it selects nothing");
    }

    @Override
    public int select() {
        throw new UnsupportedOperationException("a test handle: it selects nothing");
    }

    @Override
    public Selector wakeup() {
        io.wakeup();
        return this;
    }
}
