package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.testkit.Delays;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ThreadPoolTest {

    @Test
    void theHubKeepsRunningWhileAGreenletAwaitsABlockingTask() {
        CountDownLatch releasedByOtherGreenlet = new CountDownLatch(1);
        try (Hub hub = Hub.start("tp"); ThreadPool pool = new ThreadPool(2)) {
            Greenlet<String> waiter = hub.spawn(() -> pool.apply(() -> {
                // Blocks a platform thread until a greenlet of the same hub runs: only possible if
                // the waiting greenlet parked cooperatively.
                return releasedByOtherGreenlet.await(Delays.LONG.toMillis(), TimeUnit.MILLISECONDS) ? "released" : "stuck";
            }));
            Greenlet<Void> other = hub.spawn(() -> {
                Gevent.sleep(Delays.SHORT);
                releasedByOtherGreenlet.countDown();
            });
            assertThat(waiter.result(Delays.LONG)).isEqualTo("released");
            other.result(Delays.LONG);
        }
    }

    @Test
    void neverRunsMoreThanMaxThreadsAndStartsThemOnDemand() throws Exception {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        try (ThreadPool pool = new ThreadPool(2)) {
            assertThat(pool.threadCount()).isZero();
            List<AsyncResult<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                int n = i;
                results.add(pool.submit(() -> {
                    maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                    go.await();
                    running.decrementAndGet();
                    return n;
                }));
            }
            assertThat(pool.threadCount()).isEqualTo(2);
            assertThat(pool.pending()).isEqualTo(6);
            go.countDown();
            assertThat(Gevent.await(results, Delays.LONG)).hasSize(6);
            assertThat(results.stream().map(AsyncResult::value).toList()).containsExactly(0, 1, 2, 3, 4, 5);
        }
        assertThat(maxRunning.get()).isBetween(1, 2);
    }

    @Test
    void aTaskExceptionIsRethrownToTheAwaiter() {
        try (ThreadPool pool = new ThreadPool(1)) {
            AsyncResult<Object> r = pool.submit(() -> {
                throw new IllegalStateException("on the pool thread");
            });
            assertThatThrownBy(() -> r.result(Delays.LONG)).isInstanceOf(IllegalStateException.class)
                    .hasMessage("on the pool thread");
        }
    }

    @Test
    void shutdownRunsQueuedWorkAndRejectsNewWork() {
        ThreadPool pool = new ThreadPool(1);
        CountDownLatch go = new CountDownLatch(1);
        AsyncResult<String> first = pool.submit(() -> {
            go.await();
            return "first";
        });
        AsyncResult<String> queued = pool.submit(() -> "queued");
        pool.shutdown();
        assertThatThrownBy(() -> pool.submit(() -> "late")).isInstanceOf(RejectedExecutionException.class);
        go.countDown();
        assertThat(queued.result(Delays.LONG)).isEqualTo("queued");
        assertThat(first.result(Delays.LONG)).isEqualTo("first");
        assertThat(pool.awaitTermination(Delays.LONG)).isTrue();
        assertThat(pool.threadCount()).isZero();
    }

    @Test
    void shutdownNowCancelsQueuedWork() {
        ThreadPool pool = new ThreadPool(1);
        CountDownLatch started = new CountDownLatch(1);
        AsyncResult<String> running = pool.submit(() -> {
            started.countDown();
            new CountDownLatch(1).await(); // until interrupted
            return "not interrupted";
        });
        AsyncResult<String> queued = pool.submit(() -> "queued");
        try {
            assertThat(started.await(Delays.LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        assertThat(pool.shutdownNow()).isEqualTo(1);
        assertThatThrownBy(queued::result).isInstanceOf(CancellationException.class);
        assertThat(running.await(Delays.LONG)).isTrue();
        assertThat(running.exception()).isInstanceOf(InterruptedException.class);
        assertThat(pool.awaitTermination(Delays.LONG)).isTrue();
    }

    @Test
    void resizeToZeroPausesAndGrowingResumes() {
        try (ThreadPool pool = new ThreadPool("paused", 0, 0, ThreadPool.IDLE_TIMEOUT)) {
            AsyncResult<String> r = pool.submit(() -> "ran");
            assertThat(r.await(Delays.SHORT)).isFalse();
            assertThat(pool.threadCount()).isZero();
            pool.resize(1);
            assertThat(r.result(Delays.LONG)).isEqualTo("ran");
            assertThatThrownBy(() -> pool.resize(-1)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void boundedQueueParksTheSubmitterCooperatively() {
        CountDownLatch go = new CountDownLatch(1);
        try (Hub hub = Hub.start("tpq"); ThreadPool pool = new ThreadPool("bounded", 1, 1, ThreadPool.IDLE_TIMEOUT)) {
            pool.submit(() -> go.await(Delays.LONG.toMillis(), TimeUnit.MILLISECONDS)); // taken by the only thread
            Greenlet<Void> submitter = hub.spawn(() -> {
                // the only thread is busy and the queue holds one: one of these two parks
                pool.submit(() -> "queued");
                pool.submit(() -> "parks until a worker takes the queued one");
            });
            assertThat(submitter.join(Delays.SHORT)).isFalse();
            go.countDown();
            assertThat(submitter.join(Delays.LONG)).isTrue();
        }
    }

    @Test
    void eachHubHasOneDefaultPool() {
        try (Hub hub = Hub.start("tpd")) {
            Greenlet<ThreadPool> g = hub.spawn(ThreadPool::current);
            assertThat(g.result(Delays.LONG)).isSameAs(hub.threadPool());
            assertThat(hub.threadPool()).isNotSameAs(Hub.defaultHub().threadPool());
            assertThat(hub.threadPool().maxThreads()).isEqualTo(ThreadPool.DEFAULT_MAX_THREADS);
        }
    }
}
