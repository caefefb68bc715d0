package io.gevent4j.http;

import static io.gevent4j.testkit.Delays.LONG;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.server.SelfSignedTls;
import io.gevent4j.socket.TcpListener;
import io.gevent4j.socket.TcpSocket;
import io.gevent4j.ssl.SslSocket;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code java.io.InputStream}/{@code OutputStream} contract, written once in
 * {@link InputContract} and {@link OutputContract} and inherited by every stream the library
 * hands out: request bodies (each framing, as a handler sees them, over real loopback), the
 * framing decoders on byte arrays, response bodies (ours and the JDK provider's), and the TCP
 * and TLS socket views. Zero-length reads return 0 at once and zero-length writes write
 * nothing; bad arguments throw before anything is read or written; end of stream is -1 every
 * time; {@code available} never over-reports; {@code skip}, {@code readNBytes},
 * {@code transferTo} work on top; close is idempotent and a closed stream refuses reads and
 * writes with an {@link IOException}.
 */
class StreamContractTest {
    /** 300 bytes, every value different from its neighbours, all 8 bits used. */
    static final byte[] CONTENT = new byte[300];

    static {
        for (int i = 0; i < CONTENT.length; i++) {
            CONTENT[i] = (byte) (i * 31 + 7);
        }
    }

    static final InetSocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    @TempDir
    static Path tlsDir;

    static SSLContext tls;

    @BeforeAll
    static void makeTls() throws Exception {
        tls = SelfSignedTls.context(tlsDir);
    }

    @FunctionalInterface
    interface StreamCheck<S> {
        void check(S stream) throws Exception;
    }

    /** Base of both contracts: a hub per test, and greenlets whose failures are rethrown here. */
    abstract static class OnHub {
        Hub hub;

        @BeforeEach
        void startHub() {
            hub = Hub.start("stream-contract");
        }

        @AfterEach
        void closeHub() {
            assertThat(hub.close(LONG)).isTrue();
        }

        static <T> T outcome(Greenlet<T> g) throws Exception {
            assertThat(g.join(LONG)).as("greenlet finished").isTrue();
            Throwable e = g.exception();
            if (e instanceof CompletionException && e.getCause() != null) {
                e = e.getCause();
            }
            if (e instanceof Exception ex) {
                throw ex;
            }
            if (e instanceof Error err) {
                throw err;
            }
            return g.value();
        }

        /** Runs an HTTP server on the hub for the length of {@code body}. */
        HttpServer server(HttpHandler h) throws IOException {
            return HttpServer.builder(h).hub(hub).listen("127.0.0.1:0").build().start();
        }

        /** One response after any 1xx. */
        static RawClient.Response finalResponse(RawClient c) throws IOException {
            RawClient.Response r;
            do {
                r = c.read();
            } while (r != null && r.status() < 200);
            return r;
        }
    }

    // ================================================================ InputStream

    abstract static class InputContract extends OnHub {
        /** What the stream delivers before its end. */
        byte[] content() {
            return CONTENT;
        }

        /** Runs {@code check} on a fresh stream of {@link #content()}; rethrows what it threw. */
        abstract void withStream(StreamCheck<InputStream> check) throws Exception;

        /** False for internal decoders whose close belongs to the view around them. */
        boolean closeable() {
            return true;
        }

        @Test
        void zeroLengthReadsReturnZeroAtOnceEvenAtTheEnd() throws Exception {
            byte[] content = content();
            withStream(in -> {
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                byte[] b = new byte[7];
                for (;;) {
                    assertThat(in.read(b, 0, 0)).isZero();
                    assertThat(in.read(b, 7, 0)).isZero();
                    assertThat(in.read(new byte[0])).isZero();
                    byte[] piece = in.readNBytes(7); // ends with a zero-length read when the piece is full
                    got.writeBytes(piece);
                    if (piece.length < 7) {
                        break;
                    }
                }
                assertThat(got.toByteArray()).isEqualTo(content);
                assertThat(in.read(b, 3, 0)).as("zero-length read after the end").isZero();
                assertThat(in.read()).isEqualTo(-1);
                assertThat(in.read(b, 0, 0)).isZero();
            });
        }

        @Test
        void badArgumentsThrowAndConsumeNothing() throws Exception {
            byte[] content = content();
            withStream(in -> {
                byte[] b = new byte[10];
                assertThatThrownBy(() -> in.read(null, 0, 1)).isInstanceOf(NullPointerException.class);
                assertThatThrownBy(() -> in.read(b, -1, 1)).isInstanceOf(IndexOutOfBoundsException.class);
                assertThatThrownBy(() -> in.read(b, 0, 11)).isInstanceOf(IndexOutOfBoundsException.class);
                assertThatThrownBy(() -> in.read(b, 5, -1)).isInstanceOf(IndexOutOfBoundsException.class);
                assertThatThrownBy(() -> in.read(b, 11, 0)).isInstanceOf(IndexOutOfBoundsException.class);
                assertThatThrownBy(() -> in.readNBytes(-1)).isInstanceOf(IllegalArgumentException.class);
                assertThat(in.readAllBytes()).isEqualTo(content);
            });
        }

        @Test
        void endOfStreamIsMinusOneEveryTime() throws Exception {
            byte[] content = content();
            withStream(in -> {
                assertThat(in.readAllBytes()).isEqualTo(content);
                byte[] b = new byte[8];
                for (int i = 0; i < 3; i++) {
                    assertThat(in.read()).isEqualTo(-1);
                    assertThat(in.read(b)).isEqualTo(-1);
                    assertThat(in.read(b, 2, 5)).isEqualTo(-1);
                }
                assertThat(in.readAllBytes()).isEmpty();
                assertThat(in.readNBytes(5)).isEmpty();
                assertThat(in.skip(10)).isZero();
                assertThat(in.available()).isZero();
                assertThat(in.transferTo(OutputStream.nullOutputStream())).isZero();
            });
        }

        @Test
        void readNBytesOfExactlyTheLengthThenEnd() throws Exception {
            byte[] content = content();
            withStream(in -> {
                assertThat(in.readNBytes(content.length)).isEqualTo(content);
                assertThat(in.read()).isEqualTo(-1);
            });
        }

        @Test
        void singleByteReadsDeliverUnsignedValues() throws Exception {
            byte[] content = content();
            withStream(in -> {
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                for (int c; (c = in.read()) >= 0; ) {
                    assertThat(c).isBetween(0, 255);
                    got.write(c);
                }
                assertThat(got.toByteArray()).isEqualTo(content);
            });
        }

        @Test
        void skipAndSkipNBytes() throws Exception {
            byte[] content = content();
            withStream(in -> {
                assertThat(in.skip(0)).isZero();
                assertThat(in.skip(-5)).isZero();
                int at = 0;
                if (content.length >= 20) {
                    in.skipNBytes(10);
                    at = 10;
                    assertThat(in.readNBytes(5)).isEqualTo(Arrays.copyOfRange(content, 10, 15));
                    at = 15;
                    long s = in.skip(3);
                    assertThat(s).isBetween(0L, 3L);
                    at += (int) s;
                }
                assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(content, at, content.length));
                assertThat(in.skip(100)).isZero();
                in.skipNBytes(0);
                assertThatThrownBy(() -> in.skipNBytes(1)).isInstanceOf(EOFException.class);
            });
        }

        @Test
        void availableNeverOverReports() throws Exception {
            byte[] content = content();
            withStream(in -> {
                int at = 0;
                for (;;) {
                    int a = in.available();
                    assertThat(a).as("available at %d", at).isBetween(0, content.length - at);
                    if (a > 0) { // what available() promised is there: reading it returns it all
                        byte[] b = new byte[a];
                        assertThat(in.read(b, 0, a)).isEqualTo(a);
                        assertThat(b).isEqualTo(Arrays.copyOfRange(content, at, at + a));
                        at += a;
                    } else {
                        int c = in.read();
                        if (c < 0) {
                            break;
                        }
                        assertThat((byte) c).isEqualTo(content[at]);
                        at++;
                    }
                }
                assertThat(at).isEqualTo(content.length);
                assertThat(in.available()).isZero();
            });
        }

        @Test
        void transferToMovesEverything() throws Exception {
            byte[] content = content();
            withStream(in -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                assertThat(in.transferTo(out)).isEqualTo(content.length);
                assertThat(out.toByteArray()).isEqualTo(content);
                assertThat(in.transferTo(out)).isZero();
            });
        }

        @Test
        void closeIsIdempotentAndReadsAfterItThrow() throws Exception {
            org.junit.jupiter.api.Assumptions.assumeTrue(closeable(), "the view around this decoder owns close");
            byte[] content = content();
            withStream(in -> {
                if (content.length > 0) {
                    assertThat(in.read()).isEqualTo(content[0] & 0xff);
                }
                in.close();
                in.close();
                assertThatThrownBy(in::read).isInstanceOf(IOException.class);
                assertThatThrownBy(() -> in.read(new byte[4], 0, 4)).isInstanceOf(IOException.class);
                assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class);
                assertThat(in.available()).isZero();
            });
        }
    }

    /**
     * A request body as the handler sees it: the handler runs the check and answers 200, and a
     * second request on the same connection must still be served (the server drained the
     * body right).
     */
    abstract static class RequestBodyContract extends InputContract {
        /** The request carrying {@link #content()}. */
        abstract String request();

        @Override
        void withStream(StreamCheck<InputStream> check) throws Exception {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            HttpServer s = server((req, res) -> {
                if (req.path().equals("/check")) {
                    try {
                        check.check(req.body());
                    } catch (Throwable t) {
                        failure.set(t);
                    }
                }
                res.send(200, req.path());
            });
            try (RawClient c = new RawClient(s.address(), LONG)) {
                c.send(request());
                RawClient.Response r = finalResponse(c);
                rethrow(failure.get());
                assertThat(r.status()).isEqualTo(200);
                c.send("GET /next HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(c.read().text()).as("keep-alive goes on after the body").isEqualTo("/next");
            } finally {
                s.stop(java.time.Duration.ZERO);
            }
        }

        static void rethrow(Throwable t) throws Exception {
            if (t instanceof Exception e) {
                throw e;
            }
            if (t instanceof Error e) {
                throw e;
            }
        }

        static String text(byte[] b) {
            return new String(b, ISO_8859_1);
        }
    }

    /** Content split in 7-byte chunks, some with extensions, then trailers. */
    static String chunked(byte[] content) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < content.length; i += 7) {
            int n = Math.min(7, content.length - i);
            sb.append(Integer.toHexString(n)).append(i % 2 == 0 ? ";ext=1" : "").append("\r\n")
                    .append(new String(content, i, n, ISO_8859_1)).append("\r\n");
        }
        return sb.append("0\r\nX-Checksum: abc\r\nX-More: 1\r\n\r\n").toString();
    }

    @Nested
    class ContentLengthBody extends RequestBodyContract {
        @Override
        String request() {
            return "POST /check HTTP/1.1\r\nHost: x\r\nContent-Length: " + CONTENT.length + "\r\n\r\n" + text(CONTENT);
        }
    }

    @Nested
    class ChunkedBodyWithTrailers extends RequestBodyContract {
        @Override
        String request() {
            return "POST /check HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(CONTENT);
        }
    }

    @Nested
    class ExpectContinueBody extends RequestBodyContract {
        @Override
        String request() {
            return "POST /check HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: " + CONTENT.length
                    + "\r\n\r\n" + text(CONTENT);
        }
    }

    @Nested
    class NoBody extends RequestBodyContract {
        @Override
        byte[] content() {
            return new byte[0];
        }

        @Override
        String request() {
            return "GET /check HTTP/1.1\r\nHost: x\r\n\r\n";
        }
    }

    /** The framing decoders alone, on byte arrays delivered in odd pieces. */
    abstract static class DecoderContract extends InputContract {
        abstract InputStream decoder(HttpInput in);

        abstract byte[] encoded();

        @Override
        boolean closeable() {
            return false;
        }

        @Override
        void withStream(StreamCheck<InputStream> check) throws Exception {
            byte[] data = encoded();
            HttpInput in = new HttpInput(RequestSplitInvarianceTest.pieces(data, 1, 5, 17, 100, data.length - 3), 64, 64 * 1024);
            check.check(decoder(in));
        }
    }

    @Nested
    class ChunkedDecoder extends DecoderContract {
        @Override
        InputStream decoder(HttpInput in) {
            return new ChunkedInput(in, 1024, Long.MAX_VALUE);
        }

        @Override
        byte[] encoded() {
            return chunked(CONTENT).getBytes(ISO_8859_1);
        }
    }

    @Nested
    class FixedLengthDecoder extends DecoderContract {
        @Override
        InputStream decoder(HttpInput in) {
            return new FixedLengthInput(in, CONTENT.length);
        }

        @Override
        byte[] encoded() {
            byte[] more = Arrays.copyOf(CONTENT, CONTENT.length + 20); // the next request's bytes follow
            Arrays.fill(more, CONTENT.length, more.length, (byte) 'G');
            return more;
        }
    }

    /** A socket view: a peer greenlet sends the content and closes; the check reads. */
    abstract static class SocketInputContract extends InputContract {
        /** The stream over the client side; {@code tcp} is closed afterwards in any case. */
        abstract InputStream clientStream(TcpSocket tcp) throws IOException;

        /** Sends the content from the accepted side and closes it cleanly. */
        abstract void serve(TcpSocket accepted) throws IOException;

        @Override
        void withStream(StreamCheck<InputStream> check) throws Exception {
            try (TcpListener listener = TcpListener.bind(LOOPBACK)) {
                Greenlet<Void> peer = hub.spawn(() -> {
                    try (TcpSocket accepted = listener.accept().timeout(LONG)) {
                        serve(accepted);
                    } catch (IOException ignored) {
                        // the check may close its side first
                    }
                });
                Greenlet<Void> reader = hub.spawn(() -> {
                    try (TcpSocket tcp = TcpSocket.connect(listener.localAddress(), LONG).timeout(LONG)) {
                        check.check(clientStream(tcp));
                    }
                    return null;
                });
                outcome(reader);
                outcome(peer);
            }
        }
    }

    @Nested
    class TcpSocketInput extends SocketInputContract {
        @Override
        InputStream clientStream(TcpSocket tcp) {
            return tcp.inputStream();
        }

        @Override
        void serve(TcpSocket accepted) throws IOException {
            accepted.sendAll(CONTENT);
        }
    }

    @Nested
    class SslSocketInput extends SocketInputContract {
        @Override
        InputStream clientStream(TcpSocket tcp) throws IOException {
            return SslSocket.client(tcp, tls, "localhost").inputStream();
        }

        @Override
        void serve(TcpSocket accepted) throws IOException {
            try (SslSocket s = SslSocket.server(accepted, tls)) {
                s.sendAll(java.nio.ByteBuffer.wrap(CONTENT));
            }
        }
    }

    // ================================================================ OutputStream

    abstract static class OutputContract extends OnHub {
        /** Runs {@code use} on a fresh stream and returns what the other end received. */
        abstract byte[] written(StreamCheck<OutputStream> use) throws Exception;

        @Test
        void zeroLengthWritesWriteNothing() throws Exception {
            byte[] got = written(out -> {
                out.write(new byte[0]);
                out.write(CONTENT, 10, 0);
                out.write(CONTENT, CONTENT.length, 0);
                for (int i = 0; i < CONTENT.length; i += 50) {
                    out.write(CONTENT, i, 50);
                    out.write(CONTENT, i, 0);
                }
                out.close();
            });
            assertThat(got).isEqualTo(CONTENT);
        }

        @Test
        void badArgumentsThrowAndWriteNothing() throws Exception {
            byte[] got = written(out -> {
                assertThatThrownBy(() -> out.write(null, 0, 1)).isInstanceOf(NullPointerException.class);
                assertThatThrownBy(() -> out.write(CONTENT, -1, 1)).isInstanceOf(IndexOutOfBoundsException.class);
                assertThatThrownBy(() -> out.write(CONTENT, 0, CONTENT.length + 1))
                        .isInstanceOf(IndexOutOfBoundsException.class);
                assertThatThrownBy(() -> out.write(CONTENT, 1, -1)).isInstanceOf(IndexOutOfBoundsException.class);
                out.write(CONTENT);
                out.close();
            });
            assertThat(got).isEqualTo(CONTENT);
        }

        @Test
        void singleByteWritesTakeTheLowEightBits() throws Exception {
            byte[] got = written(out -> {
                for (byte b : CONTENT) {
                    out.write((b & 0xff) | 0x7f00); // the high bits are ignored
                }
                out.close();
            });
            assertThat(got).isEqualTo(CONTENT);
        }

        @Test
        void transferToTheStream() throws Exception {
            byte[] got = written(out -> {
                assertThat(new ByteArrayInputStream(CONTENT).transferTo(out)).isEqualTo(CONTENT.length);
                out.close();
            });
            assertThat(got).isEqualTo(CONTENT);
        }

        @Test
        void closeIsIdempotentFlushAfterItIsHarmlessAndWritesAfterItThrow() throws Exception {
            byte[] got = written(out -> {
                out.write(CONTENT);
                out.flush();
                out.close();
                out.close();
                out.flush();
                assertThatThrownBy(() -> out.write(1)).isInstanceOf(IOException.class);
                assertThatThrownBy(() -> out.write(CONTENT, 0, 3)).isInstanceOf(IOException.class);
            });
            assertThat(got).isEqualTo(CONTENT);
        }
    }

    /** A response body: the handler runs the check; the client reads the body, then a second request. */
    abstract static class ResponseBodyContract extends OutputContract {
        /** Prepares the response (length, headers) and returns the body stream. */
        abstract OutputStream open(HttpResponse res) throws IOException;

        @Override
        byte[] written(StreamCheck<OutputStream> use) throws Exception {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            HttpServer s = server((req, res) -> {
                if (!req.path().equals("/check")) {
                    res.send(200, req.path());
                    return;
                }
                try {
                    use.check(open(res));
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            try (RawClient c = new RawClient(s.address(), LONG)) {
                c.send("GET /check HTTP/1.1\r\nHost: x\r\n\r\n");
                RawClient.Response r = c.read();
                RequestBodyContract.rethrow(failure.get());
                assertThat(r.status()).isEqualTo(200);
                c.send("GET /next HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(c.read().text()).as("keep-alive goes on after the body").isEqualTo("/next");
                return r.body();
            } finally {
                s.stop(java.time.Duration.ZERO);
            }
        }
    }

    @Nested
    class FixedLengthResponse extends ResponseBodyContract {
        @Override
        OutputStream open(HttpResponse res) {
            return res.contentLength(CONTENT.length).outputStream();
        }
    }

    @Nested
    class ChunkedResponse extends ResponseBodyContract {
        @Override
        OutputStream open(HttpResponse res) {
            return res.outputStream();
        }
    }

    /** The JDK provider's {@code HttpExchange.getResponseBody()}, through unchanged JDK-API code. */
    @Nested
    class JdkExchangeResponse extends OutputContract {
        @Override
        byte[] written(StreamCheck<OutputStream> use) throws Exception {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(LOOPBACK, 0);
            server.createContext("/", ex -> {
                ex.sendResponseHeaders(200, 0); // chunked
                try {
                    use.check(ex.getResponseBody());
                } catch (Throwable t) {
                    failure.set(t);
                }
                ex.close();
            });
            server.start();
            try (RawClient c = new RawClient(server.getAddress(), LONG)) {
                c.send("GET /check HTTP/1.1\r\nHost: x\r\n\r\n");
                RawClient.Response r = c.read();
                RequestBodyContract.rethrow(failure.get());
                assertThat(r.status()).isEqualTo(200);
                return r.body();
            } finally {
                server.stop(0);
            }
        }
    }

    /** A socket view: the check writes to the client side; a peer greenlet reads to the end. */
    abstract static class SocketOutputContract extends OutputContract {
        abstract OutputStream clientStream(TcpSocket tcp) throws IOException;

        /** Reads everything the client sends, up to its close. */
        abstract byte[] receive(TcpSocket accepted) throws IOException;

        @Override
        byte[] written(StreamCheck<OutputStream> use) throws Exception {
            try (TcpListener listener = TcpListener.bind(LOOPBACK)) {
                Greenlet<byte[]> peer = hub.spawn(() -> {
                    try (TcpSocket accepted = listener.accept().timeout(LONG)) {
                        return receive(accepted);
                    }
                });
                Greenlet<Void> writer = hub.spawn(() -> {
                    try (TcpSocket tcp = TcpSocket.connect(listener.localAddress(), LONG).timeout(LONG)) {
                        use.check(clientStream(tcp));
                    }
                    return null;
                });
                outcome(writer);
                return outcome(peer);
            }
        }
    }

    @Nested
    class TcpSocketOutput extends SocketOutputContract {
        @Override
        OutputStream clientStream(TcpSocket tcp) {
            return tcp.outputStream();
        }

        @Override
        byte[] receive(TcpSocket accepted) throws IOException {
            return accepted.inputStream().readAllBytes();
        }
    }

    @Nested
    class SslSocketOutput extends SocketOutputContract {
        @Override
        OutputStream clientStream(TcpSocket tcp) throws IOException {
            return SslSocket.client(tcp, tls, "localhost").outputStream();
        }

        @Override
        byte[] receive(TcpSocket accepted) throws IOException {
            try (SslSocket s = SslSocket.server(accepted, tls)) {
                return s.inputStream().readAllBytes();
            }
        }
    }
}
