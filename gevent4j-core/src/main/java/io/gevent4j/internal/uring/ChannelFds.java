package io.gevent4j.internal.uring;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.channels.SelectableChannel;

/**
 * The file descriptor of a JDK channel, through the JDK's own {@code sun.nio.ch.SelChImpl.getFDVal()}
 * (every socket, datagram and pipe channel of the JDK implements that package-private interface).
 * So the JVM needs {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED} (class path) or
 * {@code =io.gevent4j} (module path). Without it {@link #problem()} says so and the io_uring
 * poller is not used.
 */
final class ChannelFds {
    static final String FLAG = "--add-opens java.base/sun.nio.ch=" + moduleName();
    private static final MethodHandle FD_VAL;
    private static final String PROBLEM;

    static {
        MethodHandle h = null;
        String problem = null;
        Module base = Object.class.getModule();
        if (!base.isOpen("sun.nio.ch", ChannelFds.class.getModule())) {
            problem = "the JVM lacks " + FLAG + " (needed to read a channel's file descriptor)";
        } else {
            try {
                Class<?> selCh = Class.forName("sun.nio.ch.SelChImpl");
                h = MethodHandles.privateLookupIn(selCh, MethodHandles.lookup())
                        .findVirtual(selCh, "getFDVal", MethodType.methodType(int.class))
                        .asType(MethodType.methodType(int.class, SelectableChannel.class));
            } catch (ReflectiveOperationException | RuntimeException e) {
                problem = "this JDK has no sun.nio.ch.SelChImpl.getFDVal() (" + e + ")";
            }
        }
        FD_VAL = h;
        PROBLEM = problem;
    }

    private ChannelFds() {}

    private static String moduleName() {
        Module m = ChannelFds.class.getModule();
        return m.isNamed() ? m.getName() : "ALL-UNNAMED";
    }

    /** Why descriptors cannot be read, or null if they can. */
    static String problem() {
        return PROBLEM;
    }

    /** The descriptor of {@code channel}, a JDK channel implementation. */
    static int fd(SelectableChannel channel) {
        if (FD_VAL == null) {
            throw new IllegalStateException("io_uring poller: " + PROBLEM);
        }
        try {
            return (int) FD_VAL.invokeExact(channel);
        } catch (ClassCastException notJdk) {
            throw new IllegalArgumentException("the io_uring poller watches the JDK's own channels only, not "
                    + channel.getClass().getName(), notJdk);
        } catch (Throwable t) {
            throw new IllegalStateException("cannot read the descriptor of " + channel, t);
        }
    }
}
