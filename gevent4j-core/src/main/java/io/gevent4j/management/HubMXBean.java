package io.gevent4j.management;

/**
 * A hub's figures as a JMX MXBean ({@code io.gevent4j:type=Hub,name=...}): what
 * {@link io.gevent4j.Hub#stats()} and the {@link io.gevent4j.Watchdog} count, read when a JMX
 * client asks (racy but recent; reading never stops the hub). Registered only by
 * {@link GeventMBeans}.
 */
public interface HubMXBean {
    /**
     * The hub's name.
     *
     * @return the name given when it started
     */
    String getName();

    /**
     * The hub's id, unique in this JVM.
     *
     * @return the id
     */
    int getId();

    /**
     * Greenlets that have started and not finished.
     *
     * @return live greenlets
     */
    int getLiveGreenlets();

    /**
     * Greenlets started, ever.
     *
     * @return the count
     */
    long getGreenletsSpawned();

    /**
     * Greenlets finished, ever.
     *
     * @return the count
     */
    long getGreenletsFinished();

    /**
     * Tasks queued to run now: the run-queue length.
     *
     * @return the run-queue length
     */
    int getRunQueueLength();

    /**
     * Timers pending (sleeps, time-outs, delayed callbacks).
     *
     * @return the count
     */
    int getTimers();

    /**
     * Passes of the loop, ever.
     *
     * @return the count
     */
    long getLoopPasses();

    /**
     * Run slices (greenlet runs, callbacks), ever.
     *
     * @return the count
     */
    long getSlices();

    /**
     * Channels registered with the hub's selector now.
     *
     * @return the count
     */
    int getSelectorKeys();

    /**
     * Tasks handed in from other threads, ever.
     *
     * @return the count
     */
    long getCrossThreadTasks();

    /**
     * Times another thread woke the hub from its selector, ever.
     *
     * @return the count
     */
    long getSelectorWakeups();

    /**
     * Blocked-hub reports of the watchdog (one per episode), ever.
     *
     * @return the count
     */
    long getBlockedHubReports();

    /**
     * The longest run slice seen, in milliseconds (exact only while slices are measured).
     *
     * @return milliseconds
     */
    double getLongestSliceMillis();

    /**
     * Whether the hub's loop has ended.
     *
     * @return true once terminated
     */
    boolean isTerminated();
}
