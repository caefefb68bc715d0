package io.gevent4j;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The global spawn callbacks of {@link Gevent#addSpawnCallback}: gevent's
 * {@code Greenlet.add_spawn_callback}. Run by {@link Greenlet#start()} and
 * {@link Greenlet#startLater} on the starting thread, before the greenlet is scheduled.
 */
final class SpawnCallbacks {
    /*
     * Spawn is a hot path: with no callback registered, a start pays one volatile read of an
     * empty array. Registration copies the array (copy-on-write, under the class monitor), so a
     * start never takes a lock and sees either the old or the new array, whole.
     */
    @SuppressWarnings("unchecked")
    private static final Consumer<? super Greenlet<?>>[] NONE = new Consumer[0];

    private static volatile Consumer<? super Greenlet<?>>[] callbacks = NONE;

    private SpawnCallbacks() {}

    static synchronized void add(Consumer<? super Greenlet<?>> callback) {
        Objects.requireNonNull(callback, "callback");
        Consumer<? super Greenlet<?>>[] now = callbacks;
        if (Arrays.asList(now).contains(callback)) {
            return; // duplicates collapse, as in gevent
        }
        Consumer<? super Greenlet<?>>[] next = Arrays.copyOf(now, now.length + 1);
        next[now.length] = callback;
        callbacks = next;
    }

    static synchronized boolean remove(Consumer<? super Greenlet<?>> callback) {
        Consumer<? super Greenlet<?>>[] now = callbacks;
        int i = Arrays.asList(now).indexOf(callback);
        if (i < 0) {
            return false;
        }
        Consumer<? super Greenlet<?>>[] next = Arrays.copyOf(now, now.length - 1);
        System.arraycopy(now, i + 1, next, i, now.length - i - 1);
        callbacks = next.length == 0 ? NONE : next;
        return true;
    }

    /** Runs every callback for {@code g}; one that throws is reported to g's hub and does not stop the start. */
    static void onStart(Greenlet<?> g) {
        Consumer<? super Greenlet<?>>[] cbs = callbacks;
        if (cbs.length != 0) {
            runAll(cbs, g);
        }
    }

    private static void runAll(Consumer<? super Greenlet<?>>[] cbs, Greenlet<?> g) {
        for (Consumer<? super Greenlet<?>> cb : cbs) {
            try {
                cb.accept(g);
            } catch (RuntimeException e) {
                g.hub().reportError(g, e);
            }
        }
    }
}
