package io.gevent4j.bench;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The C-free io_uring floor of the echo (issue #15): the loop of
 * {@link SocketEchoBenchmark}'s {@code nio-selector-floor} on one io_uring ring driven through
 * {@code java.lang.foreign} ({@code syscall(2)}, the rings {@code mmap}ed), with no greenlets:
 * every socket's {@code RECV} and every {@code SEND} is an SQE, all of a pass go in with the one
 * {@code io_uring_enter} that also waits. The same set-up flags as gevent4j's poller
 * ({@code COOP_TASKRUN | TASKRUN_FLAG} where the kernel has them). A server echoes what it
 * received, then receives again; a client counts 64-byte round trips. One thread; not
 * thread-safe. Needs {@code --add-opens java.base/sun.nio.ch} (descriptors) and native access.
 */
final class UringEchoFloor implements AutoCloseable {
    private static final int ENTRIES = 1024;
    private static final int OP_SEND = 26;
    private static final int OP_RECV = 27;
    private static final int SERVER_RECV = 0;
    private static final int SERVER_SEND = 1;
    private static final int CLIENT_RECV = 2;
    private static final int CLIENT_SEND = 3;
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final MethodHandle SYSCALL;
    private static final MethodHandle MMAP;
    private static final MethodHandle CLOSE;
    private static final MethodHandle FD_VAL;
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    static {
        Linker linker = Linker.nativeLinker();
        var libc = linker.defaultLookup();
        var errno = Linker.Option.captureCallState("errno");
        SYSCALL = linker.downcallHandle(libc.find("syscall").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG), errno,
                Linker.Option.firstVariadicArg(1));
        MMAP = linker.downcallHandle(libc.find("mmap").orElseThrow(), FunctionDescriptor.of(ValueLayout.ADDRESS,
                ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
        CLOSE = linker.downcallHandle(libc.find("close").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT));
        try {
            Class<?> selCh = Class.forName("sun.nio.ch.SelChImpl");
            FD_VAL = MethodHandles.privateLookupIn(selCh, MethodHandles.lookup())
                    .findVirtual(selCh, "getFDVal", MethodType.methodType(int.class))
                    .asType(MethodType.methodType(int.class, SelectableChannel.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int connections;
    private final int roundTrips;
    private final int size;
    private final Arena arena = Arena.ofShared(); // never closed: the kernel may write a cancelled receive late
    private final MemorySegment errno = arena.allocate(CAPTURE);
    private final ServerSocketChannel listener;
    private final SocketChannel[] clients;
    private final SocketChannel[] servers;
    private final int[] clientFd;
    private final int[] serverFd;
    private final MemorySegment[] serverBuf;
    private final MemorySegment[] clientIn;
    private final MemorySegment[] clientOut;
    private final int[] left;
    private final int[] got;
    private int done;

    // The ring.
    private final int ringFd;
    private final MemorySegment sq;
    private final MemorySegment cq;
    private final MemorySegment sqes;
    private final long sqHead;
    private final long sqTail;
    private final int sqMask;
    private final long cqHead;
    private final long cqTail;
    private final long cqes;
    private final int cqMask;
    private int localTail;
    private int toSubmit;

    UringEchoFloor(int connections, int roundTrips, int size) throws IOException {
        this.connections = connections;
        this.roundTrips = roundTrips;
        this.size = size;
        MemorySegment p = arena.allocate(120, 8);
        p.set(ValueLayout.JAVA_INT, 8, (1 << 8) | (1 << 9)); // COOP_TASKRUN | TASKRUN_FLAG
        long fd = syscall(425, ENTRIES, p.address(), 0, 0, 0, 0);
        if (fd < 0) {
            p.fill((byte) 0);
            fd = syscall(425, ENTRIES, p.address(), 0, 0, 0, 0);
        }
        if (fd < 0) {
            throw new IOException("io_uring_setup failed: errno " + (int) ERRNO.get(errno, 0L));
        }
        ringFd = (int) fd;
        int sqEntries = p.get(ValueLayout.JAVA_INT, 0);
        int cqEntries = p.get(ValueLayout.JAVA_INT, 4);
        int sqArray = p.get(ValueLayout.JAVA_INT, 40 + 24);
        int cqesOff = p.get(ValueLayout.JAVA_INT, 80 + 20);
        long ringSize = Math.max(sqArray + 4L * sqEntries, cqesOff + 16L * cqEntries);
        sq = mmap(ringSize, 0L); // FEAT_SINGLE_MMAP (Linux 5.4): one mapping for both rings
        cq = sq;
        sqes = mmap(64L * sqEntries, 0x10000000L);
        sqHead = p.get(ValueLayout.JAVA_INT, 40);
        sqTail = p.get(ValueLayout.JAVA_INT, 44);
        sqMask = sq.get(ValueLayout.JAVA_INT, p.get(ValueLayout.JAVA_INT, 48));
        cqHead = p.get(ValueLayout.JAVA_INT, 80);
        cqTail = p.get(ValueLayout.JAVA_INT, 84);
        cqMask = cq.get(ValueLayout.JAVA_INT, p.get(ValueLayout.JAVA_INT, 88));
        cqes = cqesOff;
        for (int i = 0; i < sqEntries; i++) {
            sq.set(ValueLayout.JAVA_INT, sqArray + 4L * i, i);
        }
        localTail = (int) INT.getAcquire(sq, sqTail);

        listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0), 1024);
        clients = new SocketChannel[connections];
        servers = new SocketChannel[connections];
        clientFd = new int[connections];
        serverFd = new int[connections];
        serverBuf = new MemorySegment[connections];
        clientIn = new MemorySegment[connections];
        clientOut = new MemorySegment[connections];
        left = new int[connections];
        got = new int[connections];
        for (int i = 0; i < connections; i++) {
            clients[i] = SocketChannel.open(listener.getLocalAddress());
            servers[i] = listener.accept();
            for (SocketChannel c : new SocketChannel[] {clients[i], servers[i]}) {
                c.setOption(StandardSocketOptions.TCP_NODELAY, true); // blocking: the kernel waits in the ring
            }
            clientFd[i] = fd(clients[i]);
            serverFd[i] = fd(servers[i]);
            serverBuf[i] = arena.allocate(size * 4L, 64);
            clientIn[i] = arena.allocate(size, 64);
            clientOut[i] = arena.allocate(size, 64);
            prep(OP_RECV, serverFd[i], serverBuf[i].address(), size * 4, ud(i, SERVER_RECV));
        }
    }

    private static long ud(int i, int kind) {
        return ((long) i << 2) | kind;
    }

    private static int fd(SocketChannel c) {
        try {
            return (int) FD_VAL.invokeExact((SelectableChannel) c);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private long syscall(long nr, long a, long b, long c, long d, long e, long f) {
        try {
            return (long) SYSCALL.invokeExact(errno, nr, a, b, c, d, e, f);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private MemorySegment mmap(long len, long offset) throws IOException {
        try {
            MemorySegment m = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, len, 3, 0x8001, ringFd, offset);
            if (m.address() == -1L) {
                throw new IOException("mmap of the ring failed");
            }
            return m.reinterpret(len);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private void prep(int op, int fd, long addr, int len, long userData) {
        if (localTail - (int) INT.getAcquire(sq, sqHead) >= ENTRIES) {
            throw new IllegalStateException("submission ring full");
        }
        long at = (long) (localTail & sqMask) * 64;
        sqes.set(ValueLayout.JAVA_LONG, at, (op & 0xFF) | ((long) fd << 32));
        sqes.set(ValueLayout.JAVA_LONG, at + 8, 0L);
        sqes.set(ValueLayout.JAVA_LONG, at + 16, addr);
        sqes.set(ValueLayout.JAVA_LONG, at + 24, len & 0xFFFFFFFFL);
        sqes.set(ValueLayout.JAVA_LONG, at + 32, userData);
        sqes.set(ValueLayout.JAVA_LONG, at + 40, 0L);
        sqes.set(ValueLayout.JAVA_LONG, at + 48, 0L);
        sqes.set(ValueLayout.JAVA_LONG, at + 56, 0L);
        localTail++;
        toSubmit++;
    }

    /** {@code roundTrips} round trips on every connection, all at once. */
    void roundTrips() throws IOException {
        done = 0;
        for (int i = 0; i < connections; i++) {
            left[i] = roundTrips;
            got[i] = 0;
            prep(OP_SEND, clientFd[i], clientOut[i].address(), size, ud(i, CLIENT_SEND));
            prep(OP_RECV, clientFd[i], clientIn[i].address(), size, ud(i, CLIENT_RECV));
        }
        while (done < connections) {
            INT.setRelease(sq, sqTail, localTail);
            long r = syscall(426, ringFd, toSubmit, 1, 1 /* GETEVENTS */, 0, 0);
            if (r < 0) {
                int e = (int) ERRNO.get(errno, 0L);
                if (e != 4 && e != 16 && e != 11) {
                    throw new IOException("io_uring_enter failed: errno " + e);
                }
            } else {
                toSubmit -= (int) r;
            }
            reap();
        }
    }

    private void reap() throws IOException {
        int head = cq.get(ValueLayout.JAVA_INT, cqHead);
        int tail = (int) INT.getAcquire(cq, cqTail);
        for (; head != tail; head++) {
            long at = cqes + (long) (head & cqMask) * 16;
            long userData = cq.get(ValueLayout.JAVA_LONG, at);
            int res = cq.get(ValueLayout.JAVA_INT, at + 8);
            INT.setRelease(cq, cqHead, head + 1);
            int i = (int) (userData >>> 2);
            switch ((int) (userData & 3)) {
                case SERVER_RECV -> {
                    if (res <= 0) {
                        throw new IOException("server receive: " + res);
                    }
                    prep(OP_SEND, serverFd[i], serverBuf[i].address(), res, ud(i, SERVER_SEND));
                }
                case SERVER_SEND -> prep(OP_RECV, serverFd[i], serverBuf[i].address(), size * 4, ud(i, SERVER_RECV));
                case CLIENT_SEND -> {
                    if (res != size) {
                        throw new IOException("client send: " + res + " (the floor assumes whole sends)");
                    }
                }
                default -> {
                    if (res <= 0) {
                        throw new IOException("client receive: " + res);
                    }
                    got[i] += res;
                    if (got[i] < size) {
                        prep(OP_RECV, clientFd[i], clientIn[i].address() + got[i], size - got[i], ud(i, CLIENT_RECV));
                    } else if (--left[i] == 0) {
                        done++;
                    } else {
                        got[i] = 0;
                        prep(OP_SEND, clientFd[i], clientOut[i].address(), size, ud(i, CLIENT_SEND));
                        prep(OP_RECV, clientFd[i], clientIn[i].address(), size, ud(i, CLIENT_RECV));
                    }
                }
            }
        }
    }

    @Override
    public void close() throws IOException {
        try {
            int ignored = (int) CLOSE.invokeExact(ringFd); // cancels the receives still armed
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        for (int i = 0; i < connections; i++) {
            clients[i].close();
            servers[i].close();
        }
        listener.close();
    }
}
