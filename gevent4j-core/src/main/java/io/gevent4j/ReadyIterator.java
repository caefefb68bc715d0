package io.gevent4j;

import io.gevent4j.internal.Strand;
import io.gevent4j.internal.Waiter;
import io.gevent4j.internal.WaitList;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Yields waitables in the order they become ready: gevent's {@code iwait}. Created by
 * {@link Gevent#iwait}. Blocking: {@link #hasNext()} parks the calling strand until the next
 * one is ready or the deadline passes, which ends the iteration silently.
 *
 * <p>Registrations are made on the first call of {@link #hasNext()}/{@link #next()} and removed
 * when the iteration ends or the iterator is closed: use it in try-with-resources when you may
 * stop early. Use it from the strand that created it.
 *
 * {@snippet :
 * try (var ready = Gevent.iwait(jobs, Duration.ofSeconds(1))) {
 *     while (ready.hasNext()) {
 *         System.out.println(ready.next().value());
 *     }
 * }
 * }
 */
public final class ReadyIterator<W extends Waitable> implements Iterator<W>, AutoCloseable {
    private final List<W> objects;
    private final long timeoutNanos;
    private final ConcurrentLinkedQueue<W> ready = new ConcurrentLinkedQueue<>();
    private final List<Waitable.Registration> registrations;
    private int remaining;
    private long deadline;
    private boolean begun;
    private boolean closed;
    private Strand strand;
    private volatile Waiter waiter;
    private W next;

    ReadyIterator(Collection<W> objects, long timeoutNanos) {
        this.objects = List.copyOf(objects);
        this.timeoutNanos = timeoutNanos;
        this.registrations = new ArrayList<>(this.objects.size());
        this.remaining = this.objects.size();
    }

    private void begin() {
        begun = true;
        // A zero time-out never waits, so on a hub's loop (no strand) it only collects the ready ones.
        strand = timeoutNanos <= 0 && WaitList.onLoop() ? null : Strand.current();
        deadline = strand == null ? 0 : strand.deadlineAfter(timeoutNanos);
        for (W o : objects) {
            registrations.add(o.whenReady(() -> {
                ready.add(o);
                Waiter w = waiter;
                if (w != null) {
                    w.notifyWaiter();
                }
            }));
        }
    }

    @Override
    public boolean hasNext() {
        if (next != null) {
            return true;
        }
        if (closed || remaining == 0) {
            close();
            return false;
        }
        if (!begun) {
            begin();
        }
        for (;;) {
            W o = ready.poll();
            if (o != null) {
                remaining--;
                next = o;
                return true;
            }
            if (strand == null) {
                close();
                return false;
            }
            Waiter w = new Waiter(strand);
            waiter = w;
            try {
                if (!ready.isEmpty()) { // Dekker with the registration's action
                    continue;
                }
                if (!strand.await(w, deadline)) {
                    close();
                    return false;
                }
            } finally {
                waiter = null;
            }
        }
    }

    @Override
    public W next() {
        if (!hasNext()) {
            throw new NoSuchElementException("no more ready objects (all returned, or the timeout passed)");
        }
        W o = next;
        next = null;
        return o;
    }

    /** Removes the registrations still in place. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            for (Waitable.Registration r : registrations) {
                r.close();
            }
        }
    }
}
