package io.gevent4j.internal.uring;

import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

/**
 * A channel's registration with a {@link UringIo}: the {@link SelectionKey} the loop's callers
 * know (interest set, ready set, the handler as attachment), armed in the ring as one-shot
 * {@code POLL_ADD}s, one per direction, re-armed after each completion while the interest lasts
 * (so it reports readiness level-triggered, as the NIO selector does).
 *
 * <p>Who calls it: {@link #interestOps(int)} on the loop's thread (as for the NIO poller: the
 * change takes effect at the next poll); {@link #cancel}, {@link #isValid} and the getters from
 * any thread; the {@code armed}/{@code slot} state is the loop's alone.
 */
final class UringKey extends SelectionKey {
    final UringIo io;
    final SelectableChannel channel;
    final int fd;
    /** The registration in the poller's holder selector (it keeps the descriptor until deregistered). */
    SelectionKey holderKey;
    private volatile int interest;
    private volatile boolean cancelled;

    // Loop-confined.
    int ready;
    boolean readArmed;
    boolean writeArmed;
    /** Index in the poller's slot table while a poll is armed; -1 otherwise. */
    int slot = -1;
    boolean queued;
    boolean inReadyList;
    boolean removed;
    /** The completion-mode sends of the channel, once it has queued one. */
    UringSends sends;

    UringKey(UringIo io, SelectableChannel channel, int fd) {
        this.io = io;
        this.channel = channel;
        this.fd = fd;
    }

    @Override
    public SelectableChannel channel() {
        return channel;
    }

    /** The holder selector (it holds the registration; it never reports readiness). */
    @Override
    public Selector selector() {
        return io.holder();
    }

    @Override
    public boolean isValid() {
        return !cancelled && holderKey.isValid();
    }

    @Override
    public void cancel() {
        if (!cancelled) {
            cancelled = true;
            holderKey.cancel();
            io.cancelled(this);
        }
    }

    @Override
    public int interestOps() {
        if (!isValid()) {
            throw new CancelledKeyException();
        }
        return interest;
    }

    @Override
    public SelectionKey interestOps(int ops) {
        if (!isValid()) {
            throw new CancelledKeyException();
        }
        if ((ops & ~channel.validOps()) != 0) {
            throw new IllegalArgumentException("interest " + ops + " is not valid for " + channel);
        }
        interest = ops;
        io.interestChanged(this);
        return this;
    }

    /** The interest set without the validity check (the loop's own reads). */
    int interest() {
        return interest;
    }

    void initialInterest(int ops) {
        interest = ops;
    }

    @Override
    public int readyOps() {
        if (!isValid()) {
            throw new CancelledKeyException();
        }
        return ready;
    }

    @Override
    public String toString() {
        return "UringKey[fd " + fd + ", interest " + interest + ", " + channel + "]";
    }
}
