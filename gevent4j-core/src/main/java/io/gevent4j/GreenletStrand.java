package io.gevent4j;

import io.gevent4j.internal.Loop;
import io.gevent4j.internal.LoopStrand;
import java.util.concurrent.Callable;

/**
 * What a {@link Greenlet} waits as: the engine's strand of its virtual thread, and the thread's
 * body. One object per greenlet beside the greenlet itself (as the former body object was), so
 * spawning allocates no more than before; the body calls the task from this frame, one frame
 * below the thread's own, on every parked stack.
 */
final class GreenletStrand extends LoopStrand {
    final Greenlet<?> greenlet;
    /**
     * What the greenlet waits for without a time-out, for deadlock detection (Deadlocks.cycle):
     * a greenlet it joins or an RLock it acquires, or null. Its hub's loop thread only. Here
     * rather than on the greenlet: this object has room for it within its size.
     */
    Object waitsFor;

    GreenletStrand(Loop loop, Greenlet<?> greenlet) {
        super(loop);
        this.greenlet = greenlet;
    }

    /** The greenlet's whole life. */
    @Override
    public void run() {
        Greenlet<?> g = greenlet;
        if (!GreenletLife.begin(g)) {
            return;
        }
        byte k;
        Object o;
        try {
            if (g.task() instanceof Callable<?> c) {
                o = c.call();
            } else {
                ((Runnable) g.task()).run();
                o = null;
            }
            k = Greenlet.VALUE;
        } catch (GreenletExit e) {
            o = e;
            k = Greenlet.EXITED;
        } catch (Throwable e) {
            o = e;
            k = Greenlet.FAILED;
        }
        Throwable kill = unraisedKill();
        if (kill != null && o != kill) {
            // Killed inside a JDK call: whatever the call threw (or the body made of it), the
            // kill is the outcome, with the body's exception kept as its cause.
            if (o instanceof Throwable bodyFailure) {
                Timeout.attachCause(kill, bodyFailure);
            }
            o = kill;
            k = kill instanceof GreenletExit ? Greenlet.EXITED : Greenlet.FAILED;
        }
        GreenletLife.end(g, k, o);
    }

    @Override
    public void uncaughtException(Thread t, Throwable e) {
        greenlet.hub().reportError(greenlet, e);
    }

    @Override
    public String toString() {
        return greenlet.toString();
    }
}
