package io.gevent4j;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Platform threads for blocking or CPU-heavy work, whose results greenlets await cooperatively:
 * gevent's {@code ThreadPool}. A greenlet that must call something that would stall its hub (a
 * long computation, blocking file I/O, {@code InetAddress} look-ups through the JDK resolver, a
 * JNI call, anything that pins its carrier) submits it here and parks on the returned
 * {@link AsyncResult} while the hub runs the others.
 *
 * <p>Who may call it: any thread, any greenlet on any hub. Each hub has a default pool of 10
 * threads, created on first use ({@link Hub#threadPool()}); {@link #current()} is the caller's.
 *
 * <p>Blocking: {@link #submit} never blocks unless the pool was made with a bound on queued work
 * and that many tasks wait; then it parks the caller until one is picked up. The result is
 * awaited like any {@link AsyncResult}: {@code result(timeout)} raises {@link Timeout}, and an
 * enclosing {@link Timeout} or a kill interrupts the wait, <em>not the task</em>: a platform
 * thread cannot be stopped at a wait point of this library, so the task runs to its end.
 * Threads are started on demand up to {@link #maxThreads()} and end after
 * {@link #IDLE_TIMEOUT} without work, so an unused pool costs nothing.
 *
 * {@snippet :
 * byte[] data = ThreadPool.current().apply(() -> Files.readAllBytes(path)); // the hub keeps running
 * AsyncResult<Integer> sum = ThreadPool.current().submit(() -> crunch(numbers));
 * Gevent.await(List.of(sum, otherGreenlet));
 * }
 */
public final class ThreadPool implements Executor, AutoCloseable {
    /*
     * Implementation overview.
     *
     * `lock` (a ReentrantLock: the waiters are platform worker threads, which may block) guards
     * the job deque and the thread accounting: `threads` started and alive, `idle` of them
     * waiting in `workAvailable`. submit() enqueues under the lock and starts a worker only if
     * none is idle and fewer than `maxThreads` run, so workers are created on demand. A worker
     * that times out re-checks the deque under the same lock before it exits: a job enqueued
     * concurrently is never stranded. Shrinking (resize) and shutdown signal all idle workers;
     * a worker exits when `threads > maxThreads` or (shut down and no job is left).
     *
     * The result is an AsyncResult: the worker sets it, which notifies the parked greenlet
     * across threads (through its hub's inbox) or unparks a waiting thread. The optional bound
     * on queued work is one of this library's Semaphores, so a submitter parks cooperatively;
     * a worker releases a permit when it takes a job.
     */

    /** How long a worker thread waits for work before it ends. */
    public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(5);

    /** The size of each hub's default pool. */
    public static final int DEFAULT_MAX_THREADS = 10;

    private static final AtomicInteger POOL_IDS = new AtomicInteger();

    private final String name;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition workAvailable = lock.newCondition();
    private final ArrayDeque<Job<?>> jobs = new ArrayDeque<>();
    private final Set<Thread> workers = new HashSet<>();
    private final Semaphore queueSlots;
    private final Event terminated = new Event();
    private final AtomicInteger threadIds = new AtomicInteger();
    private final long idleNanos;
    private int maxThreads;
    private int threads;
    private int idle;
    private int running;
    private boolean shutdown;

    /** A pool of at most {@code maxThreads} threads with unbounded queued work. */
    public ThreadPool(int maxThreads) {
        this("threadpool-" + POOL_IDS.incrementAndGet(), maxThreads, 0, IDLE_TIMEOUT);
    }

    /**
     * A pool of at most {@code maxThreads} threads; if {@code maxQueued} is positive, at most that
     * many tasks wait for a thread and {@link #submit} parks the caller beyond it.
     */
    public ThreadPool(String name, int maxThreads, int maxQueued, Duration idleTimeout) {
        this.name = Objects.requireNonNull(name, "name");
        checkSize(maxThreads);
        if (maxQueued < 0) {
            throw new IllegalArgumentException("maxQueued must not be negative: " + maxQueued);
        }
        this.maxThreads = maxThreads;
        this.queueSlots = maxQueued > 0 ? new Semaphore(maxQueued) : null;
        this.idleNanos = Hub.toNanos(idleTimeout);
    }

    private static void checkSize(int maxThreads) {
        if (maxThreads < 0) {
            throw new IllegalArgumentException("maxThreads must not be negative: " + maxThreads);
        }
    }

    /** The default pool of the caller's hub ({@link Hub#current()}). */
    public static ThreadPool current() {
        return Hub.current().threadPool();
    }

    // ---------------------------------------------------------------- submitting

    /** Runs {@code task} on a pool thread; its value or exception arrives in the returned result. */
    public <T> AsyncResult<T> submit(Callable<T> task) {
        Objects.requireNonNull(task, "task");
        if (queueSlots != null) {
            queueSlots.acquire();
        }
        AsyncResult<T> result = new AsyncResult<>();
        Job<T> job = new Job<>(task, result);
        lock.lock();
        try {
            if (shutdown) {
                if (queueSlots != null) {
                    queueSlots.release();
                }
                throw new RejectedExecutionException(this + " is shut down");
            }
            jobs.addLast(job);
            if (idle > 0) {
                workAvailable.signal();
            } else if (threads < maxThreads) {
                startWorker();
            }
        } finally {
            lock.unlock();
        }
        return result;
    }

    /** Runs {@code task} on a pool thread and awaits its value (or rethrows its exception as {@link AsyncResult#result()} does). */
    public <T> T apply(Callable<T> task) {
        return submit(task).result();
    }

    /** {@link Executor}: runs {@code command} on a pool thread; a failure is reported to the caller's hub. */
    @Override
    public void execute(Runnable command) {
        Objects.requireNonNull(command, "command");
        Hub hub = Hub.current();
        AsyncResult<Void> r = submit(Greenlet.callable(command));
        r.whenReady(() -> {
            if (r.exception() != null) {
                hub.reportError(null, r.exception());
            }
        });
    }

    private record Job<T>(Callable<T> task, AsyncResult<T> result) {
        void run() {
            T value;
            try {
                value = task.call();
            } catch (Throwable e) { // delivered to whoever awaits the result, nothing is swallowed
                result.setException(e);
                return;
            }
            result.set(value);
        }

        void cancel(String why) {
            result.setException(new CancellationException(why));
        }
    }

    // ---------------------------------------------------------------- workers (lock held where noted)

    /** Lock held. */
    private void startWorker() {
        Thread t = Thread.ofPlatform().daemon(true).name("gevent4j-" + name + "-" + threadIds.incrementAndGet())
                .unstarted(this::work);
        threads++;
        workers.add(t);
        t.start();
    }

    private void work() {
        for (;;) {
            Job<?> job;
            lock.lock();
            try {
                job = nextJob();
                if (job == null) {
                    return;
                }
                running++;
            } finally {
                lock.unlock();
            }
            if (queueSlots != null) {
                queueSlots.release();
            }
            try {
                job.run();
            } finally {
                lock.lock();
                try {
                    running--;
                } finally {
                    lock.unlock();
                }
                Thread.interrupted(); // a shutdownNow interrupt was meant for this job only
            }
        }
    }

    /** Lock held: the next job, or null once this worker must end (its accounting done). */
    private Job<?> nextJob() {
        long left = idleNanos;
        for (;;) {
            if (threads > maxThreads || (shutdown && jobs.isEmpty())) {
                return exitWorker();
            }
            Job<?> job = jobs.pollFirst();
            if (job != null) {
                return job;
            }
            if (left <= 0) {
                return exitWorker();
            }
            idle++;
            try {
                left = workAvailable.awaitNanos(left);
            } catch (InterruptedException e) {
                // shutdownNow: re-check the state
            } finally {
                idle--;
            }
        }
    }

    private Job<?> exitWorker() {
        threads--;
        workers.remove(Thread.currentThread());
        if (shutdown && threads == 0) {
            terminated.set();
        }
        return null;
    }

    // ---------------------------------------------------------------- size and state

    /** The maximum number of threads. */
    public int maxThreads() {
        lock.lock();
        try {
            return maxThreads;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Changes the maximum number of threads. Growing starts threads for queued work at once;
     * shrinking lets the extra threads end after their current task. {@code 0} pauses the pool:
     * work queues until it grows again.
     */
    public void resize(int newMaxThreads) {
        checkSize(newMaxThreads);
        lock.lock();
        try {
            maxThreads = newMaxThreads;
            while (threads < maxThreads && jobs.size() > idle) {
                startWorker();
            }
            workAvailable.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The number of threads alive now. */
    public int threadCount() {
        lock.lock();
        try {
            return threads;
        } finally {
            lock.unlock();
        }
    }

    /** The number of tasks submitted and not yet finished (queued or running). */
    public int pending() {
        lock.lock();
        try {
            return jobs.size() + running;
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- shutdown

    /** Refuses new tasks ({@link RejectedExecutionException}); queued ones still run, then the threads end. */
    public void shutdown() {
        lock.lock();
        try {
            shutdown = true;
            workAvailable.signalAll();
            if (threads == 0) {
                terminated.set();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Shuts down, cancels the queued tasks (their results get {@link CancellationException}) and
     * interrupts the running ones (which may or may not stop). Returns how many were cancelled.
     */
    public int shutdownNow() {
        List<Job<?>> dropped;
        lock.lock();
        try {
            shutdown = true;
            dropped = new ArrayList<>(jobs);
            jobs.clear();
            workers.forEach(Thread::interrupt);
            workAvailable.signalAll();
            if (threads == 0) {
                terminated.set();
            }
        } finally {
            lock.unlock();
        }
        for (Job<?> j : dropped) {
            if (queueSlots != null) {
                queueSlots.release();
            }
            j.cancel(this + " was shut down before the task ran");
        }
        return dropped.size();
    }

    /** Whether the pool was shut down. */
    public boolean isShutdown() {
        lock.lock();
        try {
            return shutdown;
        } finally {
            lock.unlock();
        }
    }

    /** Waits (cooperatively) at most {@code timeout} until it is shut down and every thread has ended. */
    public boolean awaitTermination(Duration timeout) {
        return terminated.await(timeout);
    }

    /** {@link #shutdown()}, then waits until every thread has ended. */
    @Override
    public void close() {
        shutdown();
        terminated.await();
    }

    @Override
    public String toString() {
        return "ThreadPool[" + name + "]";
    }
}
