package io.gevent4j.cli;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.HubGroup;
import io.gevent4j.socket.TcpSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * The HTTP load generator behind {@code gevent4j bench} and {@code gevent4j demo}: one greenlet
 * per connection on the library's cooperative {@link TcpSocket}, spread over one or more hubs.
 *
 * <p>Who may call it: a plain thread (it starts its own hubs and blocks until the run ends,
 * then closes them). {@link #run} returns after the last request, or at the spec's time limit
 * (greenlets still waiting for a reply are killed and their requests counted as unfinished).
 *
 * {@snippet :
 * LoadSpec spec = LoadSpec.get("http://127.0.0.1:8080/", 1000, 50);
 * LoadResult r = LoadGenerator.run(spec, Duration.ofSeconds(1), p -> System.err.println(p.done()));
 * System.out.println(r.toText());
 * }
 */
final class LoadGenerator {
    /*
     * Implementation overview.
     *
     * Each worker greenlet owns one connection at a time and claims work in tickets: with -n,
     * `remaining` is decremented by up to `pipeline` tickets at once (a CAS loop, so exactly n
     * requests are sent in total); with -d, a worker claims until the end time passes. A claimed
     * batch is written in one sendAll and its responses read in order; each latency runs from
     * the batch's write to that response's last byte.
     *
     * Counters shared by all hubs are LongAdders (read by the progress line from the caller's
     * thread). Each hub has its own Histogram, touched only by that hub's greenlets, so no lock
     * is taken on the request path; the histograms are merged after the hubs have stopped.
     *
     * Failure classes follow ab: connect (connect failed), receive (read error, time-out or the
     * connection closed in a response), length (a body length differing from the first response's,
     * as ab reports it), exceptions (a write error or a response that is not HTTP/1.x). A
     * non-2xx status is a completed request, counted apart. One reuse rule: when a kept-alive
     * connection is closed by the server before any byte of the next response, the batch is
     * re-sent once on a new connection (the server closed an idle connection; every HTTP client
     * does this) and that is not a failure.
     */

    /** Live counters, readable from any thread. */
    static final class Counters {
        final LongAdder completed = new LongAdder();
        final LongAdder non2xx = new LongAdder();
        final LongAdder connectFailures = new LongAdder();
        final LongAdder receiveFailures = new LongAdder();
        final LongAdder lengthFailures = new LongAdder();
        final LongAdder exceptionFailures = new LongAdder();
        final LongAdder bytesReceived = new LongAdder();
        final LongAdder bodyBytes = new LongAdder();
        final LongAdder connections = new LongAdder();
        final AtomicLong firstBodyLength = new AtomicLong(-1);

        long failed() {
            return connectFailures.sum() + receiveFailures.sum() + lengthFailures.sum() + exceptionFailures.sum();
        }
    }

    /** A progress snapshot: requests done (completed + failed) and the time since the start. */
    record Progress(long done, long failed, Duration elapsed) {}

    private final LoadSpec spec;
    private final byte[] request;
    private final Counters counters = new Counters();
    private final AtomicLong remaining;
    private volatile long endNanos;
    private final InetSocketAddress address;

    private LoadGenerator(LoadSpec spec, InetSocketAddress address) {
        this.spec = spec;
        this.address = address;
        this.request = spec.encodeRequest();
        this.remaining = new AtomicLong(spec.requests().orElse(Long.MAX_VALUE));
    }

    /**
     * Runs the load; {@code progress} is called on the calling thread about every
     * {@code progressEvery} while it runs (never, if that is zero).
     */
    static LoadResult run(LoadSpec spec, Duration progressEvery, Consumer<Progress> progress) throws IOException {
        InetAddress ip = InetAddress.getByName(spec.host());
        LoadGenerator g = new LoadGenerator(spec, new InetSocketAddress(ip, spec.port()));
        return g.run(progressEvery, progress);
    }

    private LoadResult run(Duration progressEvery, Consumer<Progress> progress) {
        List<Histogram> histograms = new ArrayList<>();
        long start = System.nanoTime();
        spec.duration().ifPresent(d -> endNanos = start + d.toNanos());
        long hardStop = spec.timeLimit().map(d -> start + d.toNanos()).orElse(Long.MAX_VALUE);
        boolean hitLimit = false;
        long elapsed;
        try (HubGroup hubs = HubGroup.start(spec.hubs())) {
            List<Greenlet<?>> workers = new ArrayList<>(spec.concurrency());
            for (int h = 0; h < hubs.size(); h++) {
                histograms.add(new Histogram(Duration.ofHours(1).toNanos() / 1000, 3));
            }
            for (int i = 0; i < spec.concurrency(); i++) {
                int h = i % hubs.size();
                Histogram histogram = histograms.get(h);
                workers.add(hubs.hubs().get(h).greenlet(() -> {
                    work(histogram);
                    return null;
                }).name("bench-" + i).start());
            }
            List<Greenlet<?>> pending = new ArrayList<>(workers);
            while (!pending.isEmpty()) {
                long now = System.nanoTime();
                if (now >= hardStop) {
                    hitLimit = true;
                    break;
                }
                long wait = hardStop - now;
                if (!progressEvery.isZero()) {
                    wait = Math.min(wait, progressEvery.toNanos());
                }
                Gevent.joinAll(pending, Duration.ofNanos(wait));
                pending.removeIf(Greenlet::ready);
                if (!progressEvery.isZero() && !pending.isEmpty()) {
                    progress.accept(new Progress(counters.completed.sum() + counters.failed(), counters.failed(),
                            Duration.ofNanos(System.nanoTime() - start)));
                }
            }
            elapsed = System.nanoTime() - start;
            if (hitLimit) {
                Gevent.killAll(pending, Duration.ofSeconds(5));
            }
            for (Greenlet<?> w : workers) {
                if (w.ready() && !w.successful() && w.exit().isEmpty()) {
                    throw new IllegalStateException("a load greenlet failed", w.exception());
                }
            }
        }
        Histogram all = new Histogram(Duration.ofHours(1).toNanos() / 1000, 3);
        histograms.forEach(all::add);
        return new LoadResult(spec, counters, all, Duration.ofNanos(elapsed), hitLimit);
    }

    /** Claims up to {@code max} requests; 0 when the run is over. */
    private int claim(int max) {
        if (spec.duration().isPresent()) {
            return System.nanoTime() < endNanos ? max : 0;
        }
        while (true) {
            long r = remaining.get();
            if (r <= 0) {
                return 0;
            }
            int k = (int) Math.min(max, r);
            if (remaining.compareAndSet(r, r - k)) {
                return k;
            }
        }
    }

    /** One connection's loop (runs in a greenlet). */
    private void work(Histogram histogram) throws IOException {
        TcpSocket socket = null;
        ResponseReader reader = null;
        boolean reused = false;
        byte[] batchBytes = request;
        int batchSize = 1;
        try {
            while (true) {
                int n = claim(spec.pipeline());
                if (n == 0) {
                    return;
                }
                if (n != batchSize) {
                    batchBytes = repeat(request, n);
                    batchSize = n;
                }
                boolean retried = false;
                int done = 0;
                while (done < n) {
                    if (socket == null) {
                        try {
                            socket = TcpSocket.connect(address, spec.timeout());
                        } catch (IOException e) {
                            counters.connectFailures.add(n - done);
                            break;
                        }
                        counters.connections.increment();
                        reader = reader == null ? new ResponseReader(socket) : reader.use(socket);
                        reused = false;
                    }
                    long sent = System.nanoTime();
                    try {
                        socket.sendAll(done == 0 ? batchBytes : repeat(request, n - done));
                    } catch (IOException e) {
                        if (reused && !retried) {
                            retried = true;
                            socket = closeQuietly(socket);
                            continue;
                        }
                        counters.exceptionFailures.add(n - done);
                        socket = closeQuietly(socket);
                        break;
                    }
                    boolean keep = true;
                    while (done < n && keep) {
                        ResponseReader.Response r;
                        try {
                            r = reader.read(spec.isHead());
                        } catch (ResponseReader.ClosedBeforeResponse e) {
                            socket = closeQuietly(socket);
                            if (reused && !retried) {
                                retried = true;
                                break; // re-send the rest on a new connection
                            }
                            counters.receiveFailures.add(n - done);
                            done = n;
                            break;
                        } catch (ResponseReader.MalformedResponse e) {
                            counters.exceptionFailures.add(n - done);
                            socket = closeQuietly(socket);
                            done = n;
                            break;
                        } catch (IOException e) {
                            counters.receiveFailures.add(n - done);
                            socket = closeQuietly(socket);
                            done = n;
                            break;
                        }
                        done++;
                        reused = true;
                        counters.bytesReceived.add(r.wireBytes());
                        counters.bodyBytes.add(r.bodyLength());
                        boolean ok = r.status() / 100 == 2;
                        if (ok && !counters.firstBodyLength.compareAndSet(-1, r.bodyLength())
                                && counters.firstBodyLength.get() != r.bodyLength()) {
                            counters.lengthFailures.increment(); // ab's rule: a 2xx body unlike the first
                        } else {
                            counters.completed.increment();
                            if (!ok) {
                                counters.non2xx.increment();
                            }
                        }
                        histogram.recordValue(Math.max(1, (System.nanoTime() - sent) / 1000));
                        keep = r.keepAlive() && spec.keepAlive();
                    }
                    if (socket != null && !keep) {
                        socket = closeQuietly(socket);
                        if (done < n) {
                            // the server closed a pipelined batch early: what was not answered failed
                            counters.receiveFailures.add(n - done);
                            done = n;
                        }
                    }
                }
            }
        } finally {
            closeQuietly(socket);
        }
    }

    private static byte[] repeat(byte[] one, int times) {
        byte[] all = new byte[one.length * times];
        for (int i = 0; i < times; i++) {
            System.arraycopy(one, 0, all, i * one.length, one.length);
        }
        return all;
    }

    private static TcpSocket closeQuietly(TcpSocket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // nothing left to do with a broken connection
            }
        }
        return null;
    }
}
