package io.gevent4j.internal.uring;

import io.gevent4j.internal.IoHandler;
import io.gevent4j.internal.SelectorIo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Chooses a hub's poller: the system property {@value #PROPERTY} is {@code nio} (the default:
 * the JDK's {@code Selector}) or {@code uring} (the io_uring poller, {@link UringIo}). When
 * io_uring was asked for but cannot be had (not Linux, {@code kernel.io_uring_disabled}, a seccomp
 * filter, an old kernel, a JVM without {@code --add-opens java.base/sun.nio.ch} or denied native
 * access), the hub gets the NIO poller and the library logs one line (WARNING, logger
 * {@code io.gevent4j}) that says why, once per JVM. Any thread.
 */
public final class Pollers {
    /** The system property that chooses the poller: {@code nio} (default) or {@code uring}. */
    public static final String PROPERTY = "gevent4j.io";

    private static final System.Logger LOG = System.getLogger("io.gevent4j");
    private static final AtomicBoolean FALLBACK_LOGGED = new AtomicBoolean();
    private static volatile String unavailable; // cached: why io_uring cannot be used ("" when it can)

    private Pollers() {}

    /** The poller for the hub {@code hubName}, as {@value #PROPERTY} asks. */
    public static IoHandler open(String hubName) {
        String choice = System.getProperty(PROPERTY, "nio").trim().toLowerCase(Locale.ROOT);
        switch (choice) {
            case "nio", "" -> {
                return new SelectorIo(hubName);
            }
            case "uring", "io_uring" -> {
                String why = unavailableReason();
                if (why.isEmpty()) {
                    try {
                        return new UringIo(hubName);
                    } catch (Ring.SetupFailed | IOException | RuntimeException e) {
                        why = "cannot set up a ring for hub " + hubName + ": " + e.getMessage();
                    }
                }
                if (FALLBACK_LOGGED.compareAndSet(false, true)) {
                    LOG.log(System.Logger.Level.WARNING, "-D" + PROPERTY + "=uring: io_uring is unavailable ("
                            + why + "); the hubs use the NIO selector");
                }
                return new SelectorIo(hubName);
            }
            default -> throw new IllegalArgumentException("-D" + PROPERTY + "=" + System.getProperty(PROPERTY)
                    + ": unknown poller; expected nio (the default) or uring");
        }
    }

    /** Why this JVM cannot use io_uring, or "" if it can (probed once: a test ring is set up). */
    static String unavailableReason() {
        String u = unavailable;
        if (u == null) {
            u = probe();
            unavailable = u;
        }
        return u;
    }

    private static String probe() {
        String os = System.getProperty("os.name", "");
        if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
            return "io_uring is Linux only, this is " + os;
        }
        try {
            String disabled = Files.readString(Path.of("/proc/sys/kernel/io_uring_disabled")).trim();
            if (disabled.equals("2")) {
                return "the kernel setting kernel.io_uring_disabled is 2";
            }
        } catch (IOException | RuntimeException absent) {
            // older kernels have no such setting: the set-up below tells
        }
        String fds = ChannelFds.problem();
        if (fds != null) {
            return fds;
        }
        try {
            Ring test = new Ring(2);
            test.close();
            warmUp();
            return "";
        } catch (Ring.SetupFailed e) {
            return e.getMessage();
        } catch (IllegalCallerException | UnsupportedOperationException | LinkageError e) {
            Throwable why = e instanceof ExceptionInInitializerError && e.getCause() != null ? e.getCause() : e;
            return "native access refused (" + why + "); run with --enable-native-access=ALL-UNNAMED"
                    + " (class path) or =io.gevent4j (module path)";
        }
    }

    /**
     * Runs the poller's paths once on a throw-away pipe (descriptor look-up, arming, a completion,
     * a close), so that the first socket wait of a hub does not pay for linking and method-handle
     * set-up: tens of milliseconds on a loaded machine, enough to miss a short time-out.
     */
    private static void warmUp() {
        try {
            UringIo io = new UringIo("warm-up");
            java.nio.channels.Pipe pipe = java.nio.channels.Pipe.open();
            try {
                pipe.source().configureBlocking(false);
                boolean[] fired = new boolean[1];
                io.register(pipe.source(), java.nio.channels.SelectionKey.OP_READ, () -> fired[0] = true);
                io.pollNow(Runnable::run);
                pipe.sink().write(java.nio.ByteBuffer.wrap(new byte[] {1}));
                for (int i = 0; i < 3 && !fired[0]; i++) {
                    io.poll(Runnable::run, 10);
                }
            } finally {
                pipe.source().close();
                pipe.sink().close();
                io.poll(Runnable::run, 1); // the sweep: the closed channel's poll removed
                io.close();
            }
        } catch (IOException | Ring.SetupFailed | RuntimeException e) {
            // the warm-up is an optimisation: a real failure shows when a hub opens its ring
        }
    }

    /** The name of {@code io}'s kind: {@code uring} or {@code nio}. */
    public static String kind(IoHandler io) {
        return io instanceof UringIo ? "uring" : "nio";
    }
}
