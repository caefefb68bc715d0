package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.testkit.Delays;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Re-checks, row by row, the "which JDK blocking calls cooperate inside a greenlet" table of
 * docs/CONCURRENCY.md: while greenlet A is blocked in the call, does greenlet B of the same hub run
 * (cooperates), or not until A's call returns (pins the hub)? Each blocking call is released by
 * this test's platform thread.
 */
class JdkBlockingCallsTest {
    private Hub hub;

    @BeforeEach
    void start() {
        hub = Hub.start("jdk-blocking");
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    /** Runs {@code call} in a greenlet; returns whether another greenlet of the hub ran before {@code release}. */
    private boolean otherGreenletRunsWhileBlocked(Callable<?> call, CountDownLatch entered, ThrowingRunnable release)
            throws Exception {
        Greenlet<?> a = hub.spawn(() -> {
            entered.countDown();
            return call.call();
        });
        assertThat(entered.await(Delays.LONG.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        Greenlet<String> b = hub.spawn(() -> "ran");
        boolean ranWhileBlocked = b.join(Delays.MEDIUM);
        boolean aStillBlocked = !a.ready();
        release.run();
        assertThat(a.join(Delays.LONG)).as("the blocking call returned once released").isTrue();
        assertThat(a.exception()).isNull();
        assertThat(b.join(Delays.LONG)).isTrue();
        assertThat(aStillBlocked).as("the call was still blocked when B was checked").isTrue();
        return ranWhileBlocked;
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void javaNetSocketReadCooperates() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            CountDownLatch entered = new CountDownLatch(1);
            Socket[] peer = new Socket[1];
            Thread acceptor = Thread.ofPlatform().start(() -> {
                try {
                    peer[0] = listener.accept();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            boolean cooperates = otherGreenletRunsWhileBlocked(() -> {
                try (Socket s = new Socket("127.0.0.1", listener.getLocalPort())) {
                    acceptor.join();
                    entered.countDown();
                    return s.getInputStream().read();
                }
            }, new CountDownLatch(0), () -> {
                acceptor.join();
                peer[0].getOutputStream().write(7);
                peer[0].close();
            });
            assertThat(cooperates).isTrue();
        }
    }

    @Test
    void blockingSocketChannelCooperates() throws Exception {
        SilentHttpServer peer = new SilentHttpServer(); // accepts, never answers; close() closes its side
        assertThat(otherGreenletRunsWhileBlocked(() -> {
            try (SocketChannel c = SocketChannel.open(new java.net.InetSocketAddress("127.0.0.1", peer.uri().getPort()))) {
                return c.read(ByteBuffer.allocate(1)); // -1 once the peer closes
            }
        }, new CountDownLatch(0), peer::close)).isTrue();
    }

    @Test
    void sslSocketHandshakeCooperates() throws Exception {
        SilentHttpServer peer = new SilentHttpServer();
        // Loading the default SSLContext (trust store file, class initialisation) pins whatever runs
        // it for a few hundred ms: do it here, so that the greenlet measures the handshake's read.
        SSLSocketFactory factory = (SSLSocketFactory) SSLSocketFactory.getDefault();
        javax.net.ssl.SSLEngine warm = javax.net.ssl.SSLContext.getDefault().createSSLEngine();
        warm.setUseClientMode(true);
        warm.beginHandshake();
        warm.wrap(ByteBuffer.allocate(0), ByteBuffer.allocate(warm.getSession().getPacketBufferSize()));
        assertThat(otherGreenletRunsWhileBlocked(() -> {
            try (SSLSocket s = (SSLSocket) factory.createSocket("127.0.0.1", peer.uri().getPort())) {
                s.startHandshake();
                return "handshake?";
            } catch (java.io.IOException closedByPeer) {
                return "closed";
            }
        }, new CountDownLatch(0), peer::close)).isTrue();
    }

    @Test
    void threadSleepLocksQueuesMonitorsAndObjectWaitCooperate() throws Exception {
        assertThat(otherGreenletRunsWhileBlocked(() -> {
            Thread.sleep(Delays.MEDIUM.multipliedBy(2));
            return null;
        }, new CountDownLatch(0), () -> {})).as("Thread.sleep").isTrue();

        BlockingQueue<String> q = new ArrayBlockingQueue<>(1);
        assertThat(otherGreenletRunsWhileBlocked(q::take, new CountDownLatch(0), () -> q.put("x")))
                .as("BlockingQueue.take").isTrue();

        ReentrantLock lock = new ReentrantLock();
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch unlock = new CountDownLatch(1);
        Thread holder = Thread.ofPlatform().start(() -> {
            lock.lock();
            try {
                held.countDown();
                unlock.await();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            } finally {
                lock.unlock();
            }
        });
        held.await();
        assertThat(otherGreenletRunsWhileBlocked(() -> {
            lock.lock();
            lock.unlock();
            return null;
        }, new CountDownLatch(0), () -> {
            unlock.countDown();
            holder.join();
        })).as("ReentrantLock.lock").isTrue();

        Object monitor = new Object();
        CountDownLatch inMonitor = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        Thread owner = Thread.ofPlatform().start(() -> {
            synchronized (monitor) {
                inMonitor.countDown();
                try {
                    leave.await();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
        });
        inMonitor.await();
        assertThat(otherGreenletRunsWhileBlocked(() -> {
            synchronized (monitor) {
                return null;
            }
        }, new CountDownLatch(0), () -> {
            leave.countDown();
            owner.join();
        })).as("contended synchronized").isTrue();

        Object cond = new Object();
        boolean[] signalled = {false};
        CountDownLatch waiting = new CountDownLatch(1);
        assertThat(otherGreenletRunsWhileBlocked(() -> {
            synchronized (cond) {
                waiting.countDown();
                while (!signalled[0]) {
                    cond.wait();
                }
            }
            return null;
        }, waiting, () -> {
            synchronized (cond) {
                signalled[0] = true;
                cond.notifyAll();
            }
        })).as("Object.wait").isTrue();
    }

    @Test
    void processWaitForCooperatesOnJdk25() throws Exception {
        Process cat = new ProcessBuilder("cat").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(otherGreenletRunsWhileBlocked(cat::waitFor, new CountDownLatch(0),
                () -> cat.getOutputStream().close())).isTrue();
    }

    @Test
    void blockingFileReadPinsTheHub(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(mkfifo.waitFor()).isZero();
        assertThat(otherGreenletRunsWhileBlocked(() -> {
            try (InputStream in = new FileInputStream(fifo.toFile())) { // open blocks until a writer opens
                return in.read();
            }
        }, new CountDownLatch(0), () -> {
            try (FileOutputStream out = new FileOutputStream(fifo.toFile())) {
                out.write(1);
            }
        })).isFalse();
        assertThat(Files.exists(fifo)).isTrue();
    }

    // ------------------------------------------------------------ what a time-out does to the resource

    @Test
    void aTimeoutCutsEachInterruptibleCallShortAndSaysWhatIsLeft() throws Exception {
        SilentHttpServer peer = new SilentHttpServer();
        BlockingQueue<String> q = new ArrayBlockingQueue<>(1);
        Object cond = new Object();
        Process cat = new ProcessBuilder("cat").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            Greenlet<java.util.List<Object>> g = hub.spawn(() -> {
                java.util.List<Object> seen = new java.util.ArrayList<>();
                seen.add(Gevent.withTimeout(Delays.SHORT, () -> {
                    Thread.sleep(Delays.LONG);
                    return "slept";
                }, "sleep cut"));
                seen.add(Gevent.withTimeout(Delays.SHORT, q::take, "take cut"));
                q.put("still works");
                seen.add(q.take());
                seen.add(Gevent.withTimeout(Delays.SHORT, () -> {
                    synchronized (cond) {
                        cond.wait();
                    }
                    return "notified";
                }, "wait cut"));
                seen.add(Gevent.withTimeout(Delays.SHORT, cat::waitFor, -1));
                seen.add(cat.isAlive()); // the child keeps running
                SocketChannel c = SocketChannel.open(new java.net.InetSocketAddress("127.0.0.1", peer.uri().getPort()));
                seen.add(Gevent.withTimeout(Delays.SHORT, () -> c.read(ByteBuffer.allocate(1)), -2));
                seen.add(c.isOpen()); // an interrupted channel is closed by the JDK
                seen.add(Thread.currentThread().isInterrupted());
                return seen;
            });
            assertThat(g.result(Delays.LONG.multipliedBy(2))).containsExactly(
                    "sleep cut", "take cut", "still works", "wait cut", -1, true, -2, false, false);
        } finally {
            cat.getOutputStream().close();
            cat.waitFor();
            peer.close();
        }
    }

    @Test
    void aTimeoutCannotCutLockOrMonitorEntryShortButIsRaisedWhenItReturns() throws Exception {
        ReentrantLock lock = new ReentrantLock();
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch unlock = new CountDownLatch(1);
        Thread holder = Thread.ofPlatform().start(() -> {
            lock.lock();
            try {
                held.countDown();
                unlock.await();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            } finally {
                lock.unlock();
            }
        });
        held.await();
        Greenlet<Object> g = hub.spawn(() -> Gevent.withTimeout(Delays.SHORT, () -> {
            lock.lock(); // uninterruptible: waits for the holder whatever the interrupt
            lock.unlock();
            return "locked";
        }, "timed out"));
        assertThat(g.join(Delays.MEDIUM)).as("lock() is not cut short").isFalse();
        unlock.countDown();
        holder.join();
        assertThat(g.result(Delays.LONG)).isEqualTo("timed out");
    }
}
