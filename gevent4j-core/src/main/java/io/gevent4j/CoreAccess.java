package io.gevent4j;

import io.gevent4j.internal.Core;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.util.Optional;

/** The core's side of {@link Core}: exposes the wait mechanism to the library's other packages. */
final class CoreAccess implements Core.Access {
    @Override
    public Object strandOfCaller() {
        return Strand.ofCaller();
    }

    @Override
    public long deadlineAfter(Object strand, long nanos) {
        return ((Strand) strand).deadlineAfter(nanos);
    }

    @Override
    public long noDeadline() {
        return Strand.NO_DEADLINE;
    }

    @Override
    public Object newWaiter(Object strand) {
        return new Waiter((Strand) strand);
    }

    @Override
    public boolean await(Object strand, Object waiter, long deadline) {
        return ((Strand) strand).await((Waiter) waiter, deadline);
    }

    @Override
    public boolean notifyWaiter(Object waiter) {
        return ((Waiter) waiter).notifyWaiter();
    }

    @Override
    public boolean inLoop(Hub hub) {
        return hub.inLoop();
    }

    @Override
    public SelectionKey register(Hub hub, SelectableChannel channel, int ops, Runnable handler)
            throws ClosedChannelException {
        return hub.registerChannel(channel, ops, handler);
    }

    @Override
    public Optional<SelectionKey> keyFor(Hub hub, SelectableChannel channel) {
        return Optional.ofNullable(hub.keyFor(channel));
    }

    @Override
    public Runnable onLoopDeath(Hub hub, Runnable action) {
        return hub.onLoopDeath(action);
    }

    @Override
    public boolean runsUserCode(Hub hub) {
        return (hub.sliceCount() & 1L) != 0;
    }
}
