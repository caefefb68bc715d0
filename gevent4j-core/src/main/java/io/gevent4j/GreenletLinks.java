package io.gevent4j;

import io.gevent4j.internal.Strand;
import io.gevent4j.internal.WaitList;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What waits for one {@link Greenlet} to finish: the strands that join it and the
 * {@link Waitable#whenReady} actions (in a {@link WaitList}, the library's one waiter list),
 * and the user links ({@code link}, {@code rawlink}, {@code linkValue}, {@code linkException}),
 * which run on the hub after it finished, one at a time from the current list. Made on the first
 * registration; guarded by the greenlet's monitor.
 */
final class GreenletLinks<T> {
    /*
     * Implementation overview. The greenlet's transition to DONE takes everything registered
     * here in the same critical section (takeOnDone), so a registration is either taken by the
     * completion or sees DONE and runs at once. Joiners are notified and whenReady actions run
     * inline (they only unpark or enqueue); user links move to `dispatching` first (so a
     * whenReady action run inline can still unlink one) and run on the hub, taken one at a time
     * from that current list (runUserLinks), so an unlink by an earlier link stops a later one.
     */

    enum LinkMode { RAW, SPAWN, VALUE, EXCEPTION }

    private static final class UserLink<T> {
        final Consumer<? super Greenlet<T>> callback;
        final LinkMode mode;
        volatile boolean removed;

        UserLink(Consumer<? super Greenlet<T>> callback, LinkMode mode) {
            this.callback = callback;
            this.mode = mode;
        }
    }

    private final Greenlet<T> greenlet;
    /** Joiners and whenReady actions. */
    private final WaitList waiters;
    /** User links not yet taken, in registration order, or null. */
    private List<UserLink<T>> userLinks;
    /** User links taken at completion and not yet run, or null. */
    private List<UserLink<T>> dispatching;
    // What the completion took (takeOnDone, under the monitor) for notifyDone (outside it).
    private WaitList.Node takenJoiners;
    private List<Runnable> takenActions;
    private List<UserLink<T>> takenUserLinks;

    GreenletLinks(Greenlet<T> greenlet) {
        this.greenlet = greenlet;
        this.waiters = new WaitList(greenlet);
    }

    // ---------------------------------------------------------------- the greenlet's doors

    /** The links of {@code g}, made on first use; the caller holds g's monitor. */
    static <T> GreenletLinks<T> of(Greenlet<T> g) {
        GreenletLinks<T> ls = g.links;
        if (ls == null) {
            ls = new GreenletLinks<>(g);
            g.links = ls;
        }
        return ls;
    }

    /** A user link of {@code g}: kept while it runs, dispatched at once if it has finished. */
    static <T> void link(Greenlet<T> g, Consumer<? super Greenlet<T>> callback, LinkMode mode) {
        Objects.requireNonNull(callback, "callback");
        GreenletLinks<T> ls;
        synchronized (g) {
            ls = of(g);
            if (g.state != Greenlet.DONE) {
                ls.addUserLink(callback, mode);
                return;
            }
        }
        ls.dispatchLate(callback, mode);
    }

    /** {@link Greenlet#whenReady}: kept while it runs, run at once if it has finished. */
    static Waitable.Registration whenReady(Greenlet<?> g, Runnable action) {
        Objects.requireNonNull(action, "action");
        synchronized (g) {
            if (g.state != Greenlet.DONE) {
                return of(g).addAction(action);
            }
        }
        action.run();
        return () -> {};
    }

    // ---------------------------------------------------------------- under the greenlet's monitor

    /** Parks-to-be: a joiner's node; the caller holds the monitor and saw the greenlet running. */
    WaitList.Node addJoiner(Strand s) {
        return waiters.add(s, null);
    }

    /** Parks {@code n}'s strand outside the monitor until the greenlet finished or the deadline. */
    void park(WaitList.Node n, long deadline) {
        waiters.park(n, deadline, null);
    }

    /** A whenReady action; the caller holds the monitor and saw the greenlet running. */
    Waitable.Registration addAction(Runnable action) {
        return waiters.addAction(action)::close;
    }

    /** A user link; the caller holds the monitor and saw the greenlet running. */
    void addUserLink(Consumer<? super Greenlet<T>> callback, LinkMode mode) {
        if (userLinks == null) {
            userLinks = new ArrayList<>(2);
        }
        userLinks.add(new UserLink<>(callback, mode));
    }

    /**
     * Under the monitor, once DONE is published: takes every registration for
     * {@link #notifyDone}, which the same thread calls next, outside the monitor.
     */
    void takeOnDone() {
        takenJoiners = waiters.detachAll();
        takenActions = waiters.takeActions();
        takenUserLinks = userLinks;
        userLinks = null;
    }

    /** Removes every registration of {@code callback} that has not run yet. */
    void unlink(Consumer<?> callback) {
        if (userLinks != null) {
            userLinks.removeIf(u -> u.callback == callback && (u.removed = true));
        }
        if (dispatching != null) {
            for (UserLink<T> u : dispatching) {
                if (u.callback == callback) {
                    u.removed = true;
                }
            }
        }
    }

    boolean hasLinks() {
        return (userLinks != null && !userLinks.isEmpty()) || !waiters.isEmpty() || waiters.hasActions()
                || (dispatching != null && dispatching.stream().anyMatch(u -> !u.removed));
    }

    // ---------------------------------------------------------------- outside the monitor

    /**
     * A user link registered once the greenlet had finished: it joins the current dispatch, or
     * starts one.
     */
    void dispatchLate(Consumer<? super Greenlet<T>> callback, LinkMode mode) {
        UserLink<T> link = new UserLink<>(Objects.requireNonNull(callback, "callback"), mode);
        synchronized (greenlet) {
            if (dispatching != null) {
                dispatching.add(link); // a dispatch is already scheduled and will include it
                return;
            }
            dispatching = new ArrayList<>(1);
            dispatching.add(link);
        }
        greenlet.hub().callSoon(this::runUserLinks);
    }

    /**
     * After DONE: publishes the user links in `dispatching` first, so that a whenReady action run
     * here can still unlink one of them, then wakes the joiners and runs the actions in order,
     * then schedules the user links on the hub.
     */
    void notifyDone() {
        // Taken by this thread a moment ago (finish and kill call takeOnDone, then this).
        WaitList.Node joiners = takenJoiners;
        List<Runnable> actions = takenActions;
        List<UserLink<T>> user = takenUserLinks;
        takenJoiners = null;
        takenActions = null;
        takenUserLinks = null;
        boolean schedule = false;
        if (user != null && !user.isEmpty()) {
            synchronized (greenlet) {
                if (dispatching != null) {
                    dispatching.addAll(user);
                } else {
                    dispatching = user; // no longer reachable from userLinks: ours now
                    schedule = true;
                }
            }
        }
        for (WaitList.Node n = joiners; n != null; n = n.next()) {
            n.waiter.notifyWaiter();
        }
        for (Runnable a : actions) {
            try {
                a.run(); // runs unless closed meanwhile (also by an earlier action)
            } catch (Throwable e) {
                greenlet.hub().reportError(null, e);
            }
        }
        if (schedule) {
            greenlet.hub().callSoon(this::runUserLinks);
        }
    }

    /**
     * Runs on the hub: the user links, taken one at a time from the current list, in registration
     * order, so an earlier link can unlink a later one (or add one) before its turn. A link that
     * runs in its own greenlet has had its turn once that greenlet ran up to its first wait or
     * its end: the rest of the list is taken by a callback queued behind it (the run queue is
     * FIFO), as gevent switches into the link's greenlet and takes the next link when it switches
     * back. `dispatching` stays non-null meanwhile, so links added in between join this pass.
     */
    private void runUserLinks() {
        Hub hub = greenlet.hub();
        for (;;) {
            UserLink<T> link;
            synchronized (greenlet) {
                if (dispatching == null || dispatching.isEmpty()) {
                    dispatching = null;
                    return;
                }
                link = dispatching.remove(0);
            }
            if (link.removed) {
                continue;
            }
            link.removed = true;
            boolean ok = greenlet.successful();
            boolean spawn = switch (link.mode) {
                case RAW -> {
                    try {
                        link.callback.accept(greenlet);
                    } catch (Throwable e) {
                        hub.reportError(null, e);
                    }
                    yield false;
                }
                case SPAWN -> true;
                case VALUE -> ok;
                case EXCEPTION -> !ok;
            };
            if (spawn) {
                try {
                    hub.spawn(() -> link.callback.accept(greenlet)).name("link of " + greenlet.name());
                } catch (RuntimeException e) { // the hub is closing: no greenlet to wait for
                    hub.reportError(null, e);
                    continue;
                }
                synchronized (greenlet) {
                    if (dispatching.isEmpty()) {
                        dispatching = null;
                        return;
                    }
                }
                hub.callSoon(this::runUserLinks);
                return;
            }
        }
    }
}
