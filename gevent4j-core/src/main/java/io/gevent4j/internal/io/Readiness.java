package io.gevent4j.internal.io;

import io.gevent4j.internal.Loop;
import io.gevent4j.internal.Loops;
import io.gevent4j.internal.Strand;
import io.gevent4j.internal.Waiter;
import java.io.IOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Readiness waits on any non-blocking {@link SelectableChannel}, on the caller's loop, as a
 * strand's await: what {@code io.gevent4j.socket.Io} and the resolver's transport wait through.
 * Who may call it: any strand (a greenlet, or a plain thread on the default loop). A kill or a
 * {@code Timeout} propagates; a close through {@link #closeAndWake} wakes every waiter.
 */
public final class Readiness {
    private Readiness() {}

    /** The channels found ready by {@link #select}, each list in the order given. */
    public record Ready(List<SelectableChannel> readable, List<SelectableChannel> writable) {}

    /** Waits until {@code channel} is readable (acceptable); false if {@code deadline} passed first. */
    public static boolean waitReadable(SelectableChannel channel, long deadline) throws IOException {
        Strand s = Strand.current();
        return IoWatch.of(Loops.current(), channel).await(s, readOp(channel), deadline);
    }

    /** Waits until {@code channel} is writable (connected); false if {@code deadline} passed first. */
    public static boolean waitWritable(SelectableChannel channel, long deadline) throws IOException {
        Strand s = Strand.current();
        return IoWatch.of(Loops.current(), channel).await(s, writeOp(channel), deadline);
    }

    /** Closes {@code channel}, then wakes every strand waiting on it on any loop ("Socket closed"). */
    public static void closeAndWake(SelectableChannel channel) throws IOException {
        List<IoWatch> watches = IoWatch.allOf(channel);
        for (IoWatch w : watches) {
            w.closing();
        }
        try {
            channel.close();
        } finally {
            for (IoWatch w : watches) {
                w.close(); // after the close: see ChannelIo.close
            }
        }
    }

    /**
     * Waits until one of {@code readers} is readable or one of {@code writers} is writable, or
     * {@code deadline} passed (then both lists are empty).
     */
    public static Ready select(Collection<? extends SelectableChannel> readers,
            Collection<? extends SelectableChannel> writers, Strand strand, long deadline) throws IOException {
        Waiter waiter = new Waiter(strand);
        Loop loop = Loops.current();
        List<IoWatch.Wait> waits = new ArrayList<>(readers.size() + writers.size());
        try {
            for (SelectableChannel ch : readers) {
                waits.add(IoWatch.of(loop, ch).publish(waiter, readOp(ch)));
            }
            for (SelectableChannel ch : writers) {
                waits.add(IoWatch.of(loop, ch).publish(waiter, writeOp(ch)));
            }
            strand.await(waiter, deadline);
            List<SelectableChannel> readable = new ArrayList<>();
            List<SelectableChannel> writable = new ArrayList<>();
            for (IoWatch.Wait w : waits) {
                if (w.readyOps != 0 || w.watch.isClosed()) {
                    ((w.op & IoWatch.READS) != 0 ? readable : writable).add(w.watch.channel);
                }
            }
            return new Ready(List.copyOf(readable), List.copyOf(writable));
        } finally {
            for (IoWatch.Wait w : waits) {
                w.watch.withdraw(w);
            }
        }
    }

    public static int readOp(SelectableChannel ch) {
        return (ch.validOps() & SelectionKey.OP_ACCEPT) != 0 ? SelectionKey.OP_ACCEPT : SelectionKey.OP_READ;
    }

    public static int writeOp(SelectableChannel ch) {
        return ch instanceof SocketChannel s && s.isConnectionPending() ? SelectionKey.OP_CONNECT : SelectionKey.OP_WRITE;
    }
}
