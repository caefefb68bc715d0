package io.gevent4j.internal.uring;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * One io_uring instance: set up with raw {@code io_uring_setup(2)}, its submission and completion
 * rings and its SQE array {@code mmap}ed, driven with acquire/release accesses to the shared
 * head and tail words. Confined to its poller's loop thread (one issuer), except {@link #close}
 * after the loop ended.
 */
final class Ring {
    // io_uring_params: 120 bytes; the two offset records at 40 and 80.
    private static final long PARAMS_SIZE = 120;
    private static final long P_SQ_ENTRIES = 0;
    private static final long P_CQ_ENTRIES = 4;
    private static final long P_FLAGS = 8;
    private static final long P_FEATURES = 20;
    private static final long P_SQ_OFF = 40;
    private static final long P_CQ_OFF = 80;
    private static final long OFF_HEAD = 0;
    private static final long OFF_TAIL = 4;
    private static final long OFF_MASK = 8;
    private static final long OFF_SQ_FLAGS = 16;
    private static final long OFF_SQ_ARRAY = 24;
    private static final long OFF_CQES = 20;

    private static final long IORING_OFF_SQ_RING = 0L;
    private static final long IORING_OFF_CQ_RING = 0x8000000L;
    private static final long IORING_OFF_SQES = 0x10000000L;

    static final int SETUP_COOP_TASKRUN = 1 << 8;
    static final int SETUP_TASKRUN_FLAG = 1 << 9;
    static final int FEAT_SINGLE_MMAP = 1;
    static final int FEAT_NODROP = 1 << 1;
    static final int FEAT_EXT_ARG = 1 << 8;
    static final int SQ_CQ_OVERFLOW = 1 << 1;
    static final int SQ_TASKRUN = 1 << 2;
    static final int ENTER_GETEVENTS = 1;
    static final int ENTER_EXT_ARG = 1 << 3;

    static final int SQE_SIZE = 64;
    static final int CQE_SIZE = 16;

    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    final int fd;
    final int features;
    private final Arena arena;
    private final MemorySegment errno;
    private final MemorySegment sqRing;
    private final MemorySegment cqRing; // the same mapping as sqRing with FEAT_SINGLE_MMAP
    private final MemorySegment sqes;
    private final long sqHead;
    private final long sqTail;
    private final long sqFlags;
    private final int sqMask;
    private final int sqEntries;
    private final long cqHead;
    private final long cqTail;
    private final long cqes;
    private final int cqMask;
    /** The next SQE to fill; published to the kernel by {@link #enter}. */
    private int sqLocalTail;
    private int unsubmitted;
    private boolean closed;
    /**
     * Tests: how many more {@link #enter} calls with submissions answer EBUSY without a system
     * call, as a 5.x kernel's does while completions wait in its overflow backlog.
     */
    int refuseForTest;

    /** Thrown when the kernel refuses a ring; {@code errno} says why (0: a missing feature). */
    static final class SetupFailed extends Exception {
        final int errno;

        SetupFailed(String message, int errno) {
            super(message);
            this.errno = errno;
        }
    }

    Ring(int entries) throws SetupFailed {
        arena = Arena.ofShared();
        boolean ok = false;
        try {
            errno = Syscalls.newErrnoBuffer(arena);
            MemorySegment params = arena.allocate(PARAMS_SIZE, 8);
            int flags = SETUP_COOP_TASKRUN | SETUP_TASKRUN_FLAG;
            params.set(ValueLayout.JAVA_INT, P_FLAGS, flags);
            long r = Syscalls.syscall(errno, Syscalls.SYS_IO_URING_SETUP, entries, params.address(), 0, 0, 0, 0);
            if (r < 0 && Syscalls.errno(errno) == Syscalls.EINVAL) {
                // A kernel before 5.19 has no cooperative task running: plain set-up.
                params.fill((byte) 0);
                r = Syscalls.syscall(errno, Syscalls.SYS_IO_URING_SETUP, entries, params.address(), 0, 0, 0, 0);
            }
            if (r < 0) {
                int e = Syscalls.errno(errno);
                throw new SetupFailed("io_uring_setup failed: " + describe(e), e);
            }
            fd = (int) r;
            features = params.get(ValueLayout.JAVA_INT, P_FEATURES);
            if ((features & FEAT_EXT_ARG) == 0 || (features & FEAT_NODROP) == 0) {
                Syscalls.close(errno, fd);
                throw new SetupFailed("the kernel's io_uring lacks EXT_ARG or NODROP (Linux 5.11 or later is needed)", 0);
            }
            sqEntries = params.get(ValueLayout.JAVA_INT, P_SQ_ENTRIES);
            int cqEntries = params.get(ValueLayout.JAVA_INT, P_CQ_ENTRIES);
            int sqArray = params.get(ValueLayout.JAVA_INT, P_SQ_OFF + OFF_SQ_ARRAY);
            int cqesOff = params.get(ValueLayout.JAVA_INT, P_CQ_OFF + OFF_CQES);
            long sqSize = sqArray + 4L * sqEntries;
            long cqSize = cqesOff + (long) CQE_SIZE * cqEntries;
            boolean single = (features & FEAT_SINGLE_MMAP) != 0;
            MemorySegment sq = Syscalls.mmap(errno, fd, single ? Math.max(sqSize, cqSize) : sqSize, IORING_OFF_SQ_RING);
            MemorySegment cq = sq == null ? null : single ? sq : Syscalls.mmap(errno, fd, cqSize, IORING_OFF_CQ_RING);
            MemorySegment se = cq == null ? null : Syscalls.mmap(errno, fd, (long) SQE_SIZE * sqEntries, IORING_OFF_SQES);
            if (se == null) {
                int e = Syscalls.errno(errno);
                if (cq != null && cq != sq) {
                    Syscalls.munmap(errno, cq);
                }
                if (sq != null) {
                    Syscalls.munmap(errno, sq);
                }
                Syscalls.close(errno, fd);
                throw new SetupFailed("mmap of the io_uring rings failed: " + describe(e), e);
            }
            sqRing = sq;
            cqRing = cq;
            sqes = se;
            sqHead = params.get(ValueLayout.JAVA_INT, P_SQ_OFF + OFF_HEAD);
            sqTail = params.get(ValueLayout.JAVA_INT, P_SQ_OFF + OFF_TAIL);
            sqFlags = params.get(ValueLayout.JAVA_INT, P_SQ_OFF + OFF_SQ_FLAGS);
            sqMask = sqRing.get(ValueLayout.JAVA_INT, params.get(ValueLayout.JAVA_INT, P_SQ_OFF + OFF_MASK));
            cqHead = params.get(ValueLayout.JAVA_INT, P_CQ_OFF + OFF_HEAD);
            cqTail = params.get(ValueLayout.JAVA_INT, P_CQ_OFF + OFF_TAIL);
            cqMask = cqRing.get(ValueLayout.JAVA_INT, params.get(ValueLayout.JAVA_INT, P_CQ_OFF + OFF_MASK));
            cqes = cqesOff;
            // The indirection array maps slot i to SQE i once and for all.
            for (int i = 0; i < sqEntries; i++) {
                sqRing.set(ValueLayout.JAVA_INT, sqArray + 4L * i, i);
            }
            sqLocalTail = (int) INT.getAcquire(sqRing, sqTail);
            ok = true;
        } finally {
            if (!ok) {
                arena.close();
            }
        }
    }

    static String describe(int errno) {
        return switch (errno) {
            case Syscalls.ENOSYS -> "ENOSYS (the kernel has no io_uring, or a seccomp filter blocks it)";
            case Syscalls.EPERM -> "EPERM (io_uring is disabled for this process: kernel.io_uring_disabled or a seccomp filter)";
            case Syscalls.EINVAL -> "EINVAL (the kernel refuses these set-up parameters)";
            case 12 -> "ENOMEM (locked memory or ring memory exhausted)";
            case 24 -> "EMFILE (no file descriptor left)";
            default -> "errno " + errno;
        };
    }

    /**
     * Fills the next SQE (all other fields zero); false if the submission ring is full (call
     * {@link #enter} first).
     */
    boolean prep(int opcode, int fd, long addr, int len, int opFlags, long userData) {
        int head = (int) INT.getAcquire(sqRing, sqHead);
        if (sqLocalTail - head >= sqEntries) {
            return false;
        }
        long at = (long) (sqLocalTail & sqMask) * SQE_SIZE;
        sqes.set(ValueLayout.JAVA_LONG, at, (opcode & 0xFF) | ((long) fd << 32)); // opcode, flags 0, ioprio 0, fd
        sqes.set(ValueLayout.JAVA_LONG, at + 8, 0L);
        sqes.set(ValueLayout.JAVA_LONG, at + 16, addr);
        sqes.set(ValueLayout.JAVA_LONG, at + 24, (len & 0xFFFFFFFFL) | ((long) opFlags << 32));
        sqes.set(ValueLayout.JAVA_LONG, at + 32, userData);
        sqes.set(ValueLayout.JAVA_LONG, at + 40, 0L);
        sqes.set(ValueLayout.JAVA_LONG, at + 48, 0L);
        sqes.set(ValueLayout.JAVA_LONG, at + 56, 0L);
        sqLocalTail++;
        unsubmitted++;
        return true;
    }

    int unsubmitted() {
        return unsubmitted;
    }

    /** Whether the kernel wants an enter to post completions (deferred task work, a CQ overflow). */
    boolean needsEnter() {
        return ((int) INT.getAcquire(sqRing, sqFlags) & (SQ_CQ_OVERFLOW | SQ_TASKRUN)) != 0;
    }

    /**
     * Publishes the filled SQEs and calls {@code io_uring_enter}: a negative errno on failure
     * (EINTR, ETIME after a time-out, EBUSY/EAGAIN when completions must be reaped first), else
     * how many SQEs the kernel took.
     */
    int enter(int minComplete, int flags, long arg, long argSize) {
        INT.setRelease(sqRing, sqTail, sqLocalTail);
        int n = unsubmitted;
        if (refuseForTest > 0 && n > 0) {
            refuseForTest--;
            return -Syscalls.EBUSY;
        }
        long r = Syscalls.syscall(errno, Syscalls.SYS_IO_URING_ENTER, fd, n, minComplete, flags, arg, argSize);
        if (r < 0) {
            int e = Syscalls.errno(errno);
            if (e != Syscalls.ETIME) {
                return -e;
            }
            // With a time-out, ETIME is reported even when the submissions were all taken.
            r = n;
        }
        unsubmitted -= (int) r;
        return (int) r;
    }

    /** Completions waiting in the ring. */
    int ready() {
        return (int) INT.getAcquire(cqRing, cqTail) - (int) cqRing.get(ValueLayout.JAVA_INT, cqHead);
    }

    /** Receives one completion; the return value of {@link #reap}'s callback. */
    interface Completions {
        void complete(long userData, int res);
    }

    /**
     * Hands every waiting completion to {@code c}, freeing each slot before its callback; how
     * many. Re-entrant: a callback that fills the submission ring reaps from inside (to free
     * completion slots), so the head is read again for each completion, never kept in a local.
     */
    int reap(Completions c) {
        int n = 0;
        for (;;) {
            int head = cqRing.get(ValueLayout.JAVA_INT, cqHead);
            if (head == (int) INT.getAcquire(cqRing, cqTail)) {
                return n;
            }
            long at = cqes + (long) (head & cqMask) * CQE_SIZE;
            long userData = cqRing.get(ValueLayout.JAVA_LONG, at);
            int res = cqRing.get(ValueLayout.JAVA_INT, at + 8);
            INT.setRelease(cqRing, cqHead, head + 1); // the slot is copied out: free it first
            n++;
            c.complete(userData, res);
        }
    }

    /** Unmaps the rings and closes the ring's descriptor (the kernel cancels what is in flight). */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        Syscalls.munmap(errno, sqes);
        if (cqRing != sqRing) {
            Syscalls.munmap(errno, cqRing);
        }
        Syscalls.munmap(errno, sqRing);
        Syscalls.close(errno, fd);
        arena.close();
    }

    MemorySegment errnoBuffer() {
        return errno;
    }
}
