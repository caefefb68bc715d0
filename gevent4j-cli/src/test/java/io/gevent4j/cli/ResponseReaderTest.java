package io.gevent4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.Gevent;
import io.gevent4j.socket.TcpSocket;
import java.io.EOFException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Response framing, fed byte-exact over loopback, each chunk in its own write (so in its own read, usually). */
class ResponseReaderTest {

    interface ReadAll {
        void read(ResponseReader reader) throws Exception;
    }

    /** A peer on a platform thread writes {@code chunks} then closes; {@code body} reads them in a greenlet. */
    static void exchange(List<String> chunks, ReadAll body) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread peer = Thread.ofPlatform().name("response-peer").start(() -> {
                try (Socket s = server.accept()) {
                    for (String c : chunks) {
                        s.getOutputStream().write(c.getBytes(StandardCharsets.ISO_8859_1));
                        s.getOutputStream().flush();
                    }
                } catch (java.io.IOException ignored) {
                    // the reader went away early: the test's assertions say what mattered
                }
            });
            try {
                Gevent.run(() -> {
                    try (TcpSocket s = TcpSocket.connect(
                            new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()))) {
                        body.read(new ResponseReader(s));
                    }
                    return null;
                });
            } finally {
                peer.join();
            }
        }
    }

    @Test
    void pipelinedResponsesInOneWriteAreSplitInOrder() throws Exception {
        List<ResponseReader.Response> got = new ArrayList<>();
        exchange(List.of("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 404 Nope\r\ncontent-length: 0\r\n\r\n"
                        + "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nrest of stream"),
                r -> {
                    got.add(r.read(false));
                    got.add(r.read(false));
                    got.add(r.read(false));
                });
        assertThat(got).extracting(ResponseReader.Response::status).containsExactly(200, 404, 200);
        assertThat(got).extracting(ResponseReader.Response::bodyLength).containsExactly(2L, 0L, 14L);
        assertThat(got).extracting(ResponseReader.Response::keepAlive).containsExactly(true, true, false);
    }

    @Test
    void chunkedBodiesWithExtensionsAndTrailersSplitAcrossReads() throws Exception {
        List<ResponseReader.Response> got = new ArrayList<>();
        exchange(List.of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhel", "lo\r\n",
                        "6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n", "HTTP/1.0 204 No Content\r\n\r\n"),
                r -> {
                    got.add(r.read(false));
                    got.add(r.read(false));
                });
        assertThat(got.get(0)).isEqualTo(new ResponseReader.Response(200, 11, true, got.get(0).wireBytes()));
        assertThat(got.get(1).status()).isEqualTo(204);
        assertThat(got.get(1).keepAlive()).isFalse(); // HTTP/1.0 without keep-alive
    }

    @Test
    void headResponsesHaveNoBodyWhateverTheirContentLength() throws Exception {
        exchange(List.of("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
                r -> {
                    assertThat(r.read(true).bodyLength()).isZero();
                    assertThat(r.read(true).status()).isEqualTo(200);
                });
    }

    @Test
    void malformedAndTruncatedResponsesAreTold() throws Exception {
        exchange(List.of("SSH-2.0-OpenSSH\r\n\r\n"), r -> assertThatThrownBy(() -> r.read(false))
                .isInstanceOf(ResponseReader.MalformedResponse.class).hasMessageContaining("bad status line"));
        exchange(List.of("HTTP/1.1 200 OK\r\nContent-Length: x1\r\n\r\n"), r -> assertThatThrownBy(() -> r.read(false))
                .isInstanceOf(ResponseReader.MalformedResponse.class).hasMessageContaining("Content-Length"));
        exchange(List.of("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"), r -> assertThatThrownBy(() -> r.read(false))
                .isInstanceOf(EOFException.class).hasMessageContaining("5 bytes of the body missing"));
        exchange(List.of("HTTP/1.1 200 OK\r\nContent-Le"), r -> assertThatThrownBy(() -> r.read(false))
                .isInstanceOf(EOFException.class).isNotInstanceOf(ResponseReader.ClosedBeforeResponse.class));
        exchange(List.of(), r -> assertThatThrownBy(() -> r.read(false))
                .isInstanceOf(ResponseReader.ClosedBeforeResponse.class));
    }

    @Test
    void aHeadLargerThanTheFirstBufferGrowsItAndAHugeOneIsRefused() throws Exception {
        String big = "X-Big: " + "a".repeat(20_000) + "\r\n";
        exchange(List.of("HTTP/1.1 200 OK\r\n" + big + "Content-Length: 1\r\n\r\n!"),
                r -> assertThat(r.read(false).bodyLength()).isEqualTo(1));
        String huge = "X-Huge: " + "a".repeat(ResponseReader.MAX_HEAD) + "\r\n";
        exchange(List.of("HTTP/1.1 200 OK\r\n" + huge + "\r\n"), r -> assertThatThrownBy(() -> r.read(false))
                .isInstanceOf(ResponseReader.MalformedResponse.class).hasMessageContaining("longer than"));
    }
}
