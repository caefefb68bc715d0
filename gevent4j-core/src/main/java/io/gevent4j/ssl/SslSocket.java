package io.gevent4j.ssl;

import io.gevent4j.internal.Strand;
import io.gevent4j.internal.io.ChannelIo;
import io.gevent4j.internal.io.SocketIo;
import io.gevent4j.socket.TcpSocket;
import java.io.EOFException;
import java.io.IOException;
import io.gevent4j.internal.ByteStreams;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * TLS over a cooperative {@link TcpSocket}, on the JDK's {@link SSLEngine}: gevent's
 * {@code SSLSocket}. Clients verify the server's certificate chain <em>and host name</em> by
 * default (gevent's default does neither).
 *
 * <p>Who may call it: any greenlet or thread; one reader and one writer at a time (a second
 * concurrent reader, or writer, is an {@link IllegalStateException}). The handshake runs in
 * {@link #client}/{@link #server}, before the socket is handed out.
 *
 * <p>Blocking and time-outs: handshake, each read and each write park the caller, each bounded
 * by one deadline from the TCP socket's {@link TcpSocket#timeout() time-out}
 * ({@link java.net.SocketTimeoutException} "TLS handshake timed out", "TLS read timed out",
 * "TLS write timed out"); a {@code Timeout} around any call works too. A failed handshake is an
 * {@link SSLHandshakeException} whose message names the peer and the JDK's precise reason (an
 * untrusted chain, a host-name mismatch, no common protocol, a missing client certificate);
 * {@link #client}/{@link #server} then leave the TCP socket open for the caller to close
 * ({@link #connect} closes its own).
 * End of stream: a peer's close_notify, or a TCP close without it (gevent's
 * {@code suppress_ragged_eofs}), reads as -1.
 *
 * {@snippet :
 * TcpSocket tcp = TcpSocket.connect("example.org", 443, Duration.ofSeconds(5));
 * try (SslSocket tls = SslSocket.client(tcp, SSLContext.getDefault(), "example.org")) {
 *     tls.sendAll("GET / HTTP/1.0\r\nHost: example.org\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
 *     byte[] reply = tls.recv(4096);
 * }
 * }
 */
public final class SslSocket implements AutoCloseable {
    /*
     * Implementation overview.
     *
     * netIn holds ciphertext read but not yet unwrapped (kept in write mode between calls);
     * appIn holds plaintext unwrapped but not yet returned (kept in read mode). Both belong to
     * the reader; netOut belongs to the writer. A post-handshake message the engine asks the
     * reader to send (a TLS 1.3 KeyUpdate reply, a TLS 1.2 renegotiation) is wrapped into a
     * fresh buffer and sent by the reader itself; the SSLEngine serialises wrap and unwrap
     * internally. Limitation: if a writer is parked for buffer space at that moment, the
     * reader's send finds the TCP writer slot taken and fails with IllegalStateException
     * (renegotiation is rare; TLS 1.3 has none). `reading`/`writing` flags make concurrent use
     * of one direction an error instead of a corrupted stream.
     */
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final TcpSocket tcp;
    private final SSLEngine engine;
    private final String peer;
    /** The TCP socket's channel as TLS reads and writes it: deadline-aware, on the same loop watch. */
    private final ChannelIo io;
    private final SocketIo net;
    private ByteBuffer netIn;
    private ByteBuffer appIn;
    private ByteBuffer netOut;
    private final AtomicBoolean reading = new AtomicBoolean();
    private final AtomicBoolean writing = new AtomicBoolean();
    private volatile boolean closed;
    private boolean inboundDone;

    private SslSocket(TcpSocket tcp, SSLEngine engine, String peer) throws IOException {
        tcp.flush(); // records are written plainly: none may overtake bytes the socket queued (io_uring)
        this.tcp = tcp;
        this.io = new ChannelIo(tcp.channel());
        this.net = new SocketIo(tcp.channel(), io);
        this.engine = engine;
        this.peer = peer;
        SSLSession s = engine.getSession();
        netIn = ByteBuffer.allocate(s.getPacketBufferSize());
        appIn = ByteBuffer.allocate(s.getApplicationBufferSize()).flip();
        netOut = ByteBuffer.allocate(s.getPacketBufferSize());
    }

    // ---------------------------------------------------------------- creation

    /** Connects to {@code host:port} and runs a client handshake that verifies the chain and host name. */
    public static SslSocket connect(String host, int port, SSLContext context, Duration timeout) throws IOException {
        TcpSocket tcp = TcpSocket.connect(host, port, timeout);
        try {
            return client(tcp, context, host);
        } catch (IOException | RuntimeException | Error e) {
            tcp.close();
            throw e;
        }
    }

    /** A client handshake over {@code tcp}: SNI {@code host}, chain and host name verified. */
    public static SslSocket client(TcpSocket tcp, SSLContext context, String host) throws IOException {
        return client(tcp, context, host, context.getDefaultSSLParameters());
    }

    /**
     * A client handshake over {@code tcp} with these parameters (ALPN protocols, cipher suites,
     * protocols...). If {@code params} has no endpoint identification algorithm, {@code "HTTPS"}
     * is set: host names are verified. Set it to the empty string to skip that check on purpose.
     * SNI is {@code host} unless {@code params} names servers, or {@code host} is an IP literal.
     */
    public static SslSocket client(TcpSocket tcp, SSLContext context, String host, SSLParameters params)
            throws IOException {
        Objects.requireNonNull(host, "host");
        SSLEngine engine = context.createSSLEngine(host, tcp.remoteAddress().getPort());
        engine.setUseClientMode(true);
        SSLParameters p = copy(params);
        if (p.getEndpointIdentificationAlgorithm() == null) {
            p.setEndpointIdentificationAlgorithm("HTTPS");
        }
        if ((p.getServerNames() == null || p.getServerNames().isEmpty()) && !isIpLiteral(host)) {
            p.setServerNames(List.of(new SNIHostName(host)));
        }
        engine.setSSLParameters(p);
        SslSocket s = new SslSocket(tcp, engine, host + ":" + tcp.remoteAddress().getPort());
        s.handshake();
        return s;
    }

    /**
     * A server handshake over an accepted {@code tcp}; {@code params} say whether a client
     * certificate is needed ({@code setNeedClientAuth}) and which ALPN protocols are offered.
     */
    public static SslSocket server(TcpSocket tcp, SSLContext context, SSLParameters params) throws IOException {
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(false);
        engine.setSSLParameters(params);
        SslSocket s = new SslSocket(tcp, engine, "client " + tcp.remoteAddress());
        s.handshake();
        return s;
    }

    /** A server handshake with the context's default parameters. */
    public static SslSocket server(TcpSocket tcp, SSLContext context) throws IOException {
        return server(tcp, context, context.getDefaultSSLParameters());
    }

    private static SSLParameters copy(SSLParameters in) {
        SSLParameters p = new SSLParameters(in.getCipherSuites(), in.getProtocols());
        p.setApplicationProtocols(in.getApplicationProtocols());
        p.setEndpointIdentificationAlgorithm(in.getEndpointIdentificationAlgorithm());
        p.setServerNames(in.getServerNames());
        p.setSNIMatchers(in.getSNIMatchers());
        p.setUseCipherSuitesOrder(in.getUseCipherSuitesOrder());
        p.setAlgorithmConstraints(in.getAlgorithmConstraints());
        if (in.getNeedClientAuth()) {
            p.setNeedClientAuth(true);
        } else if (in.getWantClientAuth()) {
            p.setWantClientAuth(true);
        }
        return p;
    }

    private static boolean isIpLiteral(String host) {
        return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || Character.isDigit(c));
    }

    /** The deadline of one operation started now: the TCP socket's time-out, read at each operation. */
    private long deadline(Strand strand) {
        Optional<Duration> t = tcp.timeout();
        if (t.isPresent()) {
            io.timeout(t.get());
        } else {
            io.noTimeout();
        }
        return io.deadline(strand);
    }

    // ---------------------------------------------------------------- handshake

    private void handshake() throws IOException {
        Strand strand = Strand.current();
        long deadline = deadline(strand);
        try {
            engine.beginHandshake();
            for (;;) {
                switch (engine.getHandshakeStatus()) {
                    case NEED_WRAP -> wrapAndFlush(EMPTY, netOut, strand, deadline, "TLS handshake");
                    case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                        if (unwrapOnce(strand, deadline, "TLS handshake") < 0) {
                            throw new EOFException("the peer closed the connection during the TLS handshake");
                        }
                    }
                    case NEED_TASK -> runTasks();
                    case FINISHED, NOT_HANDSHAKING -> {
                        return;
                    }
                }
            }
        } catch (SSLHandshakeException e) {
            flushAlert(strand, deadline);
            throw precise(e);
        } catch (SSLException e) {
            flushAlert(strand, deadline);
            SSLHandshakeException h = new SSLHandshakeException("TLS handshake with " + peer + " failed: " + e.getMessage());
            h.initCause(e);
            throw h;
        }
    }

    private SSLHandshakeException precise(SSLHandshakeException e) {
        SSLHandshakeException h = new SSLHandshakeException("TLS handshake with " + peer + " failed: " + e.getMessage());
        h.initCause(e);
        return h;
    }

    /** After a failure the engine may hold an alert for the peer: send it, best effort. */
    private void flushAlert(Strand strand, long deadline) {
        try {
            engine.closeOutbound();
            ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
            while (!engine.isOutboundDone()) {
                out.clear();
                SSLEngineResult r = engine.wrap(EMPTY, out);
                net.sendAll(out.flip(), strand, deadline, "TLS alert");
                if (r.bytesProduced() == 0) {
                    break;
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // the original failure is what matters
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run(); // certificate checks: CPU work, on the caller's strand
        }
    }

    // ---------------------------------------------------------------- engine plumbing

    /**
     * Unwraps what netIn holds, reading from the socket when the engine needs more. Returns the
     * plaintext bytes made available in appIn (possibly 0 after a handshake message), or -1 at
     * end of stream.
     */
    private int unwrapOnce(Strand strand, long deadline, String what) throws IOException {
        for (;;) {
            netIn.flip();
            ByteBuffer dst = appIn.compact();
            SSLEngineResult r;
            try {
                r = engine.unwrap(netIn, dst);
            } finally {
                netIn.compact();
                appIn.flip();
            }
            switch (r.getStatus()) {
                case OK -> {
                    return r.bytesProduced();
                }
                case CLOSED -> {
                    inboundDone = true;
                    return r.bytesProduced() > 0 ? r.bytesProduced() : -1;
                }
                case BUFFER_OVERFLOW -> appIn = grow(appIn, engine.getSession().getApplicationBufferSize(), true);
                case BUFFER_UNDERFLOW -> {
                    if (netIn.remaining() == 0 || netIn.capacity() < engine.getSession().getPacketBufferSize()) {
                        netIn = grow(netIn, engine.getSession().getPacketBufferSize(), false);
                    }
                    if (net.recvInto(netIn, strand, deadline, what) < 0) {
                        inboundDone = true;
                        return -1; // TCP closed without close_notify: a ragged EOF reads as end of stream
                    }
                }
            }
        }
    }

    private static ByteBuffer grow(ByteBuffer b, int atLeast, boolean readMode) {
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(atLeast, b.capacity() * 2));
        if (readMode) {
            bigger.put(b).flip();
        } else {
            bigger.put(b.flip());
        }
        return bigger;
    }

    private void wrapAndFlush(ByteBuffer src, ByteBuffer out, Strand strand, long deadline, String what)
            throws IOException {
        for (;;) {
            out.clear();
            SSLEngineResult r = engine.wrap(src, out);
            switch (r.getStatus()) {
                case OK, CLOSED -> {
                    net.sendAll(out.flip(), strand, deadline, what);
                    if (r.getStatus() == SSLEngineResult.Status.CLOSED && src.hasRemaining()) {
                        throw new SocketException("TLS connection with " + peer + " is closed");
                    }
                    return;
                }
                case BUFFER_OVERFLOW -> {
                    ByteBuffer bigger = ByteBuffer.allocate(Math.max(out.capacity() * 2,
                            engine.getSession().getPacketBufferSize()));
                    if (out == netOut) {
                        netOut = bigger;
                    }
                    out = bigger;
                }
                case BUFFER_UNDERFLOW -> throw new IllegalStateException("wrap underflow");
            }
        }
    }

    // ---------------------------------------------------------------- reading

    /** Reads decrypted bytes into {@code dst}, waiting until some are available; -1 at end of stream. */
    public int recvInto(ByteBuffer dst) throws IOException {
        if (!dst.hasRemaining()) {
            return 0;
        }
        if (!reading.compareAndSet(false, true)) {
            throw new IllegalStateException("another greenlet or thread is already reading from " + this);
        }
        try {
            Strand strand = null;
            long deadline = 0;
            for (;;) {
                if (closed) { // first: decrypted bytes still buffered are not to be read after close
                    throw new SocketException("Socket closed");
                }
                if (appIn.hasRemaining()) {
                    int n = Math.min(appIn.remaining(), dst.remaining());
                    ByteBuffer slice = appIn.slice(appIn.position(), n);
                    dst.put(slice);
                    appIn.position(appIn.position() + n);
                    return n;
                }
                if (inboundDone) {
                    return -1;
                }
                if (strand == null) {
                    strand = Strand.current();
                    deadline = deadline(strand);
                }
                int n = unwrapOnce(strand, deadline, "TLS read");
                if (n < 0) {
                    return -1;
                }
                switch (engine.getHandshakeStatus()) {
                    case NEED_TASK -> runTasks();
                    case NEED_WRAP -> wrapAndFlush(EMPTY, ByteBuffer.allocate(engine.getSession().getPacketBufferSize()),
                            strand, deadline, "TLS read");
                    default -> { }
                }
            }
        } finally {
            reading.set(false);
        }
    }

    /** Reads at most {@code max} bytes; empty at end of stream. */
    public byte[] recv(int max) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(max);
        int n = recvInto(b);
        return n <= 0 ? new byte[0] : java.util.Arrays.copyOf(b.array(), n);
    }

    // ---------------------------------------------------------------- writing

    /** Encrypts and writes all of {@code src}; one deadline for the whole call. */
    public void sendAll(ByteBuffer src) throws IOException {
        if (!src.hasRemaining()) {
            return;
        }
        if (!writing.compareAndSet(false, true)) {
            throw new IllegalStateException("another greenlet or thread is already writing to " + this);
        }
        try {
            if (closed) {
                throw new SocketException("Socket closed");
            }
            Strand strand = Strand.current();
            long deadline = deadline(strand);
            while (src.hasRemaining()) {
                wrapAndFlush(src, netOut, strand, deadline, "TLS write");
            }
        } finally {
            writing.set(false);
        }
    }

    /** Sends every byte of {@code data}, waiting cooperatively while the peer's window is full. */
    public void sendAll(byte[] data) throws IOException {
        sendAll(ByteBuffer.wrap(data));
    }

    // ---------------------------------------------------------------- streams

    /** An {@code InputStream} view; closing it closes the TLS connection. */
    public InputStream inputStream() {
        return ByteStreams.input(this::recvInto, this::close);
    }

    /** An {@code OutputStream} view; closing it closes the TLS connection. */
    public OutputStream outputStream() {
        return ByteStreams.output(this::sendAll, this::close);
    }

    // ---------------------------------------------------------------- session

    /** The negotiated session (protocol, cipher suite, peer certificates). */
    public SSLSession session() {
        return engine.getSession();
    }

    /** The peer's certificate chain, leaf first; empty if the peer sent none (a client without one). */
    public List<Certificate> peerCertificates() {
        try {
            return List.of(engine.getSession().getPeerCertificates());
        } catch (SSLPeerUnverifiedException none) {
            return List.of();
        }
    }

    /** The ALPN protocol agreed on, if any. */
    public Optional<String> applicationProtocol() {
        String p = engine.getApplicationProtocol();
        return p == null || p.isEmpty() ? Optional.empty() : Optional.of(p);
    }

    /** The TCP socket underneath (its time-out bounds every TLS operation). */
    public TcpSocket tcp() {
        return tcp;
    }

    // ---------------------------------------------------------------- closing

    /**
     * Sends close_notify (best effort, within the socket's time-out) and closes the TCP socket,
     * waking any strand blocked on it. Idempotent.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (writing.compareAndSet(false, true)) {
                try {
                    engine.closeOutbound();
                    Strand strand = Strand.current();
                    wrapAndFlush(EMPTY, ByteBuffer.allocate(engine.getSession().getPacketBufferSize()), strand,
                            deadline(strand), "TLS close");
                } catch (IOException | IllegalStateException bestEffort) {
                    // the peer may be gone already; closing the socket is what matters
                } finally {
                    writing.set(false);
                }
            }
        } finally {
            tcp.close();
        }
    }

    @Override
    public String toString() {
        return "SslSocket[" + peer + ", " + engine.getSession().getProtocol() + "]";
    }
}
