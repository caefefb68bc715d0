package io.gevent4j.internal;

import java.lang.reflect.Constructor;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;

/**
 * The one place that reaches into the JDK: a virtual-thread factory whose scheduler is a hub.
 *
 * <p>JDK 25 has no public API for a custom virtual-thread scheduler. The package-private
 * constructor {@code java.lang.ThreadBuilders$VirtualThreadBuilder(Executor)} is the only way
 * in, so the JVM must open {@code java.lang} to this library. The probe runs once, on first
 * use; when the package is not open it fails with an error that names the exact flag.
 */
public final class VirtualThreads {

    public static final String FLAG_CLASS_PATH = "--add-opens java.base/java.lang=ALL-UNNAMED";
    public static final String FLAG_MODULE_PATH = "--add-opens java.base/java.lang=io.gevent4j";

    private static final Constructor<?> BUILDER;
    private static final RuntimeException FAILURE;
    /** {@code VirtualThread.carrierThread}, or null if this JDK has no such field. */
    private static final java.lang.invoke.VarHandle CARRIER = carrierHandle();

    static {
        Constructor<?> ctor = null;
        RuntimeException failure = null;
        try {
            Class<?> builderClass = Class.forName("java.lang.ThreadBuilders$VirtualThreadBuilder");
            ctor = builderClass.getDeclaredConstructor(Executor.class);
            ctor.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            failure = new IllegalStateException(
                    "gevent4j schedules greenlets (virtual threads) on its own hubs and needs the JVM flag "
                            + FLAG_CLASS_PATH + " (on the module path: " + FLAG_MODULE_PATH
                            + "). Add it to the java command line, to Surefire's argLine, or use the"
                            + " ./gevent4j launcher, which passes it for you. Cause: " + e,
                    e);
            ctor = null;
        }
        BUILDER = ctor;
        FAILURE = failure;
    }

    private VirtualThreads() {}

    /** Fails with the flag-naming error if the JDK internals are not reachable. */
    public static void probe() {
        if (FAILURE != null) {
            throw FAILURE;
        }
    }

    /** A factory of unstarted virtual threads whose continuations run on {@code scheduler}. */
    public static ThreadFactory factory(Executor scheduler) {
        probe();
        try {
            Thread.Builder.OfVirtual builder = (Thread.Builder.OfVirtual) BUILDER.newInstance(scheduler);
            // Greenlets start with no inherited thread-locals: gevent's greenlets share nothing
            // implicitly, and copying a parent's map would cost memory on every spawn.
            return builder.inheritInheritableThreadLocals(false).factory();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create a virtual-thread builder for a hub", e);
        }
    }

    private static java.lang.invoke.VarHandle carrierHandle() {
        try {
            Class<?> vt = Class.forName("java.lang.VirtualThread");
            return java.lang.invoke.MethodHandles.privateLookupIn(vt, java.lang.invoke.MethodHandles.lookup())
                    .findVarHandle(vt, "carrierThread", Thread.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // the watchdog then reports the hub without naming the greenlet
        }
    }

    /**
     * The platform thread that {@code thread} is mounted on, if it is a virtual thread that is
     * mounted right now (a racy read, by design: used by the watchdog on a stuck hub only).
     */
    public static java.util.Optional<Thread> carrierOf(Thread thread) {
        if (CARRIER == null || thread == null || !thread.isVirtual()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.ofNullable((Thread) CARRIER.getVolatile(thread));
    }

    /**
     * Loads the JDK's socket poller from a platform thread. Its sub-pollers are virtual threads
     * started on first use: created inside a greenlet they would inherit (and stall) its hub.
     */
    static void initialiseJdkPollers() {
        try {
            Class.forName("sun.nio.ch.Poller", true, ClassLoader.getSystemClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            // Not fatal: a JDK without this class has no sub-poller threads to misplace.
        }
    }
}
