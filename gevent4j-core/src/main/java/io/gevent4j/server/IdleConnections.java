package io.gevent4j.server;

import java.io.IOException;
import java.util.ArrayDeque;

/**
 * The idle connections of one {@link StreamServer} with a connection cap, oldest idle first:
 * those waiting for their client's next request (an idle keep-alive connection, or a new one
 * that has sent nothing yet). At the cap the accept loop sheds the oldest of them to admit a
 * waiting connection, so idle sockets cannot fill the server.
 *
 * <p>Who may call it: any hub or thread (connections of a {@code HubGroup} live on several
 * hubs). Nothing here blocks or yields.
 */
final class IdleConnections {
    /*
     * Implementation overview.
     *
     * A connection's own state (Connection.idleState: BUSY, IDLE, SHED) decides every race: the
     * shedder closes a connection only after it moved it IDLE -> SHED, and its greenlet goes on
     * only after it moved it IDLE -> BUSY, so a connection that has just received a request is
     * never closed by a shed, and a shed one never serves another request. The ordered list
     * (insertion order = idle since) is only an index, guarded by its own monitor; a stale
     * entry (a connection that went busy meanwhile) is skipped. It is intrusive (the links are
     * fields of Connection): an idle keep-alive connection goes in and out once per request,
     * and a LinkedHashSet's hashing and node allocation were ~6% of an HTTP hello's samples.
     *
     * An accept loop that waits for a slot with a connection pending and nothing idle leaves
     * a demand (one token per waiting loop: a HubGroup may run one loop per hub); the next
     * connection to go idle takes one demand and is shed at once (in add). The idle set and
     * the demands share one monitor, so a connection going idle and a loop starting to wait
     * cannot miss each other. A loop whose wait ends otherwise withdraws its demand; in a
     * narrow race one connection too many may be shed, never one too few.
     */
    /** The monitor of the list and the demands. */
    private final Object idle = new Object();
    /** Oldest and newest idle connection (linked through Connection.idlePrev/idleNext); guarded by {@code idle}. */
    private Connection head;
    private Connection tail;
    private int size;
    /** Accept loops waiting for a slot with a connection pending; guarded by {@code idle}. */
    private final ArrayDeque<Object> demands = new ArrayDeque<>();

    void add(Connection c) {
        Object demand;
        synchronized (idle) {
            link(c);
            demand = demands.poll();
        }
        if (demand != null && !shedOldest()) {
            synchronized (idle) {
                demands.addFirst(demand); // another shedder took it: the demand stands
            }
        }
    }

    void remove(Connection c) {
        synchronized (idle) {
            unlink(c);
        }
    }

    int size() {
        synchronized (idle) {
            return size;
        }
    }

    /** Appends {@code c} (newest) unless it is listed already; under the monitor. */
    private void link(Connection c) {
        if (c.idleListed) {
            return;
        }
        c.idleListed = true;
        c.idlePrev = tail;
        c.idleNext = null;
        if (tail == null) {
            head = c;
        } else {
            tail.idleNext = c;
        }
        tail = c;
        size++;
    }

    /** Removes {@code c} if it is listed; under the monitor. */
    private void unlink(Connection c) {
        if (!c.idleListed) {
            return;
        }
        Connection p = c.idlePrev;
        Connection n = c.idleNext;
        if (p == null) {
            head = n;
        } else {
            p.idleNext = n;
        }
        if (n == null) {
            tail = p;
        } else {
            n.idlePrev = p;
        }
        c.idlePrev = null;
        c.idleNext = null;
        c.idleListed = false;
        size--;
    }

    /** Registers a waiting accept loop's demand; withdraw it with {@link #withdraw}. */
    Object demand() {
        Object d = new Object();
        synchronized (idle) {
            demands.add(d);
        }
        return d;
    }

    void withdraw(Object demand) {
        synchronized (idle) {
            demands.remove(demand);
        }
    }

    /** Closes the connection idle for the longest time; returns false if none was idle. */
    boolean shedOldest() {
        for (;;) {
            Connection oldest;
            synchronized (idle) {
                oldest = head;
                if (oldest == null) {
                    return false;
                }
                unlink(oldest);
            }
            if (oldest.shed()) {
                try {
                    oldest.close(); // wakes its greenlet, which ends quietly and frees its slot
                } catch (IOException | RuntimeException e) {
                    System.getLogger(StreamServer.class.getName()).log(System.Logger.Level.DEBUG,
                            "closing an idle connection to admit another", e);
                }
                return true;
            }
        }
    }
}
