package io.gevent4j.internal.uring;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few C library entry points the io_uring poller needs, through {@code java.lang.foreign}
 * (no JNI): {@code syscall(2)} for io_uring_setup/enter (no liburing), {@code mmap}/{@code munmap}
 * for the rings, {@code eventfd}/{@code write}/{@code close} for cross-thread wake-ups. Each call
 * returns the raw result and, when it is -1, the {@code errno} of that call ({@link #errno}).
 *
 * <p>Loading this class makes the restricted {@code Linker} calls: without
 * {@code --enable-native-access} the JDK warns once; with {@code --illegal-native-access=deny}
 * it throws, and {@link Pollers} falls back to NIO.
 */
final class Syscalls {
    static final long SYS_IO_URING_SETUP = 425; // the same number on x86_64 and aarch64
    static final long SYS_IO_URING_ENTER = 426;

    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int EBUSY = 16;
    static final int EINVAL = 22;
    static final int ENOSYS = 38;
    static final int ETIME = 62;
    static final int EPERM = 1;
    static final int ECANCELED = 125;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SYSCALL6;
    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final MethodHandle EVENTFD;
    private static final MethodHandle WRITE;
    private static final MethodHandle CLOSE;
    private static final MethodHandle SHUTDOWN;
    private static final MethodHandle STRERROR;

    static {
        SymbolLookup libc = LINKER.defaultLookup();
        Linker.Option errno = Linker.Option.captureCallState("errno");
        FunctionDescriptor sys6 = FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG);
        MemorySegment syscall = find(libc, "syscall");
        SYSCALL6 = LINKER.downcallHandle(syscall, sys6, errno, Linker.Option.firstVariadicArg(1));
        MMAP = LINKER.downcallHandle(find(libc, "mmap"), FunctionDescriptor.of(ValueLayout.ADDRESS,
                ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG), errno);
        MUNMAP = LINKER.downcallHandle(find(libc, "munmap"), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.JAVA_LONG), errno);
        EVENTFD = LINKER.downcallHandle(find(libc, "eventfd"), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), errno);
        WRITE = LINKER.downcallHandle(find(libc, "write"), FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG), errno);
        CLOSE = LINKER.downcallHandle(find(libc, "close"), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT), errno);
        SHUTDOWN = LINKER.downcallHandle(find(libc, "shutdown"), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), errno);
        STRERROR = LINKER.downcallHandle(find(libc, "strerror"), FunctionDescriptor.of(ValueLayout.ADDRESS,
                ValueLayout.JAVA_INT));
    }

    private Syscalls() {}

    private static MemorySegment find(SymbolLookup libc, String name) {
        return libc.find(name).orElseThrow(() -> new UnsupportedOperationException("the C library has no " + name));
    }

    /** A per-caller buffer for {@code errno}: one per thread that makes calls. */
    static MemorySegment newErrnoBuffer(Arena arena) {
        return arena.allocate(CAPTURE);
    }

    /** The {@code errno} the last call that used {@code state} captured. */
    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    static long syscall(MemorySegment state, long nr, long a, long b, long c, long d, long e, long f) {
        try {
            return (long) SYSCALL6.invokeExact(state, nr, a, b, c, d, e, f);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_SHARED = 1;
    static final int MAP_POPULATE = 0x8000;

    /** Maps {@code size} bytes of {@code fd} at {@code offset}; the segment has that size; null on failure. */
    static MemorySegment mmap(MemorySegment state, int fd, long size, long offset) {
        try {
            MemorySegment p = (MemorySegment) MMAP.invokeExact(state, MemorySegment.NULL, size,
                    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, offset);
            if (p.address() == -1L) {
                return null;
            }
            return p.reinterpret(size);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void munmap(MemorySegment state, MemorySegment mapped) {
        try {
            int ignored = (int) MUNMAP.invokeExact(state, mapped, mapped.byteSize());
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static final int EFD_CLOEXEC = 0x80000;

    /**
     * A blocking eventfd: the ring's READ of it then waits by polling on every kernel (a
     * non-blocking one may complete at once with EAGAIN where the file supports no-wait reads).
     * Writes of 1 never block (the counter would have to reach 2^64 - 2).
     */
    static int eventfd(MemorySegment state) {
        try {
            return (int) EVENTFD.invokeExact(state, 0, EFD_CLOEXEC);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long write(MemorySegment state, int fd, MemorySegment buf, long len) {
        try {
            return (long) WRITE.invokeExact(state, fd, buf, len);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int close(MemorySegment state, int fd) {
        try {
            return (int) CLOSE.invokeExact(state, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static final int SHUT_RD = 0;

    /** {@code shutdown(2)}: 0, or -1 with the errno in {@code state}. */
    static int shutdown(MemorySegment state, int fd, int how) {
        try {
            return (int) SHUTDOWN.invokeExact(state, fd, how);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * The C library's text for {@code errno} ("Broken pipe"), as the JDK's socket channels put it
     * in their {@code IOException}s. Loop thread ({@code strerror} may share its buffer).
     */
    static String strerror(int errno) {
        try {
            MemorySegment p = (MemorySegment) STRERROR.invokeExact(errno);
            return p.address() == 0 ? "errno " + errno : p.reinterpret(1024).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("native call failed", t);
    }
}
