package io.gevent4j.server;

import static io.gevent4j.testkit.Delays.LONG;
import static io.gevent4j.testkit.Delays.SHORT;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.Event;
import io.gevent4j.Gevent;
import io.gevent4j.Hub;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code StreamServer.Builder.batchWrites}: fewer write calls, same bytes, never held while the greenlet waits. */
class BatchedWritesTest {
    Hub hub;
    final List<StreamServer> servers = new ArrayList<>();

    @BeforeEach
    void startHub() {
        hub = Hub.start("batch-test");
    }

    @AfterEach
    void stopAll() {
        for (StreamServer s : servers) {
            s.stop(Duration.ZERO);
        }
        assertThat(hub.close(LONG)).isTrue();
    }

    private StreamServer start(int batchBytes, StreamServer.Handler h) throws IOException {
        StreamServer s = StreamServer.builder(h).batchWrites(batchBytes).hub(hub).listen("127.0.0.1:0").build();
        servers.add(s);
        return s.start();
    }

    private static Socket client(StreamServer s) throws IOException {
        Socket c = new Socket();
        c.connect(s.address(), (int) LONG.toMillis());
        c.setSoTimeout((int) LONG.toMillis());
        return c;
    }

    private static byte[] piece(int i, int size) {
        byte[] b = new byte[size];
        for (int k = 0; k < size; k++) {
            b[k] = (byte) (i * 31 + k);
        }
        return b;
    }

    @Test
    void consecutiveSmallWritesBecomeOneSystemCallWithTheirBytesInOrder() throws Exception {
        CompletableFuture<Long> writes = new CompletableFuture<>();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int i = 0; i < 200; i++) {
            expected.write(piece(i, 5));
        }
        StreamServer s = start(4096, c -> {
            for (int i = 0; i < 200; i++) {
                c.sendAll(piece(i, 5));
            }
            c.recvInto(ByteBuffer.allocate(1)); // waits: the batch goes out first
            writes.complete(c.batchSystemWrites());
        });
        try (Socket c = client(s)) {
            assertThat(c.getInputStream().readNBytes(1000)).isEqualTo(expected.toByteArray());
            c.getOutputStream().write('x');
            assertThat(writes.get(LONG.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(1);
            assertThat(c.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void aReplyIsFlushedBeforeTheHandlerWaitsToReadAndBeforeItsEnd() throws Exception {
        StreamServer s = start(4096, c -> {
            c.sendAll("hel".getBytes(US_ASCII));
            c.sendAll("lo".getBytes(US_ASCII));
            ByteBuffer in = ByteBuffer.allocate(8);
            c.recvInto(in);
            c.sendAll(("got " + in.flip().remaining()).getBytes(US_ASCII));
        });
        try (Socket c = client(s)) {
            assertThat(new String(c.getInputStream().readNBytes(5), US_ASCII)).isEqualTo("hello");
            c.getOutputStream().write("abc".getBytes(US_ASCII));
            assertThat(new String(c.getInputStream().readAllBytes(), US_ASCII)).isEqualTo("got 3");
        }
    }

    @Test
    void aBatchIsFlushedWhenItsGreenletWaitsOnSomethingElse() throws Exception {
        Event clientGotPing = new Event();
        Event clientGotPong = new Event();
        StreamServer s = start(4096, c -> {
            c.sendAll("ping".getBytes(US_ASCII));
            clientGotPing.await(); // no read, no flush: only the park can send it
            c.sendAll("pong".getBytes(US_ASCII));
            while (!clientGotPong.isSet()) {
                Gevent.sleep(SHORT); // a sleep, not a read: its park sends it
            }
        });
        try (Socket c = client(s)) {
            assertThat(new String(c.getInputStream().readNBytes(4), US_ASCII)).isEqualTo("ping");
            clientGotPing.set();
            assertThat(new String(c.getInputStream().readNBytes(4), US_ASCII)).isEqualTo("pong");
            clientGotPong.set();
            assertThat(c.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void writesLargerThanTheBatchOrFillingItKeepTheirOrder() throws Exception {
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        List<byte[]> pieces = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            pieces.add(piece(i, 1 + i % 97));
        }
        pieces.add(50, piece(7, 300_000)); // larger than half the batch: written at once, in order
        pieces.add(300, piece(9, 1_000));
        for (byte[] p : pieces) {
            expected.write(p);
        }
        StreamServer s = start(1024, c -> {
            for (byte[] p : pieces) {
                c.sendAll(ByteBuffer.wrap(p));
            }
        });
        try (Socket c = client(s)) {
            assertThat(c.getInputStream().readAllBytes()).isEqualTo(expected.toByteArray());
        }
    }

    @Test
    void theHubFinishesABatchTheSocketTookOnlyPartlyWhileItsGreenletWaits() throws Exception {
        Event clientReadAll = new Event();
        int total = 400_000;
        StreamServer s = start(1 << 20, c -> {
            c.tcp().setOption(StandardSocketOptions.SO_SNDBUF, 4096);
            for (int i = 0; i < total / 100; i++) {
                c.sendAll(piece(i, 100));
            }
            clientReadAll.await(); // parked: the hub writes what the socket takes, then the rest as it drains
        });
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int i = 0; i < total / 100; i++) {
            expected.write(piece(i, 100));
        }
        Socket c = new Socket();
        c.setReceiveBufferSize(4096);
        c.connect(s.address(), (int) LONG.toMillis());
        c.setSoTimeout((int) LONG.toMillis());
        try (c) {
            assertThat(c.getInputStream().readNBytes(total)).isEqualTo(expected.toByteArray());
            clientReadAll.set();
            assertThat(c.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void aFlushThatParksOnAFullSocketIsNotWrittenAgainByTheHub() throws Exception {
        // Each batch fills in one slice, so the hub's after-slice flush is armed when the
        // greenlet's own flush (the batch is full) parks on the full socket mid-buffer.
        int pieces = 6_000;
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int i = 0; i < pieces; i++) {
            expected.write(piece(i, 1 + i % 1000));
        }
        StreamServer s = start(4096, c -> {
            c.tcp().setOption(StandardSocketOptions.SO_SNDBUF, 4096);
            for (int i = 0; i < pieces; i++) {
                c.sendAll(piece(i, 1 + i % 1000));
            }
        });
        Socket c = new Socket();
        c.setReceiveBufferSize(4096);
        c.connect(s.address(), (int) LONG.toMillis());
        c.setSoTimeout((int) LONG.toMillis());
        try (c) {
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] chunk = new byte[700]; // a slow reader: the server's socket fills again and again
            for (int n; (n = c.getInputStream().read(chunk)) >= 0; ) {
                got.write(chunk, 0, n);
            }
            assertThat(got.size()).isEqualTo(expected.size());
            assertThat(got.toByteArray()).isEqualTo(expected.toByteArray());
        }
    }

    @Test
    void aWriteToAClosedConnectionFailsAtOnceAsAnUnbatchedOneDoes() throws Exception {
        CompletableFuture<Throwable> write = new CompletableFuture<>();
        StreamServer s = start(4096, c -> {
            c.close();
            try {
                c.sendAll("lost".getBytes(US_ASCII)); // the handler's last call: a later one cannot report it
                write.complete(null);
            } catch (Throwable e) {
                write.complete(e);
            }
        });
        try (Socket c = client(s)) {
            assertThat(write.get(LONG.toMillis(), TimeUnit.MILLISECONDS)).isInstanceOf(SocketException.class)
                    .hasMessage("Socket closed");
            assertThat(c.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void aBatchedWriteThatFailsAfterTheGreenletMovedOnFailsItsNextCall() throws Exception {
        Event clientReset = new Event();
        CompletableFuture<Throwable> next = new CompletableFuture<>();
        StreamServer s = start(4096, c -> {
            clientReset.await();
            Gevent.sleep(SHORT); // the reset reaches the socket
            c.sendAll("lost".getBytes(US_ASCII)); // batched: no error yet
            Gevent.sleep(SHORT); // the hub's write fails here
            try {
                c.sendAll("x".getBytes(US_ASCII));
                next.complete(null);
            } catch (Throwable e) {
                next.complete(e);
            }
        });
        Socket c = client(s);
        c.setSoLinger(true, 0);
        c.close(); // a reset
        clientReset.set();
        Throwable e = next.get(LONG.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(e).isInstanceOf(SocketException.class)
                .hasMessageContaining("a batched write of 4 bytes failed after the greenlet had moved on")
                .cause().isInstanceOf(IOException.class);
    }

    @Test
    void theStreamViewsGoThroughTheBatch() throws Exception {
        StreamServer s = start(4096, c -> {
            OutputStream out = c.outputStream();
            InputStream in = c.inputStream();
            out.write('a');
            out.write("bc".getBytes(US_ASCII));
            int b = in.read(); // parks: "abc" goes out
            out.write(b);
            out.flush();
            in.read();
        });
        try (Socket c = client(s)) {
            assertThat(new String(c.getInputStream().readNBytes(3), US_ASCII)).isEqualTo("abc");
            c.getOutputStream().write('z');
            assertThat(c.getInputStream().read()).isEqualTo('z');
        }
    }

    @Test
    void badBatchSizesAndTlsAreRefusedPrecisely() {
        StreamServer.Handler h = c -> { };
        assertThatThrownBy(() -> StreamServer.builder(h).batchWrites(100))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("batchWrites(100): 0 (off) or 256 to 16777216 bytes");
        assertThatThrownBy(() -> StreamServer.builder(h).batchWrites(-1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StreamServer.builder(h).batchWrites(4096)
                .ssl(javax.net.ssl.SSLContext.getDefault()).listen("127.0.0.1:0").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("batchWrites(4096) is for plain TCP");
    }
}
