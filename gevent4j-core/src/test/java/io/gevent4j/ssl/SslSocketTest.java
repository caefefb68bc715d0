package io.gevent4j.ssl;

import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Gevent;
import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.socket.TcpListener;
import io.gevent4j.socket.TcpSocket;
import io.gevent4j.testkit.Delays;
import io.gevent4j.testkit.Probe;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SslSocketTest {
    static final Duration SHORT = Delays.scaled(100);
    static final Duration LONG = Delays.VERY_LONG;

    @TempDir
    static Path certDir;
    static TestCertificates certs;

    Hub hub;
    TcpListener listener;

    @BeforeAll
    static void makeCertificates() throws Exception {
        certs = TestCertificates.create(certDir);
    }

    @BeforeEach
    void start() throws Exception {
        hub = Hub.start("ssl-test");
        listener = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterEach
    void stop() throws Exception {
        listener.close();
        assertThat(hub.close(LONG)).isTrue();
    }

    static Throwable failure(Greenlet<?> g) {
        g.join(LONG);
        assertThat(g.ready()).isTrue();
        Throwable e = g.exception();
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    /** Accepts one connection and runs a TLS server handshake plus {@code then} on it. */
    <T> Greenlet<T> serve(SSLContext ctx, SSLParameters params, ServerBody<T> then) {
        return hub.spawn(() -> {
            TcpSocket tcp = listener.accept().timeout(LONG);
            try (SslSocket tls = SslSocket.server(tcp, ctx, params)) {
                return then.run(tls);
            } finally {
                tcp.close();
            }
        });
    }

    interface ServerBody<T> {
        T run(SslSocket tls) throws Exception;
    }

    <T> Greenlet<T> client(Callable<T> body) {
        return hub.spawn(body);
    }

    TcpSocket connectTcp() throws Exception {
        return TcpSocket.connect(listener.localAddress(), LONG);
    }

    @Test
    void handshakeEchoSniAlpnAndPeerCertificate() throws Exception {
        SSLContext serverCtx = certs.context("server.p12", null);
        SSLParameters sp = serverCtx.getDefaultSSLParameters();
        sp.setApplicationProtocols(new String[] {"echo/1", "http/1.1"});
        Greenlet<String> server = serve(serverCtx, sp, tls -> {
            String sni = ((ExtendedSSLSession) tls.session()).getRequestedServerNames().stream()
                    .map(n -> ((SNIHostName) n).getAsciiName()).findFirst().orElse("none");
            byte[] data = tls.recv(100);
            tls.sendAll(data);
            assertThat(tls.recv(100)).isEmpty(); // the client's close_notify
            return sni + " " + tls.applicationProtocol().orElse("-");
        });
        Greenlet<String> client = client(() -> {
            SSLContext ctx = certs.context(null, "trust.p12");
            SSLParameters p = ctx.getDefaultSSLParameters();
            p.setApplicationProtocols(new String[] {"echo/1"});
            try (SslSocket tls = SslSocket.client(connectTcp(), ctx, "localhost", p)) {
                assertThat(tls.applicationProtocol()).contains("echo/1");
                X509Certificate leaf = (X509Certificate) tls.peerCertificates().getFirst();
                assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=localhost");
                tls.sendAll("over TLS".getBytes(StandardCharsets.UTF_8));
                return new String(tls.recv(100), StandardCharsets.UTF_8);
            }
        });
        assertThat(client.result(LONG)).isEqualTo("over TLS");
        assertThat(server.result(LONG)).isEqualTo("localhost echo/1");
    }

    @Test
    void tlsStartedRightAfterPlainBytesSendsItsHandshakeAfterThem() throws Exception {
        // STARTTLS without waiting for an answer: on an io_uring hub the plain bytes are still
        // queued in the ring when the ClientHello is written; it must not overtake them.
        SSLContext serverCtx = certs.context("server.p12", null);
        byte[] preamble = "STARTTLS\n".getBytes(StandardCharsets.US_ASCII);
        Greenlet<String> server = hub.spawn(() -> {
            TcpSocket tcp = listener.accept().timeout(LONG);
            try {
                byte[] pre = new byte[preamble.length];
                for (int got = 0; got < pre.length; ) {
                    byte[] b = tcp.recv(pre.length - got);
                    assertThat(b).as("the preamble, then the handshake").isNotEmpty();
                    System.arraycopy(b, 0, pre, got, b.length);
                    got += b.length;
                }
                try (SslSocket tls = SslSocket.server(tcp, serverCtx)) {
                    return new String(pre, StandardCharsets.US_ASCII) + new String(tls.recv(100), StandardCharsets.UTF_8);
                }
            } finally {
                tcp.close();
            }
        });
        Greenlet<Void> client = client(() -> {
            TcpSocket tcp = connectTcp();
            tcp.sendAll(preamble);
            try (SslSocket tls = SslSocket.client(tcp, certs.context(null, "trust.p12"), "localhost")) {
                tls.sendAll("secret".getBytes(StandardCharsets.UTF_8));
            } finally {
                tcp.close();
            }
            return null;
        });
        client.result(LONG);
        assertThat(server.result(LONG)).isEqualTo("STARTTLS\nsecret");
    }

    @Test
    void largeTransfersBothWaysAndStreams() throws Exception {
        SSLContext serverCtx = certs.context("server.p12", null);
        byte[] payload = new byte[3 * 1024 * 1024 + 17];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (i * 31);
        }
        Greenlet<Void> server = serve(serverCtx, serverCtx.getDefaultSSLParameters(), tls -> {
            byte[] got = tls.inputStream().readNBytes(payload.length);
            tls.outputStream().write(got);
            return null;
        });
        Greenlet<byte[]> client = client(() -> {
            try (SslSocket tls = SslSocket.client(connectTcp(), certs.context(null, "trust.p12"), "localhost")) {
                Greenlet<Void> writer = Gevent.spawn(() -> {
                    tls.sendAll(ByteBuffer.wrap(payload)); // full duplex: another greenlet writes
                    return null;
                });
                byte[] back = tls.inputStream().readNBytes(payload.length);
                writer.result(LONG);
                return back;
            }
        });
        assertThat(Arrays.equals(client.result(LONG), payload)).isTrue();
        server.result(LONG);
    }

    @Test
    void untrustedCertificateFailsWithAPreciseError() throws Exception {
        SSLContext rogue = certs.context("rogue.p12", null);
        Greenlet<Object> server = serve(rogue, rogue.getDefaultSSLParameters(), tls -> null);
        Greenlet<SslSocket> client = client(() -> SslSocket.client(connectTcp(), certs.context(null, "trust.p12"), "localhost"));
        assertThat(failure(client)).isInstanceOf(SSLHandshakeException.class)
                .hasMessageContaining("localhost:")
                .hasMessageContaining("PKIX path building failed");
        assertThat(failure(server)).isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void hostNamesAreVerifiedByDefault() throws Exception {
        SSLContext serverCtx = certs.context("server.p12", null);
        Greenlet<Object> server = serve(serverCtx, serverCtx.getDefaultSSLParameters(), tls -> null);
        Greenlet<SslSocket> client = client(() -> SslSocket.client(connectTcp(), certs.context(null, "trust.p12"), "www.example.test"));
        assertThat(failure(client)).isInstanceOf(SSLHandshakeException.class)
                .hasMessageContaining("www.example.test")
                .hasMessageContaining("No subject alternative DNS name matching www.example.test");
        failure(server);
    }

    @Test
    void clientCertificatesWhenTheServerNeedsThem() throws Exception {
        SSLContext serverCtx = certs.context("server.p12", "trust.p12");
        SSLParameters need = serverCtx.getDefaultSSLParameters();
        need.setNeedClientAuth(true);
        // Without a client certificate: refused.
        Greenlet<Object> refused = serve(serverCtx, need, tls -> null);
        Greenlet<String> anonymous = client(() -> {
            try (SslSocket tls = SslSocket.client(connectTcp(), certs.context(null, "trust.p12"), "localhost")) {
                return new String(tls.recv(10)); // TLS 1.3: the server's verdict arrives after the client's Finished
            }
        });
        assertThat(failure(refused)).isInstanceOf(SSLHandshakeException.class).hasMessageContaining("certificate");
        assertThat(failure(anonymous)).isInstanceOfAny(SSLHandshakeException.class, javax.net.ssl.SSLException.class,
                java.net.SocketException.class);
        // With one: the server sees it.
        Greenlet<String> accepted = serve(serverCtx, need, tls ->
                ((X509Certificate) tls.peerCertificates().getFirst()).getSubjectX500Principal().getName());
        Greenlet<Void> withCert = client(() -> {
            try (SslSocket tls = SslSocket.client(connectTcp(), certs.context("client.p12", "trust.p12"), "localhost")) {
                tls.recv(1);
            }
            return null;
        });
        assertThat(accepted.result(LONG)).isEqualTo("CN=gevent4j test client");
        withCert.result(LONG);
    }

    @Test
    void handshakeTimesOutUnderTheSocketsTimeout() throws Exception {
        Greenlet<TcpSocket> silent = hub.spawn(listener::accept); // accepts, never speaks TLS
        Greenlet<SslSocket> client = client(() -> {
            TcpSocket tcp = connectTcp().timeout(SHORT);
            try {
                return SslSocket.client(tcp, certs.context(null, "trust.p12"), "localhost");
            } finally {
                tcp.close();
            }
        });
        assertThat(failure(client)).isInstanceOf(SocketTimeoutException.class).hasMessage("TLS handshake timed out");
        silent.result(LONG).close();
    }

    @Test
    void twoReadersIsAnErrorAndCloseWakesTheReader() throws Exception {
        SSLContext serverCtx = certs.context("server.p12", null);
        Greenlet<Object> server = serve(serverCtx, serverCtx.getDefaultSSLParameters(), tls -> tls.recv(10));
        SslSocket tls = client(() -> SslSocket.client(connectTcp(), certs.context(null, "trust.p12"), "localhost"))
                .result(LONG);
        Greenlet<byte[]> first = hub.spawn(() -> tls.recv(10));
        Probe.awaitParked(first, LONG);
        Greenlet<byte[]> second = hub.spawn(() -> tls.recv(10));
        assertThat(failure(second)).isInstanceOf(IllegalStateException.class).hasMessageContaining("already reading");
        hub.spawn(() -> {
            tls.close();
            return null;
        }).result(LONG);
        assertThat(failure(first)).isInstanceOf(java.net.SocketException.class).hasMessageContaining("Socket closed");
        assertThat(server.result(LONG)).isEqualTo(new byte[0]); // the server saw close_notify: end of stream
    }

    @Test
    void connectResolvesVerifiesAndTalks() throws Exception {
        SSLContext serverCtx = certs.context("server.p12", null);
        Greenlet<String> server = serve(serverCtx, serverCtx.getDefaultSSLParameters(),
                tls -> new String(tls.recv(100), StandardCharsets.UTF_8));
        Greenlet<Void> client = client(() -> {
            // "localhost" comes from the hosts file (maybe ::1 first: each address is tried in turn).
            try (SslSocket tls = SslSocket.connect("localhost", listener.localAddress().getPort(),
                    certs.context(null, "trust.p12"), LONG)) {
                assertThat(tls.tcp().timeout()).contains(LONG);
                tls.sendAll("hi".getBytes(StandardCharsets.UTF_8));
            }
            return null;
        });
        client.result(LONG);
        assertThat(server.result(LONG)).isEqualTo("hi");
    }

    @Test
    void defaultParametersStillVerifyHostNames() throws Exception {
        // The JDK's SSLEngine does not check host names unless asked; SslSocket asks by default.
        SSLContext ctx = certs.context(null, "trust.p12");
        assertThat(ctx.getDefaultSSLParameters().getEndpointIdentificationAlgorithm()).isNull();
        SSLContext serverCtx = certs.context("server.p12", null);
        Greenlet<Object> server = serve(serverCtx, serverCtx.getDefaultSSLParameters(), tls -> null);
        SSLParameters optOut = ctx.getDefaultSSLParameters();
        optOut.setEndpointIdentificationAlgorithm(""); // deliberate opt-out
        Greenlet<List<?>> client = client(() -> {
            try (SslSocket tls = SslSocket.client(connectTcp(), ctx, "www.example.test", optOut)) {
                return tls.peerCertificates();
            }
        });
        assertThat(client.result(LONG)).hasSize(2);
        server.join(LONG);
    }
}
