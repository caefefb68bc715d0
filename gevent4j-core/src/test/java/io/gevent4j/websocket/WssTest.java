package io.gevent4j.websocket;

import static io.gevent4j.testkit.Delays.LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.Greenlet;
import io.gevent4j.Hub;
import io.gevent4j.http.HttpServer;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code wss://}: our client against our own HttpServer over TLS, certificates made with the JDK's keytool. */
class WssTest {
    private static final char[] PASSWORD = "changeit".toCharArray();

    @TempDir
    static Path dir;

    private Hub hub;
    private final List<HttpServer> servers = new ArrayList<>();
    /** What the server's handler reports: "ended" when its receive() saw the close handshake through. */
    private final LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();

    /**
     * Two self-signed server certificates, both in trust.p12: "server" names 127.0.0.1 and
     * localhost, "wrongname" only other.test.
     */
    @BeforeAll
    static void certificates() throws Exception {
        selfSigned("server", "SAN=dns:localhost,ip:127.0.0.1");
        selfSigned("wrongname", "SAN=dns:other.test");
    }

    private static void selfSigned(String name, String san) throws Exception {
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                "-ext", san, "-validity", "2", "-keystore", name + ".p12");
        keytool("-exportcert", "-rfc", "-alias", name, "-keystore", name + ".p12", "-file", name + ".crt");
        keytool("-importcert", "-noprompt", "-alias", name, "-file", name + ".crt", "-keystore", "trust.p12");
    }

    private static void keytool(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-storepass", new String(PASSWORD), "-storetype", "PKCS12"));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0).as("keytool %s: %s", args[0], new String(out)).isTrue();
    }

    private static KeyStore load(String store) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve(store))) {
            ks.load(in, PASSWORD);
        }
        return ks;
    }

    private static SSLContext serverContext(String store) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(load(store), PASSWORD);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    private static SSLContext trusting() throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(load("trust.p12"));
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    @BeforeEach
    void hub() {
        hub = Hub.start("wss-test");
    }

    @AfterEach
    void stop() {
        for (HttpServer s : servers) {
            s.stop(Duration.ZERO);
        }
        assertThat(hub.close(LONG)).isTrue();
    }

    /** A TLS echo server with {@code store}'s certificate; its {@code wss://127.0.0.1:port/ws} URI. */
    private URI echoOverTls(String store) throws Exception {
        return echoOverTls(store, WebSocketOptions.defaults());
    }

    private URI echoOverTls(String store, WebSocketOptions options) throws Exception {
        HttpServer s = HttpServer.builder(WebSockets.handler(options, ws -> {
            for (Optional<Message> m; (m = ws.receive()).isPresent(); ) {
                ws.send(m.get());
            }
            events.add("ended " + ws.closeCode().orElse(-1));
        })).hub(hub).listen("127.0.0.1:0").ssl(serverContext(store)).build();
        servers.add(s);
        return URI.create("wss://127.0.0.1:" + s.start().address().getPort() + "/ws");
    }

    @Test
    void echoesTextOverTls() throws Exception {
        URI uri = echoOverTls("server.p12");
        for (boolean compression : new boolean[] {true, false}) {
            WebSocketOptions options = WebSocketOptions.builder().sslContext(trusting()).compression(compression).build();
            try (WebSocket ws = WebSocketClient.connect(uri, options, Map.of())) {
                for (String text : new String[] {"hello over TLS", "", "é\uD83D\uDE00".repeat(5000)}) {
                    ws.sendText(text);
                    assertThat(ws.receive()).contains(new Message.Text(text));
                }
                ws.close(1000, "done");
                assertThat(ws.closeCode()).hasValue(1000);
            }
        }
    }

    /**
     * TLS cannot half-close: a server that waited for the client's end of stream after the close
     * frames, as over TCP, would wait while the client waits for the server's, both until their
     * close time-outs (here far longer than the test waits).
     */
    @Test
    void theCloseHandshakeOverTlsEndsWithoutWaitingForTheTimeOut() throws Exception {
        Duration forever = Duration.ofMinutes(10);
        URI uri = echoOverTls("server.p12", WebSocketOptions.builder().closeTimeout(forever).build());
        WebSocketOptions options = WebSocketOptions.builder().sslContext(trusting()).closeTimeout(forever).build();
        Greenlet<Integer> client = hub.spawn(() -> {
            try (WebSocket ws = WebSocketClient.connect(uri, options, Map.of())) {
                ws.sendText("x");
                assertThat(ws.receive()).contains(new Message.Text("x"));
                ws.close(4001, "");
                return ws.closeCode().orElse(-1);
            }
        });
        assertThat(events.poll(LONG.toMillis(), TimeUnit.MILLISECONDS)).as("the server's handler ended").isEqualTo("ended 4001");
        assertThat(client.result(LONG)).isEqualTo(4001);
    }

    @Test
    void theDefaultContextRefusesAnUntrustedCertificate() throws Exception {
        URI uri = echoOverTls("server.p12");
        assertThatThrownBy(() -> WebSocketClient.connect(uri))
                .isInstanceOf(SSLHandshakeException.class)
                .hasMessageContaining("127.0.0.1:" + uri.getPort())
                .hasMessageContaining("PKIX path building failed");
    }

    @Test
    void aTrustedCertificateForAnotherNameIsRefused() throws Exception {
        URI uri = echoOverTls("wrongname.p12");
        WebSocketOptions options = WebSocketOptions.builder().sslContext(trusting()).build();
        assertThatThrownBy(() -> WebSocketClient.connect(uri, options, Map.of()))
                .isInstanceOf(SSLHandshakeException.class)
                .hasMessageContaining("127.0.0.1:" + uri.getPort())
                .hasMessageContaining("No subject alternative names matching IP address 127.0.0.1");
    }

    @Test
    void parametersCanTurnTheHostNameCheckOffOnPurpose() throws Exception {
        URI uri = echoOverTls("wrongname.p12");
        SSLContext ctx = trusting();
        SSLParameters p = ctx.getDefaultSSLParameters();
        p.setEndpointIdentificationAlgorithm("");
        WebSocketOptions options = WebSocketOptions.builder().sslContext(ctx).sslParameters(p).build();
        try (WebSocket ws = WebSocketClient.connect(uri, options, Map.of())) {
            ws.sendText("no name check");
            assertThat(ws.receive()).contains(new Message.Text("no name check"));
        }
    }

    @Test
    void rejectsOtherSchemes() {
        assertThatThrownBy(() -> WebSocketClient.connect(URI.create("https://127.0.0.1:1/ws")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a ws://host/... or wss://host/... URI: https://127.0.0.1:1/ws");
    }
}
