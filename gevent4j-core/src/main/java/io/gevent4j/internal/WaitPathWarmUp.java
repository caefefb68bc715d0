package io.gevent4j.internal;

import java.util.ArrayDeque;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs the library's park/wake path a few thousand times, once per JVM, when the first hub is
 * created, so that C2 compiles it with a complete profile.
 *
 * <p>Why: when many strands park before any of them has ever woken (a timer storm, 100,000
 * greenlets blocked in one join), C2 compiles the waiting methods while the code after the park
 * has never run and prunes it; every frozen frame then takes an uncommon trap when it wakes:
 * one deoptimisation per waiter, measured at seconds for 100,000 greenlets. Here a virtual thread
 * on a throw-away scheduler (an {@code ArrayDeque} drained by one short-lived daemon thread)
 * really parks and is really woken, through {@link Strand#await} and
 * {@link Strand#parkWhileWaiting}, the code every library wait shares. No hub is involved, so
 * nothing of it shows in any hub's statistics.
 */
final class WaitPathWarmUp {
    static final int ROUNDS = 3_000;
    private static final AtomicBoolean STARTED = new AtomicBoolean();

    private WaitPathWarmUp() {}

    static void startOnce() {
        if (!STARTED.compareAndSet(false, true) || Boolean.getBoolean("gevent4j.noWarmUp")) {
            return;
        }
        Thread.ofPlatform().name("gevent4j-warm-up").daemon(true).start(WaitPathWarmUp::run);
    }

    private static void run() {
        try {
            ArrayDeque<Runnable> queue = new ArrayDeque<>();
            ThreadFactory threads = VirtualThreads.factory(queue::add); // only this thread drains it
            Thread worker = threads.newThread(() -> {
                Strand strand = Strand.current();
                for (int i = 0; i < ROUNDS; i++) {
                    Waiter w = new Waiter(strand);
                    queue.add(w::notifyWaiter); // run by the draining thread once we have parked
                    strand.await(w, Strand.NO_DEADLINE);
                }
            });
            worker.start();
            Runnable task;
            while ((task = queue.poll()) != null) {
                task.run();
            }
        } catch (Throwable e) {
            // An optimisation only: never let it disturb the application.
            EngineLog.LOG.log(System.Logger.Level.DEBUG, "wait-path warm-up skipped", e);
        }
    }
}
