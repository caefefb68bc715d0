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
     * A warm-up (bench --warmup) is a phase of the same run: the workers claim batches without
     * limit until it ends, counting into the warm-up's own counters; the first worker to see its
     * end starts the counted phase (its start time, its -d end). A batch counts into the phase it
     * was claimed in. Running the warm-up on the same hubs and connections matters: a separate
     * warm-up run would end by closing its hubs, and the JIT would then throw away code that had
     * never seen those paths (uncommon traps in the loop, the selector, the reader).
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
        /** The same failures by cause (refused, reset, time-out...), with a sample of each. */
        final Failures why = new Failures();

        long failed() {
            return connectFailures.sum() + receiveFailures.sum() + lengthFailures.sum() + exceptionFailures.sum();
        }
    }

    /**
     * A progress snapshot: requests done (completed + failed) and the time since the counted run
     * began; while {@code warmingUp}, the requests of the warm-up so far and no time.
     */
    record Progress(long done, long failed, Duration elapsed, boolean warmingUp) {}

    /** What a batch counts into: the warm-up's or the run's counters and histograms (one per hub). */
    private static final class Phase {
        final Counters counters = new Counters();
        final Histogram[] histograms;

        Phase(int hubs) {
            histograms = new Histogram[hubs];
            for (int h = 0; h < hubs; h++) {
                histograms[h] = new Histogram(Duration.ofHours(1).toNanos() / 1000, 3);
            }
        }

        Histogram merged() {
            Histogram all = new Histogram(Duration.ofHours(1).toNanos() / 1000, 3);
            for (Histogram h : histograms) {
                all.add(h);
            }
            return all;
        }
    }

    private final LoadSpec spec;
    private final byte[] request;
    private final Phase warm;
    private final Phase counted;
    /** The phase new batches count into: {@code warm} until the warm-up ends, then {@code counted}. */
    private volatile Phase phase;
    private final AtomicLong remaining;
    private final long warmupNanos;
    private volatile long warmupEnd;
    /** When the counted run began (the end of the warm-up). */
    private volatile long countedStart;
    private volatile long endNanos;
    private final InetSocketAddress address;

    private LoadGenerator(LoadSpec spec, InetSocketAddress address, Duration warmup) {
        this.spec = spec;
        this.address = address;
        this.request = spec.encodeRequest();
        this.remaining = new AtomicLong(spec.requests().orElse(Long.MAX_VALUE));
        this.warmupNanos = warmup.toNanos();
        this.warm = new Phase(spec.hubs());
        this.counted = new Phase(spec.hubs());
    }

    /**
     * Runs the load; {@code progress} is called on the calling thread about every
     * {@code progressEvery} while it runs (never, if that is zero).
     */
    static LoadResult run(LoadSpec spec, Duration progressEvery, Consumer<Progress> progress) throws IOException {
        return run(spec, Duration.ZERO, progressEvery, progress);
    }

    /**
     * Runs the load after a warm-up of {@code warmup}: the same connections send the same load
     * for that long first, and none of it is counted (the result reports how many requests the
     * warm-up sent). The warm-up runs on the same hubs and connections as the counted run, so
     * the code the JIT compiled for it is the code the run uses.
     */
    static LoadResult run(LoadSpec spec, Duration warmup, Duration progressEvery, Consumer<Progress> progress)
            throws IOException {
        if (warmup.isNegative()) {
            throw new IllegalArgumentException("negative warm-up: " + warmup);
        }
        InetAddress ip = InetAddress.getByName(spec.host());
        LoadGenerator g = new LoadGenerator(spec, new InetSocketAddress(ip, spec.port()), warmup);
        return g.run(progressEvery, progress);
    }

    private LoadResult run(Duration progressEvery, Consumer<Progress> progress) {
        long start = System.nanoTime();
        if (warmupNanos > 0) {
            warmupEnd = start + warmupNanos;
            phase = warm;
        } else {
            beginCounting(start);
        }
        long hardStop = spec.timeLimit().map(d -> start + d.toNanos()).orElse(Long.MAX_VALUE);
        boolean hitLimit = false;
        long end;
        try (HubGroup hubs = HubGroup.start(spec.hubs())) {
            List<Greenlet<?>> workers = new ArrayList<>(spec.concurrency());
            for (int i = 0; i < spec.concurrency(); i++) {
                int h = i % hubs.size();
                workers.add(hubs.hubs().get(h).greenlet(() -> {
                    work(h);
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
                    Phase p = phase;
                    long began = countedStart;
                    progress.accept(new Progress(p.counters.completed.sum() + p.counters.failed(), p.counters.failed(),
                            p == warm ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - began), p == warm));
                }
            }
            end = System.nanoTime();
            if (hitLimit) {
                Gevent.killAll(pending, Duration.ofSeconds(5));
            }
            for (Greenlet<?> w : workers) {
                if (w.ready() && !w.successful() && w.exit().isEmpty()) {
                    throw new IllegalStateException("a load greenlet failed", w.exception());
                }
            }
        }
        if (phase == warm) {
            beginCounting(end); // stopped at the time limit while warming up: nothing was counted
        }
        return new LoadResult(spec, counted.counters, counted.merged(), Duration.ofNanos(end - countedStart), hitLimit,
                Duration.ofNanos(warmupNanos), warm.counters.completed.sum() + warm.counters.failed());
    }

    /** Ends the warm-up (if any): batches claimed from now on are counted. Any thread. */
    private synchronized void beginCounting(long now) {
        if (phase != counted) {
            countedStart = now;
            if (spec.duration().isPresent()) {
                endNanos = now + spec.duration().get().toNanos();
            }
            phase = counted;
        }
    }

    /** The phase a batch claimed now counts into. */
    private Phase currentPhase() {
        Phase p = phase;
        if (p == warm) {
            long now = System.nanoTime();
            if (now - warmupEnd >= 0) {
                beginCounting(now);
                p = counted;
            }
        }
        return p;
    }

    /** Claims up to {@code max} requests of {@code p}; 0 when the run is over. */
    private int claim(Phase p, int max) {
        if (p == warm) {
            return max;
        }
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

    /**
     * One connection's loop (runs in a greenlet). The greenlet's own frame stays interpreted for
     * the whole run if it loops per batch: it was entered before anything was compiled, and
     * on-stack replacement did not rescue it here (5% of the CPU in the interpreter after 8 s).
     * So the loop lives in {@link Worker#batches}, which returns every {@value #BATCHES_PER_CALL}
     * batches and is compiled like any method called often.
     */
    private void work(int hub) {
        Worker w = new Worker(hub);
        try {
            while (w.batches(BATCHES_PER_CALL)) {
                // each call runs up to BATCHES_PER_CALL batches in compiled code
            }
        } finally {
            closeQuietly(w.socket);
        }
    }

    static final int BATCHES_PER_CALL = 128;

    /** The state of one worker greenlet: its connection, if open, and its reader. */
    private final class Worker {
        final int hub;
        TcpSocket socket;
        ResponseReader reader;
        boolean reused;
        byte[] batchBytes = request;
        int batchSize = 1;

        Worker(int hub) {
            this.hub = hub;
        }

        /** Claims and runs up to {@code max} batches; false once the run is over. */
        boolean batches(int max) {
            for (int i = 0; i < max; i++) {
                Phase p = currentPhase();
                int n = claim(p, spec.pipeline());
                if (n == 0) {
                    return false;
                }
                batch(n, p);
            }
            return true;
        }

        /** Sends {@code n} claimed requests (pipelined if more than one) and reads their responses. */
        void batch(int n, Phase phase) {
            Counters counters = phase.counters;
            Histogram histogram = phase.histograms[hub];
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
                        counters.why.add(e, n - done);
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
                    counters.why.add(e, n - done);
                    socket = closeQuietly(socket);
                    break;
                }
                boolean keep = true;
                boolean serverCloses = false;
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
                        counters.why.add(e, n - done);
                        done = n;
                        break;
                    } catch (ResponseReader.MalformedResponse e) {
                        counters.exceptionFailures.add(n - done);
                        counters.why.add(e, n - done);
                        socket = closeQuietly(socket);
                        done = n;
                        break;
                    } catch (IOException e) {
                        counters.receiveFailures.add(n - done);
                        counters.why.add(e, n - done);
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
                        counters.why.add(Failures.Kind.LENGTH, 1, "a 2xx body of " + r.bodyLength()
                                + " bytes; the first 2xx body had " + counters.firstBodyLength.get());
                    } else {
                        counters.completed.increment();
                        if (!ok) {
                            counters.non2xx.increment();
                            counters.why.non2xx(r.status());
                        }
                    }
                    histogram.recordValue(Math.max(1, (System.nanoTime() - sent) / 1000));
                    serverCloses = !r.keepAlive();
                    keep = r.keepAlive() && spec.keepAlive();
                }
                if (socket != null && !keep) {
                    if (serverCloses && done == n) {
                        // Let the server close first, as ab does: the one that closes first keeps
                        // the connection in TIME_WAIT and pays for it, and that should not be the
                        // load generator (it would run out of ports and CPU first).
                        reader.awaitClose();
                    }
                    socket = closeQuietly(socket);
                    if (done < n) {
                        // the server closed a pipelined batch early: what was not answered failed
                        counters.receiveFailures.add(n - done);
                        counters.why.add(Failures.Kind.CLOSED, n - done, "the server closed the connection with "
                                + (n - done) + " pipelined requests unanswered");
                        done = n;
                    }
                }
            }
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
