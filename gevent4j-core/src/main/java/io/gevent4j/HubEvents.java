package io.gevent4j;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * The hub's JDK Flight Recorder events: a blocked hub, a long run slice, and each hub's
 * statistics every five seconds. {@code jcmd <pid> JFR.start} records them with no set-up; they
 * cost nothing while JFR is not initialised (no event class is loaded) and little while no
 * recording is on ({@code shouldCommit()} is checked first).
 *
 * <p>Called by the watchdog thread, by a hub's loop (a long slice, only while slice timing is on)
 * and by JFR's periodic-event thread. Never blocks.
 */
final class HubEvents {
    /*
     * Implementation overview. The events carry the greenlet's stack as text: JFR's own stack
     * trace would be the committing thread's (the watchdog's), not the blocked greenlet's, so it
     * is turned off. The periodic statistics hook reads every live hub's racy Stats snapshot.
     */

    private static final String CATEGORY = "gevent4j";

    private HubEvents() {}

    @Name("io.gevent4j.HubBlocked")
    @Label("Hub Blocked")
    @Category(CATEGORY)
    @Description("A hub ran one greenlet (or callback) for longer than the watchdog's threshold")
    @StackTrace(false)
    static final class HubBlocked extends Event {
        @Label("Hub") String hub;
        @Label("Greenlet") String greenlet;
        @Label("Blocked For") @Timespan(Timespan.NANOSECONDS) long blockedFor;
        @Label("Greenlet Stack") String stack;
    }

    @Name("io.gevent4j.LongRunSlice")
    @Label("Long Run Slice")
    @Category(CATEGORY)
    @Description("A greenlet or callback ran without yielding its hub for longer than the long-slice threshold")
    @StackTrace(false)
    static final class LongRunSlice extends Event {
        @Label("Hub") String hub;
        @Label("Slice Duration") @Timespan(Timespan.NANOSECONDS) long sliceDuration;
        @Label("Exact") @Description("true: timed by the loop; false: estimated by the watchdog") boolean exact;
    }

    @Name("io.gevent4j.HubStatistics")
    @Label("Hub Statistics")
    @Category(CATEGORY)
    @Period("5 s")
    @StackTrace(false)
    static final class HubStatistics extends Event {
        @Label("Hub") String hub;
        @Label("Greenlets Alive") int live;
        @Label("Greenlets Spawned") long spawned;
        @Label("Greenlets Finished") long finished;
        @Label("Run Queue Depth") int runnable;
        @Label("Timers Pending") int timers;
        @Label("Loop Iterations") long loopIterations;
        @Label("Run Slices") long slices;
        @Label("Selector Keys") int selectorKeys;
        @Label("Cross-Thread Tasks") long crossThreadTasks;
        @Label("Selector Wake-ups") long selectorWakeups;
        @Label("Longest Slice") @Timespan(Timespan.NANOSECONDS) long longestSlice;
    }

    private static final Runnable STATISTICS_HOOK = HubEvents::emitStatistics;

    /**
     * True once JFR is initialised in this JVM (at start-up, or later by {@code jcmd JFR.start}).
     * Until then no event class is touched: loading the first event class of a JVM without JFR
     * costs a quarter of a second and some 15 MB, which a hub must not pay for nothing.
     */
    private static volatile boolean active;

    /**
     * Arranges for the events to be registered when JFR initialises (at once if it already has).
     * Called from Hub's static initialiser; costs a listener registration (about a millisecond).
     */
    static void register() {
        try {
            FlightRecorder.addListener(new FlightRecorderListener() {
                @Override
                public void recorderInitialized(FlightRecorder recorder) {
                    FlightRecorder.register(HubBlocked.class);
                    FlightRecorder.register(LongRunSlice.class);
                    FlightRecorder.addPeriodicEvent(HubStatistics.class, STATISTICS_HOOK);
                    active = true;
                }
            });
        } catch (RuntimeException | LinkageError e) {
            Hub.LOG.log(System.Logger.Level.DEBUG, "JFR events of the hubs are unavailable", e);
        }
    }

    static void emitStatistics() {
        for (Hub h : Hub.all()) {
            HubStatistics e = new HubStatistics();
            if (!e.shouldCommit()) {
                return;
            }
            Hub.Stats s = h.stats();
            e.hub = h.toString();
            e.live = s.live();
            e.spawned = s.spawned();
            e.finished = s.finished();
            e.runnable = s.runnable();
            e.timers = s.timers();
            e.loopIterations = s.loopIterations();
            e.slices = s.slices();
            e.selectorKeys = s.selectorKeys();
            e.crossThreadTasks = s.crossThreadTasks();
            e.selectorWakeups = s.selectorWakeups();
            e.longestSlice = s.longestSlice().toNanos();
            e.commit();
        }
    }

    static void hubBlocked(BlockingReport report) {
        if (!active) {
            return;
        }
        HubBlocked e = new HubBlocked();
        if (e.shouldCommit()) {
            e.hub = report.hub().toString();
            e.greenlet = report.greenletName();
            e.blockedFor = report.blockedFor().toNanos();
            e.stack = BlockingReport.formatStack(report.stack());
            e.commit();
        }
    }

    static void longRunSlice(Hub hub, long nanos, boolean exact) {
        if (!active) {
            return;
        }
        LongRunSlice e = new LongRunSlice();
        if (e.shouldCommit()) {
            e.hub = hub.toString();
            e.sliceDuration = nanos;
            e.exact = exact;
            e.commit();
        }
    }
}
