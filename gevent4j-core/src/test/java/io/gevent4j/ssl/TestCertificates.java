package io.gevent4j.ssl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Certificates made for the tests with the JDK's own {@code keytool} (no test dependency): a
 * test CA, a server certificate for {@code localhost} / {@code 127.0.0.1} and a client
 * certificate signed by it, and a self-signed "rogue" server certificate nobody trusts.
 */
final class TestCertificates {
    static final char[] PASSWORD = "changeit".toCharArray();

    final Path dir;

    private TestCertificates(Path dir) {
        this.dir = dir;
    }

    static TestCertificates create(Path dir) throws IOException, InterruptedException {
        TestCertificates c = new TestCertificates(dir);
        c.keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=gevent4j test CA",
                "-ext", "bc:c", "-validity", "2", "-keystore", "ca.p12");
        c.keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-file", "ca.crt");
        c.leaf("server", "CN=localhost", "SAN=dns:localhost,ip:127.0.0.1");
        c.leaf("client", "CN=gevent4j test client", null);
        c.keytool("-importcert", "-noprompt", "-alias", "ca", "-file", "ca.crt", "-keystore", "trust.p12");
        c.keytool("-genkeypair", "-alias", "rogue", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2", "-keystore", "rogue.p12");
        return c;
    }

    private void leaf(String name, String dname, String san) throws IOException, InterruptedException {
        String store = name + ".p12";
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", dname,
                "-validity", "2", "-keystore", store);
        keytool("-certreq", "-alias", name, "-keystore", store, "-file", name + ".csr");
        List<String> gen = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", "ca", "-keystore", "ca.p12",
                "-infile", name + ".csr", "-outfile", name + ".crt", "-validity", "2"));
        if (san != null) {
            gen.addAll(List.of("-ext", san));
        }
        keytool(gen.toArray(String[]::new));
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", "ca.crt", "-keystore", store);
        keytool("-importcert", "-noprompt", "-alias", name, "-file", name + ".crt", "-keystore", store);
    }

    private void keytool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-storepass", new String(PASSWORD), "-storetype", "PKCS12"));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool " + String.join(" ", args) + " failed: " + new String(out));
        }
    }

    KeyStore load(String store) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve(store))) {
            ks.load(in, PASSWORD);
        }
        return ks;
    }

    /** A context with {@code keyStore}'s key (or none) trusting {@code trustStore} (or the JDK's defaults). */
    SSLContext context(String keyStore, String trustStore) throws Exception {
        KeyManagerFactory kmf = null;
        if (keyStore != null) {
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(load(keyStore), PASSWORD);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trustStore == null ? null : load(trustStore));
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }
}
