package io.gevent4j;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * A value shared by a whole spawn tree: the greenlet that a plain thread (or a hub callback)
 * spawned, every greenlet it spawns, and theirs, transitively. gevent's
 * {@code Greenlet.spawn_tree_locals}. Use it for request-scoped context (a trace id, a
 * deadline) that every helper greenlet of one request must see and may change for all of them.
 *
 * <p>Per-greenlet values need nothing new: a greenlet is a thread, so a {@link ThreadLocal} is a
 * greenlet-local (gevent's {@code local}), and a {@link ScopedValue} binding is visible in the
 * greenlet that binds it. Neither is shared with greenlets it spawns (an
 * {@link InheritableThreadLocal} copies the value once, when the child starts), which is what
 * this class adds.
 *
 * <p>Mind the extent of a tree: every greenlet spawned by a long-lived greenlet (say, a server's
 * accept loop) belongs to that greenlet's tree, so a value set while handling one connection is
 * seen by all the others. gevent has the same rule.
 *
 * <p>Who may call it: code running in a greenlet; elsewhere {@link #get()} and {@link #set}
 * raise {@link IllegalStateException}. A tree's values are thread-safe (a
 * {@link ConcurrentHashMap}), since the greenlets of one tree may run on different hubs. Nothing
 * here blocks.
 *
 * {@snippet :
 * static final SpawnTreeLocal<String> REQUEST_ID = SpawnTreeLocal.withInitial(() -> "none");
 *
 * hub.spawn(() -> {
 *     REQUEST_ID.set("req-42");
 *     Gevent.spawn(() -> log(REQUEST_ID.get())).join(); // "req-42": same tree
 * });
 * }
 */
public final class SpawnTreeLocal<T> {
    /*
     * Each greenlet holds a reference to its tree (Greenlet.spawnTree): a root (spawned by a
     * non-greenlet) makes a new Tree on first use, a child takes its spawner's. The Tree's map is created on
     * first write, so a tree that never uses a SpawnTreeLocal costs one small object at its root.
     * Keys are the SpawnTreeLocal objects themselves (identity); values are never null
     * (NULL_VALUE stands for null).
     */
    static final class Tree {
        private volatile ConcurrentHashMap<SpawnTreeLocal<?>, Object> values;

        ConcurrentHashMap<SpawnTreeLocal<?>, Object> values(boolean create) {
            ConcurrentHashMap<SpawnTreeLocal<?>, Object> v = values;
            if (v == null && create) {
                synchronized (this) {
                    v = values;
                    if (v == null) {
                        v = new ConcurrentHashMap<>();
                        values = v;
                    }
                }
            }
            return v;
        }
    }

    private static final Object NULL_VALUE = new Object();

    private final Supplier<? extends T> initial;

    /** A spawn-tree local whose value is empty until set. */
    public SpawnTreeLocal() {
        this.initial = () -> null;
    }

    private SpawnTreeLocal(Supplier<? extends T> initial) {
        this.initial = Objects.requireNonNull(initial, "initial");
    }

    /** A spawn-tree local whose value in a tree starts as {@code initial.get()}, made on first read. */
    public static <T> SpawnTreeLocal<T> withInitial(Supplier<? extends T> initial) {
        return new SpawnTreeLocal<>(initial);
    }

    private static Tree tree() {
        Greenlet<?> g = Greenlet.of(Thread.currentThread());
        if (g == null) {
            throw new IllegalStateException("a SpawnTreeLocal is only available inside a greenlet");
        }
        return g.spawnTree();
    }

    /** The value of the caller's spawn tree (the initial value on first read; may be empty). */
    @SuppressWarnings("unchecked")
    public Optional<T> get() {
        Object v = tree().values(true).computeIfAbsent(this, k -> {
            T init = initial.get();
            return init == null ? NULL_VALUE : init;
        });
        return v == NULL_VALUE ? Optional.empty() : Optional.of((T) v);
    }

    /** Sets the value for every greenlet of the caller's spawn tree. */
    public void set(T value) {
        tree().values(true).put(this, value == null ? NULL_VALUE : value);
    }

    /** Removes the value of the caller's spawn tree; the next read gets the initial value again. */
    public void remove() {
        var values = tree().values(false);
        if (values != null) {
            values.remove(this);
        }
    }
}
