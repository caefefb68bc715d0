package io.gevent4j.internal;

import java.lang.ref.WeakReference;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The registry of {@link Loop}s: which loop the caller is on, the default one, every live one,
 * and each by id. Any thread.
 */
public final class Loops {
    /** The loop whose pass runs on this platform thread (its own thread, or a driving test thread). */
    private static final ThreadLocal<Loop> CURRENT = new ThreadLocal<>();
    /** Every loop from construction until it ends (the watchdog's, RunInfo's and Io's registry). */
    private static final Set<Loop> LIVE = ConcurrentHashMap.newKeySet();
    private static final AtomicReference<Supplier<Loop>> DEFAULT = new AtomicReference<>();
    private static final AtomicInteger IDS = new AtomicInteger();
    /** Every loop by id, weakly (its hub holds it): how the library's other packages find a hub's loop. */
    private static final ConcurrentHashMap<Integer, WeakReference<Loop>> BY_ID = new ConcurrentHashMap<>();

    private Loops() {}

    static int nextId() {
        return IDS.getAndIncrement();
    }

    static void register(Loop l) {
        LIVE.add(l);
        BY_ID.values().removeIf(r -> r.get() == null);
        BY_ID.put(l.id(), new WeakReference<>(l));
    }

    static void unregister(Loop l) {
        LIVE.remove(l);
    }

    /** Binds the calling platform thread to {@code l} (null: unbinds it). */
    static void bindThread(Loop l) {
        if (l == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(l);
        }
    }

    /** Every loop that has not ended, in no order. */
    public static List<Loop> all() {
        return List.copyOf(LIVE);
    }

    /** The loop whose {@link Loop#id()} is {@code id} (a hub's id), ended or not; null if it is gone. */
    public static Loop byId(int id) {
        WeakReference<Loop> r = BY_ID.get(id);
        return r == null ? null : r.get();
    }

    /** Installs where {@link #current()} finds the loop of threads that are not on one (the default hub). */
    public static void setDefault(Supplier<Loop> defaultLoop) {
        DEFAULT.set(defaultLoop);
    }

    /** The loop whose thread runs the caller (not a strand of it), or null. */
    public static Loop onThisThread() {
        return CURRENT.get();
    }

    /** Whether the caller is a loop's own thread outside any strand (a callback, a raw link): it must never park. */
    public static boolean callerIsLoop() {
        return CURRENT.get() != null && LoopStrand.of(Thread.currentThread()) == null;
    }

    /** The caller's loop: its strand's, the one running this thread, or else the default one. */
    public static Loop current() {
        LoopStrand s = LoopStrand.of(Thread.currentThread());
        if (s != null) {
            return s.loop();
        }
        Loop l = CURRENT.get();
        return l != null ? l : defaultLoop();
    }

    /**
     * The default loop (started on first use by its owner). Installed when the core's {@code Hub}
     * class initialises: every package that can reach here from a plain thread makes sure of that
     * first (the root package through the hub, the sockets in their class initialisation).
     */
    public static Loop defaultLoop() {
        Supplier<Loop> d = DEFAULT.get();
        if (d == null) {
            throw new IllegalStateException("the default hub is not installed: io.gevent4j.Hub was never initialised");
        }
        return d.get();
    }

    /**
     * Reports a failure of a callback run outside any loop's own error path (a whenReady action
     * run by the thread that made a primitive ready): to the caller's loop's host, or, when no
     * hub exists yet, to the log (what the default hub's handler would do).
     */
    public static void reportError(Throwable e) {
        LoopStrand s = LoopStrand.of(Thread.currentThread());
        Loop l = s != null ? s.loop() : CURRENT.get();
        if (l == null && DEFAULT.get() != null) {
            l = defaultLoop();
        }
        if (l != null) {
            l.host().reportError(null, e);
        } else {
            EngineLog.logSafely(System.Logger.Level.WARNING, "a callback failed with " + e, e);
        }
    }
}
