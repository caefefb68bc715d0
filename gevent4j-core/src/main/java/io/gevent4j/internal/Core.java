package io.gevent4j.internal;

import io.gevent4j.Hub;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.util.Optional;

/**
 * The one bridge from the library's own packages ({@code io.gevent4j.socket},
 * {@code io.gevent4j.dns}) to the core's package-private wait mechanism and hub selector. This
 * package is not exported by the module: applications never see it.
 *
 * <p>The core installs its {@link Access} when {@link Hub} is initialised ("shared secrets"
 * style, as the JDK does between its own packages); {@link #access()} forces that
 * initialisation, so callers never observe a missing bridge.
 *
 * <p>Handles are opaque: a <em>strand</em> is whatever waits (a greenlet or a plain thread), a
 * <em>waiter</em> is one wait of one strand. The protocol is the core's one way to wait:
 * {@snippet :
 * Core.Access core = Core.access();
 * Object strand = core.strandOfCaller();
 * Object waiter = core.newWaiter(strand);
 * // register the waiter with whatever will call core.notifyWaiter(waiter), then:
 * boolean notified = core.await(strand, waiter, core.deadlineAfter(strand, nanos));
 * }
 */
public final class Core {
    private static volatile Access access;

    private Core() {}

    /** The core's side of the bridge. */
    public interface Access {
        /** The strand of the calling thread; fails on a hub's loop thread, which must never block. */
        Object strandOfCaller();

        /** A deadline {@code nanos} from now on the strand's clock; {@link #noDeadline()} for none. */
        long deadlineAfter(Object strand, long nanos);

        /** The deadline value meaning "wait forever". */
        long noDeadline();

        /** A fresh one-shot waiter of {@code strand}. */
        Object newWaiter(Object strand);

        /**
         * Parks the calling strand on {@code waiter} until it is notified (true), its deadline
         * passes (false), or a kill / {@code Timeout} is raised (thrown).
         */
        boolean await(Object strand, Object waiter, long deadline);

        /** Wakes the waiter's strand; any thread. False if its wait had already ended. */
        boolean notifyWaiter(Object waiter);

        /** True if the caller runs on {@code hub}'s loop thread (its loop or one of its greenlets). */
        boolean inLoop(Hub hub);

        /**
         * Registers {@code channel} (non-blocking) with {@code hub}'s selector; any thread. When
         * the key is selected, the hub's loop runs {@code handler} (which must not block).
         */
        SelectionKey register(Hub hub, SelectableChannel channel, int ops, Runnable handler)
                throws ClosedChannelException;

        /** The key of {@code channel} in {@code hub}'s selector, if it is registered. */
        Optional<SelectionKey> keyFor(Hub hub, SelectableChannel channel);

        /**
         * Runs {@code action} on a new platform thread if {@code hub}'s loop ends without a
         * close (it could not go on), at once if it already has: servers fail visibly then.
         * Returns what unregisters the action.
         */
        Runnable onLoopDeath(Hub hub, Runnable action);

        /** Whether {@code hub}'s loop runs user code at this instant (a racy, lock-free read). */
        boolean runsUserCode(Hub hub);
    }

    /** Called once by the core. */
    public static void install(Access a) {
        if (access != null) {
            throw new IllegalStateException("the core bridge is already installed");
        }
        access = a;
    }

    /** The installed bridge; initialises the core on first use. */
    public static Access access() {
        Access a = access;
        if (a == null) {
            try {
                Class.forName(Hub.class.getName(), true, Hub.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
            a = access;
        }
        return a;
    }
}
