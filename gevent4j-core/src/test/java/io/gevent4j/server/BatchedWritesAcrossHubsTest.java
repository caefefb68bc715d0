package io.gevent4j.server;

import static io.gevent4j.testkit.Delays.LONG;
import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.Semaphore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Batched writes made by someone other than the connection's greenlet: a greenlet of another hub
 * or a plain thread, taking turns with it (one writer at a time, as {@link Connection} asks).
 * The batch lives on the connection's hub; a write from elsewhere must keep every byte and their
 * order, as an unbatched write would.
 */
class BatchedWritesAcrossHubsTest {
    static final int TURNS = 2_000;
    static final int PIECE = 7;

    final Hub home = Hub.start("batch-home");
    final Hub other = Hub.start("batch-other");
    StreamServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            assertThat(server.stop(LONG)).isTrue();
        }
        assertThat(other.close(LONG)).isTrue();
        assertThat(home.close(LONG)).isTrue();
    }

    private static byte[] piece(int i) {
        byte[] b = new byte[PIECE];
        for (int k = 0; k < PIECE; k++) {
            b[k] = (byte) (i * 31 + k);
        }
        return b;
    }

    private static byte[] expected() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < 2 * TURNS; i++) {
            out.writeBytes(piece(i));
        }
        return out.toByteArray();
    }

    /** Runs the turns: the handler writes the even pieces, {@code foreign} runs the odd ones. */
    private byte[] alternate(boolean plainThread) throws Exception {
        CompletableFuture<Throwable> foreignFailed = new CompletableFuture<>();
        server = StreamServer.builder(c -> {
            Semaphore mine = new Semaphore(1);
            Semaphore theirs = new Semaphore(0);
            Runnable foreign = () -> {
                try {
                    for (int i = 0; i < TURNS; i++) {
                        theirs.acquire();
                        c.sendAll(piece(2 * i + 1));
                        mine.release();
                    }
                    foreignFailed.complete(null);
                } catch (Throwable e) {
                    foreignFailed.complete(e);
                }
            };
            Thread t = null;
            Greenlet<Void> g = null;
            if (plainThread) {
                t = Thread.ofPlatform().name("batch-foreign").start(foreign);
            } else {
                g = other.spawn(foreign);
            }
            for (int i = 0; i < TURNS; i++) {
                mine.acquire();
                c.sendAll(piece(2 * i));
                theirs.release();
            }
            mine.acquire(); // the last odd piece is sent
            if (t != null) {
                t.join(LONG.toMillis());
            } else {
                g.join(LONG);
            }
        }).batchWrites(4096).hub(home).listen("127.0.0.1:0").build().start();
        byte[] got;
        try (Socket s = new Socket()) {
            s.connect(server.address(), (int) LONG.toMillis());
            s.setSoTimeout((int) LONG.toMillis());
            got = readAll(s.getInputStream());
        }
        assertThat(foreignFailed.get(LONG.toMillis(), TimeUnit.MILLISECONDS)).as("the foreign writer's failure").isNull();
        return got;
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] b = new byte[8192];
        for (int n; (n = in.read(b)) > 0; ) {
            out.write(b, 0, n);
        }
        return out.toByteArray();
    }

    @Test
    void aGreenletOfAnotherHubTakingTurnsWithTheHandlerKeepsEveryByteInOrder() throws Exception {
        byte[] got = alternate(false);
        assertThat(got.length).isEqualTo(2 * TURNS * PIECE);
        assertThat(got).isEqualTo(expected());
    }

    @Test
    void aPlainThreadTakingTurnsWithTheHandlerKeepsEveryByteInOrder() throws Exception {
        byte[] got = alternate(true);
        assertThat(got.length).isEqualTo(2 * TURNS * PIECE);
        assertThat(got).isEqualTo(expected());
    }
}
