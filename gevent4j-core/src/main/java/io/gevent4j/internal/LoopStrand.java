package io.gevent4j.internal;

/**
 * The strand of a virtual thread scheduled by a {@link Loop}: what a greenlet waits as. It is
 * the thread's body and its uncaught-exception handler, so {@link #of(Thread)} finds it from the
 * thread with one field read (no ThreadLocal map per strand). A subclass gives the body
 * ({@link #run()}) and says where an uncaught failure goes.
 *
 * <p>Who calls it: its own thread for the waits ({@link #sleep}, {@link #idle}, the inherited
 * {@link Strand#await}); its loop's thread for {@link #began}/{@link #ended}; any thread for the
 * rest.
 */
public abstract class LoopStrand extends Strand implements Runnable, Thread.UncaughtExceptionHandler {
    private final Loop loop;
    private volatile Thread thread;
    // The loop's live list (LiveStrands; loop-thread confined).
    LoopStrand liveNext;
    LoopStrand livePrev;

    protected LoopStrand(Loop loop) {
        this.loop = loop;
    }

    /** The loop strand that {@code t} runs, or null if it is not one. */
    public static LoopStrand of(Thread t) {
        return t.isVirtual() && t.getUncaughtExceptionHandler() instanceof LoopStrand s ? s : null;
    }

    public final Loop loop() {
        return loop;
    }

    /** Creates this strand's virtual thread on its loop and starts it (it runs on a later pass). */
    public final void startThread() {
        Thread t = loop.newThread(this);
        t.setUncaughtExceptionHandler(this);
        thread = t;
        t.start();
    }

    /** Forgets the thread: the strand has ended. */
    public final void forgetThread() {
        thread = null;
    }

    /** The body began on the loop: it counts as live. Called by the strand's own thread. */
    public final void began() {
        loop.live().add(this);
    }

    /** The body ended: it is no longer live. Called by the strand's own thread. */
    public final void ended() {
        loop.live().remove(this);
    }

    @Override
    public final Thread thread() {
        return thread;
    }

    @Override
    final long now() {
        return loop.now();
    }

    @Override
    final Loop timerLoop() {
        return loop;
    }

    @Override
    final boolean armTimer(Waiter w) {
        loop.timers().add(w);
        return true;
    }

    @Override
    final void disarmTimer(Waiter w) {
        loop.timers().remove(w);
    }

    /**
     * Sleeps {@code nanos} on the loop's timers: a lean copy of {@link #await} for the commonest
     * wait. A delivered exception is raised; one withdrawn before it ran (a cancelled Timeout)
     * lets the sleep go on until its deadline.
     */
    @Override
    public final void sleep(long nanos) {
        long deadline = deadlineAfter(nanos);
        for (;;) {
            Waiter w = new Waiter(this);
            w.deadline = deadline;
            waiter = w;
            if (hasPending()) {
                waiter = null;
                raisePending();
            }
            loop.timers().add(w);
            parkWhileWaiting(w);
            if (!afterSleep(w)) {
                return;
            }
        }
    }

    /** Parks until the loop has nothing else to run (gevent's {@code idle()}). */
    public final void idle() {
        loop.idle(this);
    }
}
