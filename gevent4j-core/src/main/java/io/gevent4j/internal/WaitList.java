package io.gevent4j.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The shared machinery of the coordination primitives (gevent's {@code _abstract_linkable}): a
 * FIFO list of parked strands and a list of {@code Waitable.whenReady} actions, both guarded by
 * the monitor of the primitive that owns them ({@link #lock}).
 *
 * <h2>Implementation overview</h2>
 * A primitive checks its condition and, if it must wait, appends a {@link Node} under
 * {@link #lock}; it then parks outside the monitor with {@link Strand#await}. Whoever satisfies
 * the condition hands the resource to the <em>first</em> node directly (a permit, an item, the
 * lock's ownership) by calling {@link Waiter#notifyWaiter()} under the monitor: the CAS inside it
 * decides, atomically with the waiter's own time-out or delivered exception, whether the hand-off
 * happened. If it failed (the waiter timed out or was killed a moment ago) the resource goes to
 * the next node. So a waiter that times out never consumes anything, and hand-off makes every
 * primitive FIFO-fair: a newcomer cannot overtake a parked strand.
 *
 * <p>The one remaining race: an exception may be delivered after a hand-off won but before the
 * strand began to park; {@link Strand#await} then raises it at once although the node was granted.
 * {@link #park} reports that case so the primitive gives the resource back (or on to the next
 * waiter) before the exception propagates. Nothing is lost either way.
 *
 * <p>Cost: one small monitor per primitive, held for a few field writes, never while parked.
 * Within one hub it is never contended; across hubs and threads it is a short critical section.
 */
public final class WaitList {
    /** One parked strand, with the item it offers or receives. */
    public static final class Node {
        public final Waiter waiter;
        /** What the strand receives (an item, a marker), written by whoever grants the node. */
        public Object item;
        /** What the strand offers (a putter's item); never changed by a grant. */
        public Object offered;
        Node prev;
        Node next;
        boolean queued;

        Node(Waiter waiter, Object item) {
            this.waiter = waiter;
            this.item = item;
        }

        /** The next node of a chain returned by {@link WaitList#detachAll()}. */
        public Node next() {
            return next;
        }

        /** Whether the strand was granted (notified), as opposed to timed out or interrupted. */
        public boolean granted() {
            return waiter.state == Waiter.NOTIFIED;
        }

        public Strand strand() {
            return waiter.strand;
        }
    }

    /**
     * A whenReady registration; guarded by the owner's lock. Taken from the list when the owner
     * becomes ready, it still runs only if it was not closed before its turn: closing it from an
     * earlier action of the same notification prevents it (the one rule of every callback list).
     */
    public final class Action implements Runnable {
        final Runnable run;
        boolean closed;

        Action(Runnable run) {
            this.run = run;
        }

        /** Its turn: runs the action unless it was closed (also by an earlier action). */
        @Override
        public void run() {
            synchronized (lock) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            run.run();
        }

        /** Prevents the action if it has not run yet. Any thread. */
        public void close() {
            synchronized (lock) {
                closed = true;
                if (actions != null) {
                    actions.remove(this);
                }
            }
        }
    }

    public final Object lock;
    private Node head;
    private Node tail;
    private int size;
    private List<Action> actions;

    public WaitList(Object lock) {
        this.lock = lock;
    }

    // ---------------------------------------------------------------- parked strands (guarded by lock)

    public Node add(Strand s, Object offered) {
        Node n = new Node(new Waiter(s), null);
        n.offered = offered;
        n.queued = true;
        if (tail == null) {
            head = tail = n;
        } else {
            n.prev = tail;
            tail.next = n;
            tail = n;
        }
        size++;
        return n;
    }

    public void remove(Node n) {
        if (!n.queued) {
            return;
        }
        n.queued = false;
        if (n.prev == null) {
            head = n.next;
        } else {
            n.prev.next = n.next;
        }
        if (n.next == null) {
            tail = n.prev;
        } else {
            n.next.prev = n.prev;
        }
        n.prev = n.next = null;
        size--;
    }

    public Node first() {
        return head;
    }

    public boolean isEmpty() {
        return head == null;
    }

    public int size() {
        return size;
    }

    /**
     * Hands {@code item} to the first node whose strand is still waiting: unlinks it, stores the
     * item in it and notifies it; returns it, or null if no strand waits. Nodes whose wait
     * already ended (timed out, killed) are dropped on the way and keep their own item.
     */
    public Node grantFirst(Object item) {
        for (Node n = head; n != null; n = head) {
            remove(n);
            Object before = n.item;
            n.item = item;
            if (n.waiter.notifyWaiter()) {
                return n;
            }
            n.item = before;
        }
        return null;
    }

    /** Removes and notifies every waiting node, in FIFO order; returns how many were woken. */
    public int grantAll(Object item) {
        int woken = 0;
        for (Node n = head; n != null; n = head) {
            remove(n);
            n.item = item;
            if (n.waiter.notifyWaiter()) {
                woken++;
            }
        }
        return woken;
    }

    /**
     * Unlinks every node without notifying them (the caller holds the lock) and returns the first,
     * the others following it through {@link Node#next()} in FIFO order; null if none. The chain
     * stays as it is afterwards (a detached node's remove is a no-op), so it may be walked outside
     * the lock: a completion that wakes its waiters allocates nothing.
     */
    public Node detachAll() {
        Node first = head;
        for (Node n = first; n != null; n = n.next) {
            n.queued = false;
        }
        head = null;
        tail = null;
        size = 0;
        return first;
    }

    /** Unlinks every node, in FIFO order, without notifying them; the caller decides what each gets. */
    public List<Node> drain() {
        List<Node> all = new ArrayList<>(size);
        for (Node n = head; n != null; n = head) {
            remove(n);
            all.add(n);
        }
        return all;
    }

    // ---------------------------------------------------------------- waiting (outside the lock)

    /**
     * The check of a wait with a zero (or negative) time-out, which never blocks: raises the
     * caller's pending exception if it has a strand. A hub's loop thread has none, and a zero
     * wait is allowed there (gevent: a non-blocking call made from the hub never blocks).
     */
    /**
     * Whether the caller is a hub's loop thread (a callback, a raw link), which has no strand and
     * must never park. Waits with a zero time-out check it to answer at once there; from a
     * strand they keep their usual path (which, for some, yields once to the hub).
     */
    public static boolean onLoop() {
        return Loops.callerIsLoop();
    }

    /** Raises the caller's pending exception, if it has a strand (a loop's own thread has none). */
    public static void raisePendingOfCaller() {
        Thread t = Thread.currentThread();
        LoopStrand s = LoopStrand.of(t);
        if (s != null) {
            s.raisePending();
        } else if (Loops.onThisThread() == null) {
            ThreadStrand.of(t).raisePending();
        }
    }

    /** What {@link #park} observed. */
    enum Outcome { GRANTED, TIMED_OUT }

    /**
     * Parks {@code n}'s strand until its node is granted or the deadline passes. Outside the
     * lock. On a time-out the node is unlinked. If an exception ends the wait, the node is
     * unlinked, and if it had been granted already {@code giveBack} runs (under the lock) before
     * the exception propagates.
     */
    public boolean park(Node n, long deadline, java.util.function.Consumer<Node> giveBack) {
        Strand s = n.strand();
        boolean normal = false;
        try {
            boolean granted = s.await(n.waiter, deadline);
            normal = true;
            if (!granted) {
                synchronized (lock) {
                    remove(n);
                }
            }
            return granted;
        } finally {
            if (!normal) {
                synchronized (lock) {
                    remove(n);
                    if (n.waiter.state == Waiter.NOTIFIED && giveBack != null) {
                        giveBack.accept(n);
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- whenReady actions

    /** Registers an action; the caller holds the lock and has checked that the owner is not ready. */
    public Action addAction(Runnable run) {
        Action a = new Action(Objects.requireNonNull(run, "action"));
        if (actions == null) {
            actions = new ArrayList<>(2);
        }
        actions.add(a);
        return a;
    }

    /**
     * Takes every action (the caller holds the lock); run them with {@link #run} outside it. Each
     * one checks, at its turn, that it was not closed meanwhile (by an earlier action).
     */
    public List<Runnable> takeActions() {
        if (actions == null || actions.isEmpty()) {
            return List.of();
        }
        List<Runnable> out = new ArrayList<>(actions);
        actions.clear();
        return out;
    }

    public boolean hasActions() {
        return actions != null && !actions.isEmpty();
    }

    /** Runs taken actions outside the lock; one that throws is reported and does not stop the others. */
    public static void run(List<Runnable> taken) {
        for (Runnable r : taken) {
            try {
                r.run();
            } catch (RuntimeException e) {
                Loops.reportError(e);
            }
        }
    }
}
