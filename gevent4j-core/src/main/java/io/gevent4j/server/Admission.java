package io.gevent4j.server;

import io.gevent4j.BoundedSemaphore;
import io.gevent4j.socket.Io;
import io.gevent4j.socket.TcpListener;
import java.io.IOException;

/**
 * The connection cap of one {@link StreamServer}: one permit per running handler, taken by an
 * accept loop before it accepts and given back by the connection's task when its handler is
 * done; at the cap, idle connections are shed to admit waiting ones.
 *
 * <p>Who may call it: any hub or thread (handlers of a {@code HubGroup} release from every
 * hub). {@link #acquireFor} parks the accept loop while the cap is reached; a kill or Timeout
 * while it waits propagates and leaves no permit taken.
 */
final class Admission {
    /*
     * Implementation overview.
     *
     * The permits are a BoundedSemaphore: FIFO (accept loops of several hubs are served in
     * turn), shared by threads and hubs, a wait interrupted by a kill holds no permit, and
     * tryAcquire never waits. Bounded, so that a double release is an error, not a larger cap.
     * Servers without their own maxConnections share ConnectionLimit's semaphore.
     *
     * Idle shedding (with a cap of the server's own or the shared one, never with a pool): see
     * acquireFor and IdleConnections.
     */
    private final BoundedSemaphore permits;
    /** Idle connections, shed oldest first to admit new ones at the cap; null without shedding. */
    private final IdleConnections idle;

    Admission(BoundedSemaphore permits, IdleConnections idle) {
        this.permits = permits;
        this.idle = idle;
    }

    /** The cap: how many handlers may run at once. */
    int max() {
        return permits.initialPermits();
    }

    /** The index a connection marks itself idle in, or null if this server sheds none. */
    IdleConnections idle() {
        return idle;
    }

    /**
     * Takes a connection permit for the next accept on {@code l}. At the cap, waits until a
     * connection is pending on {@code l} (without taking it), then sheds the oldest idle
     * connection (see {@link Connection#markIdle}) and waits for the permit it frees; with nothing
     * idle, waits for a permit and sheds the first connection that goes idle meanwhile. Idle
     * connections are thus closed only when a new connection actually waits for their permit.
     */
    void acquireFor(TcpListener l) {
        if (permits.tryAcquire()) {
            return;
        }
        if (idle != null) {
            try {
                Io.waitRead(l.channel()); // a connection waits in the backlog
            } catch (IOException closedOrFailed) {
                // the listener was closed (stop) or failed: accept() reports it
            }
            if (permits.tryAcquire()) {
                return;
            }
            if (!idle.shedOldest()) {
                Object demand = idle.demand(); // the next connection to go idle is shed for us
                try {
                    if (idle.shedOldest()) { // one went idle before the demand was there
                        idle.withdraw(demand);
                    }
                    permits.acquire();
                } finally {
                    idle.withdraw(demand);
                }
                return;
            }
        }
        permits.acquire();
    }

    /** Permits free now (for tests). */
    int free() {
        return permits.availablePermits();
    }

    /** Strands waiting for a permit now (for tests). */
    int waiting() {
        return permits.queueLength();
    }

    /** Gives a permit back; any thread. */
    void release() {
        permits.release();
    }
}
