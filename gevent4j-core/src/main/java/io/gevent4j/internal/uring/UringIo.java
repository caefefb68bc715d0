package io.gevent4j.internal.uring;

import io.gevent4j.internal.IoHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * The io_uring poller of a loop, in the readiness model: each registered channel's interest is
 * armed in the ring as one-shot {@code POLL_ADD}s (one per direction) and re-armed after each
 * completion while the interest lasts, so every socket, TLS and DNS path above it is the NIO
 * one unchanged. All the pass's new polls go to the kernel in the same {@code io_uring_enter}
 * that waits; a pass with nothing to submit and no deferred kernel work makes no system call.
 *
 * <p>Cross-thread wake-up: an {@code eventfd} whose 8-byte {@code READ} is always armed in the
 * ring; {@link #wakeup()} writes to it from any thread.
 *
 * <p>Registrations are held by a private NIO {@link Selector} that is never selected for
 * readiness (interest 0 there: no {@code epoll_ctl}). It keeps the JDK's deferred close: a
 * channel closed by another thread keeps its descriptor until this poller lets the holder
 * deregister it, so a descriptor number armed in the ring is never reused under it. A closed
 * channel's armed polls are removed ({@code POLL_REMOVE}: the kernel's reference to the socket
 * goes, so the peer sees the close) in the loop's next pass when the library closed it (its
 * close cancels the key through this poller), else when the poller next sweeps: at every blocking
 * poll and every {@value #SWEEP_EVERY} non-blocking ones.
 *
 * <p>Who calls it: as {@link IoHandler} says; the ring has one issuer, the loop's thread.
 */
public final class UringIo implements IoHandler {
    static final int OP_POLL_ADD = 6;
    static final int OP_POLL_REMOVE = 7;
    static final int OP_READ = 22;
    static final int OP_ASYNC_CANCEL = 14;
    static final int OP_SEND = 26;
    static final int MSG_NOSIGNAL = 0x4000;
    static final int MSG_DONTWAIT = 0x40;
    static final int POLLIN = 0x1;
    static final int POLLOUT = 0x4;

    private static final int READS = SelectionKey.OP_READ | SelectionKey.OP_ACCEPT;
    private static final int WRITES = SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT;
    private static final long WAKE = -1L;
    private static final long IGNORED = -2L;
    /** User data of a channel's send: this bit and its key's slot. */
    private static final long SEND = 1L << 40;
    /** User data of the cancel of a channel's send: this bit and its key's slot. */
    private static final long CANCEL = 1L << 41;
    /** Pooled send buffers kept at most (more are left to the garbage collector). */
    static final int POOLED_BUFFERS = 256;
    /** Send buffers the kernel might still read when their poller closed: never freed. */
    private static final java.util.List<MemorySegment> LINGERING =
            java.util.Collections.synchronizedList(new ArrayList<>());
    static final int SWEEP_EVERY = 64;
    static final int ENTRIES = 1024;

    private final String owner;
    private final Ring ring;
    private final Selector holder;
    private final Arena arena = Arena.ofShared();
    private final int wakeFd;
    /**
     * Where every poller's eventfd read lands (the value is never looked at). It is never freed:
     * a read the kernel handed to a worker thread may complete after the poller closed its ring
     * and arena (ring teardown is asynchronous), and it must not write into freed memory.
     */
    private static final MemorySegment WAKE_READ = Arena.global().allocate(8, 8);
    private final MemorySegment wakeOne;
    private final MemorySegment wakeErrno;
    private final MemorySegment waitArg;
    private final MemorySegment waitTs;
    private volatile boolean open = true;

    // Loop-confined.
    private boolean wakeArmed;
    /**
     * Set while the loop is in {@link #poll} (from before it takes the cross-thread queue): only
     * then does a cancel need to wake it. A greenlet's close never finds it set (the loop does not
     * run greenlets while it polls), so closes on the loop cost no {@code eventfd} write.
     */
    private volatile boolean polling;
    /** Keys were removed whose holder registrations (and so descriptors) must go. */
    private boolean releaseClosed;
    /**
     * Polls of removed keys still armed in the kernel (their POLL_REMOVE sent, their completion
     * not yet reaped). Each holds the socket: closing the descriptor under it would leave a
     * listening socket accepting until the poll completes, so the holder waits for them.
     */
    private int closingPolls;
    /**
     * The wake-up's read completed during this poll before its wait: a completion reaped while
     * the submission ring was full and the kernel refused it (5.x kernels with a completion
     * backlog). The poll must not wait then, nor while keys it found ready wait for dispatch.
     */
    private boolean woken;
    private UringKey[] slots = new UringKey[64];
    private int[] freeSlots = new int[64];
    private int freeCount;
    private int slotsUsed;
    private final ArrayDeque<UringKey> toArm = new ArrayDeque<>();
    private final ArrayList<UringKey> readyList = new ArrayList<>();
    private final Ring.Completions onCompletion = this::complete;
    private int passesSinceSweep;
    private final ArrayDeque<MemorySegment> freeBuffers = new ArrayDeque<>();
    private final ArrayDeque<UringSends> toSubmit = new ArrayDeque<>();
    /** Sends in the ring (submitted or about to be); read by tests. */
    int sendsInFlight;
    /** Sends the kernel took in part (the rest was sent next); read by tests. */
    long shortSends;
    /** Sends that found no room and waited on a poll for it; read by tests. */
    long roomPolls;
    /**
     * The {@code msg_flags} of every send. Tests add {@code MSG_DONTWAIT}: the kernel then
     * answers a send that finds no room with EAGAIN, as kernels that honour the channel's
     * {@code O_NONBLOCK} in io_uring do (Linux 6.x waits in the ring instead).
     */
    volatile int sendFlags = MSG_NOSIGNAL;

    // Any thread -> loop.
    private final ConcurrentLinkedQueue<UringKey> fromOtherThreads = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();

    /** A ring for the hub {@code owner}; fails if the kernel or the JVM refuses one. */
    UringIo(String owner) throws Ring.SetupFailed, IOException {
        this.owner = owner;
        this.ring = new Ring(ENTRIES);
        Selector h = null;
        int efd = -1;
        try {
            h = Selector.open();
            efd = Syscalls.eventfd(ring.errnoBuffer()); // blocking: the ring waits on it by polling
            if (efd < 0) {
                throw new IOException("eventfd failed: errno " + Syscalls.errno(ring.errnoBuffer()));
            }
        } catch (IOException | RuntimeException e) {
            if (h != null) {
                h.close();
            }
            arena.close();
            ring.close();
            throw e;
        }
        this.holder = h;
        this.wakeFd = efd;
        this.wakeOne = arena.allocate(8, 8);
        wakeOne.set(ValueLayout.JAVA_LONG, 0, 1L);
        this.wakeErrno = Syscalls.newErrnoBuffer(arena);
        this.waitTs = arena.allocate(16, 8);
        this.waitArg = arena.allocate(24, 8);
    }

    Selector holder() {
        return holder;
    }

    /** Tests: the next {@code n} submissions are refused with EBUSY (see {@link Ring#refuseForTest}). */
    void refuseSubmissionsForTest(int n) {
        ring.refuseForTest = n;
    }

    @Override
    public boolean hasRegistrations() {
        return !holder.keys().isEmpty();
    }

    @Override
    public int registrations() {
        try {
            return holder.keys().size();
        } catch (ClosedSelectorException closed) {
            return 0;
        }
    }

    @Override
    public SelectionKey register(SelectableChannel channel, int ops, Runnable handler) throws ClosedChannelException {
        synchronized (channel.blockingLock()) {
            SelectionKey existing = channel.keyFor(holder);
            if (existing != null && existing.attachment() instanceof UringKey k) {
                if (!k.isValid()) {
                    throw new java.nio.channels.CancelledKeyException();
                }
                k.attach(handler);
                k.interestOps(ops);
                return k;
            }
            int fd = ChannelFds.fd(channel);
            UringKey k = new UringKey(this, channel, fd);
            k.attach(handler);
            k.initialInterest(ops);
            k.holderKey = channel.register(holder, 0, k);
            if (ops != 0) {
                fromOtherThreads.add(k); // armed by the loop at its next poll
                wakeup();
            }
            return k;
        }
    }

    @Override
    public SelectionKey keyFor(SelectableChannel channel) {
        SelectionKey h = channel.keyFor(holder);
        return h != null && h.attachment() instanceof UringKey k ? k : null;
    }

    /**
     * Shuts a listening socket's reading down (Linux: it stops listening at once) before the JDK
     * closes it: a POLL_ADD the kernel has not yet freed would otherwise keep it accepting
     * connections for a moment after the close, the loop's removal of the poll racing the
     * closing thread.
     */
    @Override
    public void closing(SelectionKey key) {
        if (key instanceof UringKey k && k.io == this && k.channel instanceof java.nio.channels.ServerSocketChannel
                && k.channel.isOpen()) {
            try (Arena a = Arena.ofConfined()) {
                Syscalls.shutdown(Syscalls.newErrnoBuffer(a), k.fd, Syscalls.SHUT_RD); // a failure: the close follows anyway
            }
        }
    }

    /** The completion-mode sends of {@code key}'s channel (made on first use). Loop thread. */
    @Override
    public IoHandler.SendQueue sendQueue(SelectionKey key) {
        if (key instanceof UringKey k && k.io == this && k.channel instanceof java.nio.channels.SocketChannel) {
            UringSends q = k.sends;
            if (q == null) {
                k.sends = q = new UringSends(this, k);
            }
            return q;
        }
        return null;
    }

    private static boolean sendsFull(UringKey k) {
        return k.sends != null && k.sends.full();
    }

    /** Prepares a {@code SEND} of {@code len} bytes at {@code addr} on {@code k}'s socket for its queue (loop). */
    void submitSend(UringKey k, long addr, int len) {
        if (k.slot < 0) {
            k.slot = takeSlot(k);
        }
        sendsInFlight++;
        submit(OP_SEND, k.fd, addr, len, sendFlags, SEND | k.slot);
    }

    /** Prepares a poll for room in {@code k}'s socket, completed as its send is (loop). */
    void submitSendPoll(UringKey k) {
        sendsInFlight++;
        roomPolls++;
        submit(OP_POLL_ADD, k.fd, 0L, 0, POLLOUT, SEND | k.slot);
    }

    /** Prepares the cancel of {@code k}'s send in flight (loop). */
    void submitCancel(UringKey k) {
        submit(OP_ASYNC_CANCEL, -1, SEND | k.slot, 0, 0, CANCEL | k.slot);
    }

    /** {@code q} has more to send: prepared after the completions being reaped (loop). */
    void submitLater(UringSends q) {
        toSubmit.add(q);
    }

    /** Room freed in {@code k}'s full queue (or its send failed): a writer waiting for it is told (loop). */
    void reportWritable(UringKey k) {
        if (k.removed || !k.isValid()) {
            return;
        }
        int found = k.interest() & SelectionKey.OP_WRITE;
        if (found != 0) {
            markReady(k, found);
        } else {
            interestChanged(k);
        }
    }

    /** {@code k}'s queue is idle again (loop): a write interest may need its poll again. */
    void sendsSettled(UringKey k) {
        if (!k.removed && k.isValid() && (k.interest() & WRITES) != 0 && !k.writeArmed) {
            interestChanged(k);
        }
    }

    /** A send buffer of {@link UringSends#CAPACITY} bytes, from the pool (loop). */
    MemorySegment takeBuffer() {
        MemorySegment b = freeBuffers.poll();
        return b != null ? b : Arena.ofAuto().allocate(UringSends.CAPACITY, 4096);
    }

    /** A buffer no send uses any more (loop). */
    void giveBuffer(MemorySegment b) {
        if (freeBuffers.size() < POOLED_BUFFERS) {
            freeBuffers.push(b);
        }
    }

    /** Runs {@code task} on the loop at its next poll (any thread). */
    void onLoop(Runnable task) {
        tasks.add(task);
        wakeup();
    }

    /** The key's interest changed (on the loop's thread). */
    void interestChanged(UringKey k) {
        int ops = k.interest();
        boolean needRead = (ops & READS) != 0 && !k.readArmed;
        boolean needWrite = (ops & WRITES) != 0 && !k.writeArmed && !sendsFull(k);
        if (needRead || needWrite) {
            queueArm(k);
        }
    }

    /** Adds {@code found} to {@code k}'s ready operations, listing it for this pass's dispatch once. */
    private void markReady(UringKey k, int found) {
        if (!k.inReadyList) {
            k.inReadyList = true;
            k.ready = 0;
            readyList.add(k);
        }
        k.ready |= found;
    }

    /** Queues {@code k} to have its polls armed at the next poll, once. */
    private void queueArm(UringKey k) {
        if (!k.queued) {
            k.queued = true;
            toArm.add(k);
        }
    }

    /**
     * The key was cancelled (any thread; the library's socket close does it): its polls are
     * removed and its holder registration released (the JDK then closes the descriptor) by the
     * loop's next pass, blocking or not.
     */
    void cancelled(UringKey k) {
        fromOtherThreads.add(k);
        if (polling) { // Dekker with poll: it sets the flag, then takes the queue
            wakeup();
        }
    }

    @Override
    public void pollNow(Consumer<Runnable> ready) throws IOException {
        checkOpen();
        if (++passesSinceSweep >= SWEEP_EVERY) {
            sweep();
        }
        prepare();
        if (ring.unsubmitted() > 0 || ring.needsEnter() || closingPolls > 0) {
            enter(0, 0, 0L); // with polls closing: runs the kernel's deferred completions of their cancels
        }
        if (releaseClosed) {
            ring.reap(onCompletion); // the closing polls' completions, before the release looks at them
            releaseCancelled();
        }
        dispatch(ready);
    }

    @Override
    public void poll(Consumer<Runnable> ready, long timeoutMillis) throws IOException {
        checkOpen();
        polling = true;
        woken = false;
        try {
            sweep();
            prepare();
            if (releaseClosed) {
                releaseCancelled();
            }
            // A release waiting only for closing polls may wait: their completions end the wait.
            if (ring.ready() > 0 || woken || (releaseClosed && closingPolls == 0) || !readyList.isEmpty()
                    || !toSubmit.isEmpty()) {
                if (ring.unsubmitted() > 0 || ring.needsEnter()) {
                    enter(0, 0, 0L);
                }
            } else {
                long nanos = timeoutMillis < Long.MAX_VALUE / 1_000_000L ? timeoutMillis * 1_000_000L : 0L; // 0: no limit
                enter(1, Ring.ENTER_EXT_ARG, waitArg(nanos));
            }
        } finally {
            polling = false;
        }
        dispatch(ready);
        if (releaseClosed) {
            releaseCancelled(); // the closing polls' completions may have been among those just reaped
        }
    }

    /**
     * The {@code io_uring_getevents_arg} of a wait of at most {@code timeoutNanos} (0: no limit),
     * with no signal mask; its address.
     */
    private long waitArg(long timeoutNanos) {
        long ts = 0L;
        if (timeoutNanos > 0) {
            waitTs.set(ValueLayout.JAVA_LONG, 0, timeoutNanos / 1_000_000_000L);
            waitTs.set(ValueLayout.JAVA_LONG, 8, timeoutNanos % 1_000_000_000L);
            ts = waitTs.address();
        }
        waitArg.set(ValueLayout.JAVA_LONG, 0, 0L); // no signal mask
        waitArg.set(ValueLayout.JAVA_INT, 8, 8); // _NSIG / 8
        waitArg.set(ValueLayout.JAVA_INT, 12, 0);
        waitArg.set(ValueLayout.JAVA_LONG, 16, ts);
        return waitArg.address();
    }

    private void checkOpen() {
        if (!open || !holder.isOpen()) {
            throw new ClosedSelectorException();
        }
    }

    /** Submits (and waits for {@code minComplete} completions); a refused submission is an error. */
    private void enter(int minComplete, int extraFlags, long arg) throws IOException {
        int r = ring.enter(minComplete, Ring.ENTER_GETEVENTS | extraFlags, arg, arg == 0L ? 0L : 24L);
        if (r >= 0 || r == -Syscalls.EINTR) {
            return;
        }
        if (r == -Syscalls.EBUSY || r == -Syscalls.EAGAIN) {
            return; // completions must be reaped first: dispatch does, the next pass submits again
        }
        throw new IOException("io_uring_enter failed for hub " + owner + ": " + Ring.describe(-r));
    }

    /**
     * Lets the holder deregister the keys cancelled since the last pass: the JDK then closes
     * their channels' descriptors. Called once their polls' removals and any sends naming them
     * have reached the kernel.
     */
    private void releaseCancelled() {
        // The holder deregisters every cancelled key at once, also keys the JDK cancelled when
        // their channel closed and that this poller has not heard of yet. A poll still armed for
        // one of them holds its socket in the kernel after the JDK closes the descriptor: a
        // listening socket would go on completing connections. So the armed keys (the slot
        // table, not every registration) are checked first and their polls removed.
        for (int i = 0; i < slotsUsed; i++) {
            UringKey k = slots[i];
            if (k != null && !k.removed && !k.isValid()) {
                remove(k);
            }
        }
        if (closingPolls > 0) {
            return; // again once their completions are reaped (a pass or two): they hold the sockets
        }
        if (ring.unsubmitted() > 0) {
            // Sends prepared for a closed channel name its descriptor: they reach the kernel
            // before the holder lets the JDK close (and the system reuse) that number.
            ring.enter(0, 0, 0L, 0L);
            if (ring.unsubmitted() > 0) {
                // Refused for now (a 5.x kernel with a completion backlog answers EBUSY): the
                // descriptors stay open until a later pass has handed those submissions over.
                releaseClosed = true;
                return;
            }
        }
        releaseClosed = false;
        try {
            holder.selectNow();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Moves what other threads asked into the ring and arms the polls the interest sets need. */
    private void prepare() {
        Runnable t;
        while ((t = tasks.poll()) != null) {
            t.run();
        }
        UringKey k;
        while ((k = fromOtherThreads.poll()) != null) {
            if (!k.isValid()) {
                remove(k);
                releaseClosed = true;
            } else {
                interestChanged(k);
            }
        }
        while ((k = toArm.poll()) != null) {
            k.queued = false;
            if (!k.isValid()) {
                remove(k);
                continue;
            }
            int ops = k.interest();
            if ((ops & READS) != 0 && !k.readArmed) {
                arm(k, 0, POLLIN);
            }
            if ((ops & WRITES) != 0 && !k.writeArmed && !sendsFull(k)) {
                arm(k, 1, POLLOUT);
            }
        }
        if (!wakeArmed) {
            submit(OP_READ, wakeFd, WAKE_READ.address(), 8, 0, WAKE);
            wakeArmed = true;
        }
    }

    private void arm(UringKey k, int direction, int events) {
        if (k.slot < 0) {
            k.slot = takeSlot(k);
        }
        submit(OP_POLL_ADD, k.fd, 0L, 0, events, ((long) k.slot << 1) | direction);
        if (direction == 0) {
            k.readArmed = true;
        } else {
            k.writeArmed = true;
        }
    }

    private void submit(int op, int fd, long addr, int len, int opFlags, long userData) {
        while (!ring.prep(op, fd, addr, len, opFlags, userData)) {
            // The submission ring is full: hand it to the kernel without waiting.
            int r = ring.enter(0, 0, 0L, 0L);
            if (r < 0 && r != -Syscalls.EINTR && r != -Syscalls.EBUSY && r != -Syscalls.EAGAIN) {
                throw new UncheckedIOException(new IOException(
                        "io_uring_enter failed for hub " + owner + ": " + Ring.describe(-r)));
            }
            if (r <= 0) {
                ring.reap(onCompletion); // free completion slots, then try again
            }
        }
    }

    private int takeSlot(UringKey k) {
        int s;
        if (freeCount > 0) {
            s = freeSlots[--freeCount];
        } else {
            if (slotsUsed == slots.length) {
                slots = Arrays.copyOf(slots, slots.length * 2);
            }
            s = slotsUsed++;
        }
        slots[s] = k;
        return s;
    }

    private void releaseSlot(UringKey k) {
        if (k.slot >= 0 && !k.readArmed && !k.writeArmed
                && (k.sends == null || !k.sends.sendInFlight && !k.sends.cancelInFlight)) {
            slots[k.slot] = null;
            if (freeCount == freeSlots.length) {
                freeSlots = Arrays.copyOf(freeSlots, freeSlots.length * 2);
            }
            freeSlots[freeCount++] = k.slot;
            k.slot = -1;
        }
    }

    /** The key is gone: its armed polls are removed (the kernel drops its reference to the socket). */
    private void remove(UringKey k) {
        if (k.removed) {
            releaseSlot(k);
            return;
        }
        k.removed = true;
        if (k.sends != null) {
            k.sends.channelGone();
        }
        if (k.readArmed) {
            submit(OP_POLL_REMOVE, -1, ((long) k.slot << 1), 0, 0, IGNORED);
            closingPolls++;
        }
        if (k.writeArmed) {
            submit(OP_POLL_REMOVE, -1, ((long) k.slot << 1) | 1, 0, 0, IGNORED);
            closingPolls++;
        }
        releaseSlot(k);
    }

    /** One completion, recorded; handlers run after the whole batch is read. */
    private void complete(long userData, int res) {
        if (userData == WAKE) {
            wakeArmed = false;
            woken = true;
            return;
        }
        if (userData == IGNORED) {
            return;
        }
        if ((userData & (SEND | CANCEL)) != 0) {
            UringKey sk = slots[(int) (userData & 0xFFFFFFFFL)];
            if ((userData & SEND) != 0) {
                sendsInFlight--;
                sk.sends.sendCompleted(res); // may prepare the next send or a poll for room at once
            } else {
                sk.sends.cancelCompleted();
            }
            if (sk.removed) {
                releaseSlot(sk);
            }
            return;
        }
        int slot = (int) (userData >>> 1);
        int direction = (int) (userData & 1);
        UringKey k = slots[slot];
        if (k == null) {
            return;
        }
        if (direction == 0) {
            k.readArmed = false;
        } else {
            k.writeArmed = false;
        }
        if (k.removed || !k.isValid()) {
            if (!k.removed) {
                remove(k);
            } else {
                closingPolls--; // armed when the key was removed: the kernel has let go of the socket
                releaseSlot(k);
            }
            return;
        }
        if (res == -Syscalls.ECANCELED) {
            interestChanged(k); // cancelled by the kernel (not by us): arm again if still wanted
            return;
        }
        int ops = k.interest();
        // An error result or an error/hang-up event: every interest of that direction is ready,
        // as the NIO selector reports POLLERR/POLLHUP; the retried call then sees the error.
        boolean roomWait = direction == 1 && sendsFull(k);
        int found = direction == 0 ? ops & READS : roomWait ? 0 : ops & WRITES;
        if (found != 0) {
            markReady(k, found);
        }
        if (roomWait) {
            return; // the write readiness that matters is room in the queue: its completion reports it
        }
        if ((ops & (direction == 0 ? READS : WRITES)) != 0) {
            queueArm(k); // level-triggered: armed again at the next poll while the interest lasts
        }
    }

    private void dispatch(Consumer<Runnable> ready) {
        ring.reap(onCompletion);
        UringSends q;
        while ((q = toSubmit.poll()) != null) {
            q.submitNext(); // prepared now, submitted by the next pass's enter
        }
        int n = readyList.size();
        if (n == 0) {
            return;
        }
        for (int i = 0; i < n; i++) {
            UringKey k = readyList.get(i);
            k.inReadyList = false;
            if (k.isValid() && k.attachment() instanceof Runnable handler) {
                ready.accept(handler);
            }
        }
        readyList.clear();
    }

    /**
     * Finds closed channels: their armed polls are removed and the holder deregisters them (the
     * JDK then closes their descriptors). Cost: one pass over the registrations, and a
     * {@code selectNow} of the holder only when one was closed.
     */
    private void sweep() {
        passesSinceSweep = 0;
        boolean anyClosed = false;
        for (SelectionKey h : holder.keys()) {
            if (!h.isValid()) {
                anyClosed = true;
                if (h.attachment() instanceof UringKey k && !k.removed) {
                    remove(k);
                }
            }
        }
        if (anyClosed) {
            releaseClosed = true;
            releaseCancelled();
        }
    }

    @Override
    public void wakeup() {
        // Rare (at most once per park of the loop); the lock keeps the descriptor from being
        // closed (and its number reused) under a write.
        synchronized (wakeOne) {
            if (open) {
                Syscalls.write(wakeErrno, wakeFd, wakeOne, 8);
            }
        }
    }

    /**
     * At close: cancels every send in flight and waits (briefly) for their completions, so no
     * buffer the kernel may read is reused; what is still in flight after that stays allocated.
     */
    private void cancelSends() {
        try {
            Runnable t;
            while ((t = tasks.poll()) != null) {
                t.run();
            }
            for (int i = 0; i < slotsUsed; i++) {
                UringKey k = slots[i];
                if (k != null && k.sends != null && k.sends.sendInFlight && !k.sends.cancelInFlight) {
                    k.sends.abortNow();
                }
            }
            long end = System.nanoTime() + 200_000_000L;
            while (sendsInFlight > 0 && System.nanoTime() < end) {
                ring.enter(1, Ring.ENTER_GETEVENTS | Ring.ENTER_EXT_ARG, waitArg(10_000_000L), 24L);
                ring.reap(onCompletion);
                toSubmit.clear();
            }
        } catch (RuntimeException e) {
            // closing: the buffers below are kept whatever happened
        }
        for (int i = 0; i < slotsUsed; i++) {
            UringKey k = slots[i];
            if (k != null && k.sends != null) {
                MemorySegment b = k.sends.bufferInFlight();
                if (b != null) {
                    LINGERING.add(b);
                }
            }
        }
    }

    @Override
    public boolean isOpen() {
        return open && holder.isOpen();
    }

    @Override
    public void close() {
        if (!open) {
            return;
        }
        synchronized (wakeOne) {
            open = false;
        }
        cancelSends();
        try {
            holder.close();
        } catch (IOException ignored) {
            // closing: nothing to report to
        }
        ring.close();
        Syscalls.close(wakeErrno, wakeFd);
        arena.close();
    }

    /**
     * A selector whose close breaks this poller for good and wakes it (for tests of the loop's
     * own failure, as closing the NIO poller's selector does).
     */
    public Selector selectorForTest() {
        return new BreakableSelector(this, holder);
    }

    @Override
    public String toString() {
        return "UringIo[" + owner + ", ring fd " + ring.fd + "]";
    }
}
