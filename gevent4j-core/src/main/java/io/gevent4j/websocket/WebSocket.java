package io.gevent4j.websocket;

import io.gevent4j.Event;
import io.gevent4j.Semaphore;
import io.gevent4j.Timeout;
import io.gevent4j.internal.io.BufferPool;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One open WebSocket connection (RFC 6455), server or client side, with a blocking API:
 * {@link #receive()} parks the calling greenlet until a whole message arrives, a send parks it
 * until the frame is written. gevent-websocket's {@code ws.receive()} / {@code ws.send()}.
 *
 * <p>Who may call it: one greenlet receives at a time (a second concurrent {@code receive} is an
 * {@link IllegalStateException}); any number of greenlets, on any hub, may send at once (sends
 * are serialised by a lock, one whole message at a time). Pings are answered by the receiver.
 *
 * <p>Blocking and time-outs: a send waits for the peer to read (back-pressure: nothing is queued
 * in memory beyond the message being sent), at most {@link WebSocketOptions#writeTimeout()},
 * after which the connection is dropped; {@code receive} waits at most the idle time-out, if
 * any, then closes with 1001. A {@link Timeout} around either works too. {@link #close} waits at
 * most {@link WebSocketOptions#closeTimeout()} for the peer's close frame.
 *
 * <p>Errors: a frame that breaks the protocol closes the connection with 1002 (unmasked client
 * frame, reserved bits or opcodes, a fragmented or too long control frame, a bad continuation,
 * a bad close code), text that is not UTF-8 with 1007, a message over
 * {@link WebSocketOptions#maxMessageBytes()} with 1009; {@code receive} then throws a
 * {@link WebSocketException} with that code. After the close handshake, {@code receive} returns
 * empty and sends throw.
 *
 * {@snippet :
 * WebSocketHandler echo = ws -> {
 *     for (Optional<Message> m; (m = ws.receive()).isPresent(); ) {
 *         ws.send(m.get());
 *     }
 * };
 * }
 */
public final class WebSocket implements AutoCloseable {
    /*
     * Implementation overview.
     *
     * Reading is confined to whoever set `reading` (a CAS): receive(), or close() when no receive is
     * running (it then reads until the peer's close frame itself). Sending is serialised by
     * sendLock; closeSent is written under it, so no frame follows our close frame. The socket's
     * own time-out bounds reads (only the reading side sets it); each send is bounded by a
     * Timeout of its own, so a sender never changes the reader's time-out.
     *
     * The close handshake: whoever sends the close frame first (close(), a failure, or the
     * reader echoing the peer's close) then half-closes (plain TCP) and the reading side drains
     * until the peer's end of stream or closeTimeout, then closes the socket, which the server
     * does first (RFC 6455 §7.1.1); over TLS, which cannot half-close, a server that has both
     * close frames closes at once. Draining instead of closing at once keeps the kernel from
     * answering unread input with a reset that could destroy our close frame before the peer
     * reads it. `ended` is set when the socket is closed; close() waits for it (an Event made
     * only then: an idle connection does not carry one) when another
     * greenlet is the reader.
     */

    static final int CONT = 0;
    static final int TEXT = 1;
    static final int BINARY = 2;
    static final int CLOSE = 8;
    static final int PING = 9;
    static final int PONG = 10;

    private static final java.lang.invoke.VarHandle READING;

    static {
        try {
            READING = java.lang.invoke.MethodHandles.lookup().findVarHandle(WebSocket.class, "reading", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The size of a pooled read buffer: frame headers and small messages are read through it. */
    static final int READ_BUFFER = 1024;
    /**
     * The read buffers of all WebSockets: a connection holds one only while a frame is being
     * read, so that an idle WebSocket holds none (256 pooled: 256 KiB).
     */
    private static final BufferPool READ_BUFFERS = new BufferPool(READ_BUFFER, 256);

    private final Link link;
    /** {@code options.idleTimeout()}, or null for none; and the write time-out in nanoseconds (both read per frame). */
    private final Duration idleTimeout;
    private final long writeLimit;
    /** Client side: our frames are masked and the server's must not be. */
    private final boolean client;
    private final WebSocketOptions options;
    /** Negotiated permessage-deflate, or null. */
    private final PerMessageDeflate deflate;
    private final String subprotocol;
    private final Semaphore sendLock = new Semaphore(1);
    /** 1 while a greenlet reads (receive, or close reading for the peer's close frame): a CAS, never waited for. */
    private volatile int reading;
    /** Set once the socket is closed (the close handshake is over or the connection failed). */
    private volatile boolean ended;
    /** What a close() waits on while another greenlet reads; made by that close() only (under this). */
    private Event endedEvent;
    /** Written under sendLock: our close frame is out, nothing more may be sent. */
    private volatile boolean closeSent;
    private volatile boolean closeReceived;
    private volatile int closeCode = -1;
    private volatile String closeReason = "";

    // Reader state (the greenlet that set `reading` only).
    private byte[] rbuf;
    private int rpos;
    private int rlim;
    /** The fragments of the message being received, or null. */
    private byte[] msg;
    private int msgLen;
    private int msgOpcode;
    private boolean msgCompressed;

    WebSocket(Link link, boolean client, WebSocketOptions options, PerMessageDeflate deflate, String subprotocol,
            byte[] buffered) {
        this.link = link;
        this.client = client;
        this.options = options;
        this.idleTimeout = options.idleTimeout().orElse(null);
        this.writeLimit = Link.nanos(options.writeTimeout());
        this.deflate = deflate;
        this.subprotocol = subprotocol;
        // Bytes that came with the handshake are kept; otherwise no buffer until the first frame (READ_BUFFERS).
        this.rbuf = buffered.length == 0 ? BufferPool.NONE : Arrays.copyOf(buffered, Math.max(READ_BUFFER, buffered.length));
        this.rlim = buffered.length;
    }

    // ---------------------------------------------------------------- receiving

    /**
     * Waits for the next whole message. Pings are answered and pongs dropped on the way.
     *
     * @return the message, or empty once the close handshake is over (see {@link #closeCode()})
     * @throws WebSocketException if the peer broke the protocol (the connection is then closed
     *     with {@link WebSocketException#code()}), the idle time-out passed (1001), or the
     *     connection ended without a close frame (1006)
     * @throws IllegalStateException if another greenlet is receiving on this connection
     * @throws IOException never otherwise (declared for the blocking read)
     */
    public Optional<Message> receive() throws IOException {
        if (!tryRead()) {
            throw new IllegalStateException("another greenlet is receiving on this WebSocket");
        }
        try {
            if (ended || closeReceived) {
                return Optional.empty();
            }
            link.timeout(readTimeout());
            return Optional.ofNullable(next());
        } finally {
            reading = 0;
        }
    }

    private boolean tryRead() {
        return READING.compareAndSet(this, 0, 1);
    }

    /** The time-out of the next read: the close handshake's once our close is sent, else the idle one (null: none). */
    private Duration readTimeout() {
        return closeSent ? options.closeTimeout() : idleTimeout;
    }

    /** The next data message; null when the peer's close frame arrived (and the handshake is finished). */
    private Message next() throws IOException {
        try {
            for (;;) {
                awaitFrame(); // here, not in frame(): one frame fewer under an idle session's park
                Message m = frame();
                if (m != null || closeReceived) {
                    return m;
                }
            }
        } catch (WebSocketException e) {
            throw e;
        } catch (SocketTimeoutException e) {
            if (closeSent) {
                end();
                return null;
            }
            Duration idle = Objects.requireNonNull(idleTimeout);
            throw fail(1001, "no frame for " + idle.toMillis() + " ms (idle time-out)");
        } catch (IOException e) {
            end();
            if (closeSent) {
                return null; // our close() gave up waiting for the peer and closed the socket
            }
            closeCode = 1006;
            throw new WebSocketException(1006, "the connection ended without a close frame", e);
        }
    }

    /** Reads one frame: a complete data message, or null for a control frame (handled here) or a fragment. */
    private Message frame() throws IOException {
        need(2);
        int b0 = rbuf[rpos] & 0xff;
        int b1 = rbuf[rpos + 1] & 0xff;
        boolean fin = (b0 & 0x80) != 0;
        boolean rsv1 = (b0 & 0x40) != 0;
        int op = b0 & 0x0f;
        boolean masked = (b1 & 0x80) != 0;
        int len7 = b1 & 0x7f;
        int header = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + (masked ? 4 : 0);
        need(header);
        long len = len7;
        int at = rpos + 2;
        if (len7 == 126) {
            len = ((rbuf[at] & 0xff) << 8) | (rbuf[at + 1] & 0xff);
            at += 2;
        } else if (len7 == 127) {
            len = 0;
            for (int i = 0; i < 8; i++) {
                len = (len << 8) | (rbuf[at + i] & 0xff);
            }
            at += 8;
            if (len < 0) {
                throw fail(1002, "frame length with the most significant bit set");
            }
        }
        if ((b0 & 0x30) != 0) {
            throw fail(1002, "reserved bits RSV2/RSV3 set without an extension that defines them");
        }
        boolean control = op >= 8;
        if (op != CONT && op != TEXT && op != BINARY && op != CLOSE && op != PING && op != PONG) {
            throw fail(1002, "reserved opcode " + op);
        }
        if (rsv1 && (deflate == null || control || op == CONT)) {
            throw fail(1002, deflate == null ? "RSV1 set without permessage-deflate"
                    : "RSV1 set on a " + (control ? "control" : "continuation") + " frame");
        }
        if (control && !fin) {
            throw fail(1002, "fragmented control frame");
        }
        if (control && len > 125) {
            throw fail(1002, "control frame longer than 125 bytes: " + len);
        }
        if (masked == client) {
            throw fail(1002, client ? "masked frame from the server" : "unmasked frame from the client");
        }
        if (!control) {
            if (op == CONT && msgOpcode == 0) {
                throw fail(1002, "continuation frame without a message to continue");
            }
            if (op != CONT && msgOpcode != 0) {
                throw fail(1002, "new data frame inside a fragmented message");
            }
            if (msgLen + len > options.maxMessageBytes()) {
                throw fail(1009, "message larger than " + options.maxMessageBytes() + " bytes");
            }
        }
        int mask = 0;
        if (masked) {
            mask = ((rbuf[at] & 0xff) << 24) | ((rbuf[at + 1] & 0xff) << 16) | ((rbuf[at + 2] & 0xff) << 8) | (rbuf[at + 3] & 0xff);
        }
        rpos += header;
        int n = (int) len;
        if (control) {
            byte[] p = new byte[n];
            readPayload(p, 0, n);
            unmask(p, 0, n, mask, masked);
            control(op, p);
            return null;
        }
        if (op != CONT) {
            msgOpcode = op;
            msgCompressed = rsv1;
        }
        byte[] payload;
        if (fin && op != CONT) { // a whole message in one frame: read it into its own array
            payload = new byte[n];
            readPayload(payload, 0, n);
            unmask(payload, 0, n, mask, masked);
        } else {
            if (msg == null || msg.length < msgLen + n) {
                msg = Arrays.copyOf(msg == null ? new byte[0] : msg, Math.max(msgLen + n, Math.min(2 * msgLen, options.maxMessageBytes())));
            }
            readPayload(msg, msgLen, n);
            unmask(msg, msgLen, n, mask, masked);
            msgLen += n;
            if (!fin) {
                return null;
            }
            payload = msg.length == msgLen ? msg : Arrays.copyOf(msg, msgLen);
            msg = null;
            msgLen = 0;
        }
        int type = msgOpcode;
        boolean compressed = msgCompressed;
        msgOpcode = 0;
        if (compressed) {
            try {
                payload = deflate.decompress(payload, payload.length, options.maxMessageBytes());
            } catch (WebSocketException e) {
                throw fail(e.code(), e.getMessage().replaceFirst(" \\(close code \\d+\\)$", ""));
            }
        }
        if (type == TEXT) {
            String text = utf8(payload);
            if (text == null) {
                throw fail(1007, "text message is not valid UTF-8");
            }
            return new Message.Text(text);
        }
        return new Message.Binary(payload);
    }

    private void control(int op, byte[] p) throws IOException {
        switch (op) {
            case PING -> {
                if (!closeSent) {
                    Timeout t = Timeout.start(options.writeTimeout());
                    try {
                        sendFrame(PONG, p, 0, p.length, false);
                    } catch (Timeout x) {
                        if (x != t) {
                            throw x;
                        }
                        end();
                        throw new WebSocketException(1006, "pong not sent within the write time-out: connection dropped");
                    } finally {
                        t.cancel();
                    }
                }
            }
            case PONG -> { } // unsolicited or an answer: nothing to do (RFC 6455 §5.5.3)
            default -> closeFrame(p);
        }
    }

    /** The peer's close frame: checks it, echoes it if ours is not out yet, and ends the connection. */
    private void closeFrame(byte[] p) throws IOException {
        int code = 1005;
        String reason = "";
        if (p.length == 1) {
            throw fail(1002, "close frame with a 1-byte payload");
        }
        if (p.length >= 2) {
            code = ((p[0] & 0xff) << 8) | (p[1] & 0xff);
            if (!receivable(code)) {
                throw fail(1002, "invalid close code " + code);
            }
            reason = utf8(Arrays.copyOfRange(p, 2, p.length));
            if (reason == null) {
                throw fail(1007, "close reason is not valid UTF-8");
            }
        }
        closeReceived = true;
        if (!closeSent) {
            closeCode = code;
            closeReason = reason;
            sendClose(code == 1005 ? -1 : code, "");
        } else if (closeCode < 0 || closeCode == 1006) {
            closeCode = code;
            closeReason = reason;
        }
        finish();
    }

    /** Codes a peer may send (RFC 6455 §7.4, and the IANA registry's 1012-1014). */
    static boolean receivable(int code) {
        return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
    }

    /**
     * {@code b} decoded, or null if it is not valid UTF-8. Validated here, then decoded by
     * {@code new String} (whose fast paths the JIT intrinsifies): a strict decoder per message
     * was a sixth of the server's time in the echo benchmark.
     */
    static String utf8(byte[] b) {
        return validUtf8(b) ? new String(b, StandardCharsets.UTF_8) : null;
    }

    /**
     * Whether {@code b} is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates,
     * nothing above U+10FFFF, no truncated sequence), as a strict JDK decoder decides.
     */
    static boolean validUtf8(byte[] b) {
        int i = 0;
        int end = b.length;
        while (i < end) {
            int c = b[i];
            if (c >= 0) {
                i++;
                continue;
            }
            c &= 0xff;
            if (c < 0xC2) {
                return false; // a continuation byte first, or an overlong 2-byte form
            }
            if (c < 0xE0) {
                if (i + 1 >= end || (b[i + 1] & 0xC0) != 0x80) {
                    return false;
                }
                i += 2;
            } else if (c < 0xF0) {
                if (i + 2 >= end) {
                    return false;
                }
                int c1 = b[i + 1] & 0xff;
                if ((c1 & 0xC0) != 0x80 || (b[i + 2] & 0xC0) != 0x80
                        || c == 0xE0 && c1 < 0xA0 // overlong
                        || c == 0xED && c1 >= 0xA0) { // a surrogate
                    return false;
                }
                i += 3;
            } else if (c < 0xF5) {
                if (i + 3 >= end) {
                    return false;
                }
                int c1 = b[i + 1] & 0xff;
                if ((c1 & 0xC0) != 0x80 || (b[i + 2] & 0xC0) != 0x80 || (b[i + 3] & 0xC0) != 0x80
                        || c == 0xF0 && c1 < 0x90 // overlong
                        || c == 0xF4 && c1 >= 0x90) { // above U+10FFFF
                    return false;
                }
                i += 4;
            } else {
                return false;
            }
        }
        return true;
    }

    private static void unmask(byte[] b, int off, int len, int mask, boolean masked) {
        if (!masked) {
            return;
        }
        for (int i = 0; i < len; i++) {
            b[off + i] ^= (byte) (mask >>> (24 - 8 * (i & 3)));
        }
    }

    /**
     * Between frames, with nothing buffered, on plain TCP: gives the read buffer back
     * ({@link #READ_BUFFERS}) and waits for the next frame's first bytes without one, then takes a
     * buffer and reads what came. An idle WebSocket so holds no buffer, and parks in the engine's
     * readiness wait a few frames below {@code receive} (issue #16). The bound is the socket
     * time-out {@code receive} or {@code close} set.
     */
    private void awaitFrame() throws IOException {
        if (rpos < rlim || !link.waitsForReadiness()) {
            return;
        }
        rpos = 0;
        rlim = 0;
        if (rbuf != BufferPool.NONE) {
            READ_BUFFERS.give(rbuf);
            rbuf = BufferPool.NONE;
        }
        if (!link.awaitReadable(readTimeout())) {
            throw new SocketTimeoutException("no frame in time");
        }
        rbuf = READ_BUFFERS.take();
        int got = link.readNow(ByteBuffer.wrap(rbuf));
        if (got < 0) {
            throw new java.io.EOFException("end of stream between frames");
        }
        rlim = got; // 0: readiness without bytes (rare); need() reads, waiting as usual
    }

    /** Makes {@code n} (at most the buffer's size) bytes available at rpos. */
    private void need(int n) throws IOException {
        if (rbuf == BufferPool.NONE) {
            rbuf = READ_BUFFERS.take();
        }
        while (rlim - rpos < n) {
            if (rpos > 0 && rbuf.length - rpos < n) {
                System.arraycopy(rbuf, rpos, rbuf, 0, rlim - rpos);
                rlim -= rpos;
                rpos = 0;
            }
            int got = link.read(ByteBuffer.wrap(rbuf, rlim, rbuf.length - rlim));
            if (got < 0) {
                throw new java.io.EOFException("end of stream inside a frame");
            }
            rlim += got;
        }
    }

    /**
     * A frame's payload ({@link #readFully}). Cut short by a {@code Timeout} or a kill, part of it
     * is read and dropped: the stream cannot resume at a frame boundary (a later receive would
     * read the rest of the payload as frames, which the peer chose), so the connection ends (1006).
     */
    private void readPayload(byte[] dst, int off, int len) throws IOException {
        try {
            readFully(dst, off, len);
        } catch (RuntimeException | Error cut) {
            if (closeCode < 0) {
                closeCode = 1006;
                closeReason = "a receive was cut short inside a frame";
            }
            end();
            throw cut;
        }
    }

    /** Reads {@code len} bytes into {@code dst}: what is buffered first, the rest straight from the socket. */
    private void readFully(byte[] dst, int off, int len) throws IOException {
        int n = Math.min(len, rlim - rpos);
        System.arraycopy(rbuf, rpos, dst, off, n);
        rpos += n;
        if (rpos == rlim) {
            rpos = 0;
            rlim = 0;
        }
        ByteBuffer b = ByteBuffer.wrap(dst, off + n, len - n);
        while (b.hasRemaining()) {
            if (link.read(b) < 0) {
                throw new java.io.EOFException("end of stream inside a frame");
            }
        }
    }

    // ---------------------------------------------------------------- sending

    /**
     * Sends a text message.
     *
     * @param text the message
     * @throws WebSocketException if the connection is closed or the send did not complete in
     *     time (the connection is then dropped)
     */
    public void sendText(String text) throws WebSocketException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        sendMessage(TEXT, b, 0, b.length);
    }

    /**
     * Sends a binary message.
     *
     * @param data the message (not kept)
     * @throws WebSocketException if the connection is closed or the send did not complete in time
     */
    public void sendBinary(byte[] data) throws WebSocketException {
        sendMessage(BINARY, data, 0, data.length);
    }

    /**
     * Sends {@code message} as text or binary according to its kind.
     *
     * @param message the message
     * @throws WebSocketException if the connection is closed or the send did not complete in time
     */
    public void send(Message message) throws WebSocketException {
        switch (message) {
            case Message.Text t -> sendText(t.text());
            case Message.Binary b -> sendBinary(b.data());
        }
    }

    /**
     * Sends a message prepared once for many connections: its ready frame where this connection
     * sends plain frames (a server without {@code permessage-deflate} nor fragmentation), else
     * as {@link #send(Message)} would, compressed, masked or fragmented for this connection.
     *
     * @param message the prepared message
     * @throws WebSocketException if the connection is closed or the send did not complete in
     *     time (the connection is then dropped)
     */
    public void send(PreparedMessage message) throws WebSocketException {
        int n = message.payloadLength();
        boolean plain = !client && (deflate == null || n == 0)
                && (options.fragmentBytes() <= 0 || n <= options.fragmentBytes());
        sendFrames(message.opcode, message.frame, message.payloadOffset, n, !plain && deflate != null && n > 0,
                plain ? message.frame : null);
    }

    /**
     * Sends a ping; the peer answers with a pong (which {@link #receive()} drops).
     *
     * @param payload at most 125 bytes
     * @throws WebSocketException if the connection is closed or the send did not complete in time
     */
    public void ping(byte[] payload) throws WebSocketException {
        sendControl(PING, payload);
    }

    /**
     * Sends an unsolicited pong (a one-way heartbeat).
     *
     * @param payload at most 125 bytes
     * @throws WebSocketException if the connection is closed or the send did not complete in time
     */
    public void pong(byte[] payload) throws WebSocketException {
        sendControl(PONG, payload);
    }

    private void sendControl(int op, byte[] payload) throws WebSocketException {
        if (payload.length > 125) {
            throw new IllegalArgumentException("a control frame carries at most 125 bytes: " + payload.length);
        }
        sendFrames(op, payload, 0, payload.length, false);
    }

    private void sendMessage(int op, byte[] data, int off, int len) throws WebSocketException {
        sendFrames(op, data, off, len, deflate != null && len > 0);
    }

    /**
     * Sends one message (or control frame) under the send lock, within the write time-out. On
     * plain TCP the time-out costs nothing unless the peer's window is full: the bound is a
     * deadline that only a wait for writability uses ({@link Link#write(ByteBuffer, long, long)});
     * over TLS it is a {@link Timeout} around the whole send.
     */
    private void sendFrames(int op, byte[] data, int off, int len, boolean compress) throws WebSocketException {
        sendFrames(op, data, off, len, compress, null);
    }

    /** {@link #sendFrames}, or with {@code frame} the ready frame of a {@link PreparedMessage} that carries {@code data}. */
    private void sendFrames(int op, byte[] data, int off, int len, boolean compress, byte[] frame) throws WebSocketException {
        Objects.checkFromIndexSize(off, len, data.length);
        if (!link.waitsForReadiness()) {
            sendFramesTimed(op, data, off, len, compress, frame);
            return;
        }
        long start = System.nanoTime();
        long limit = writeLimit;
        if (!sendLock.acquire(options.writeTimeout())) {
            end();
            throw notSent();
        }
        try {
            writeMessage(op, data, off, len, compress, frame, start, limit);
        } catch (SocketTimeoutException e) {
            end();
            throw notSent();
        } catch (WebSocketException e) {
            throw e;
        } catch (IOException e) {
            throw gone(e);
        } finally {
            sendLock.release();
        }
    }

    /** Drops the connection after a failed write: the error a sender sees. */
    private WebSocketException gone(IOException e) {
        end();
        return new WebSocketException(1006, "send failed: the connection is gone", e);
    }

    private WebSocketException notSent() {
        return new WebSocketException(1006, "send not done within " + options.writeTimeout().toMillis()
                + " ms: the peer does not read; connection dropped");
    }

    /** {@link #sendFrames} over TLS: the write time-out is a {@link Timeout} (the TLS socket's writes wait on the socket's time-out, the reader's). */
    private void sendFramesTimed(int op, byte[] data, int off, int len, boolean compress, byte[] frame)
            throws WebSocketException {
        Timeout t = Timeout.start(options.writeTimeout());
        boolean locked = false;
        try {
            sendLock.acquire();
            locked = true;
            writeMessage(op, data, off, len, compress, frame, 0, Link.NO_LIMIT);
        } catch (Timeout x) {
            if (x != t) {
                throw x;
            }
            end();
            throw notSent();
        } catch (WebSocketException e) {
            throw e;
        } catch (IOException e) {
            throw gone(e);
        } finally {
            t.cancel();
            if (locked) {
                sendLock.release();
            }
        }
    }

    /** Writes one message's frames (the caller holds the send lock), fragmented and compressed as the options say. */
    private void writeMessage(int op, byte[] data, int off, int len, boolean compress, byte[] frame, long start,
            long limit) throws IOException {
        if (closeSent) {
            throw new WebSocketException(closeCode < 0 ? 1006 : closeCode, "the WebSocket is closed");
        }
        if (frame != null) {
            link.write(ByteBuffer.wrap(frame), start, limit); // shared by many senders: only read here
            return;
        }
        byte[] p = data;
        int o = off;
        int n = len;
        if (compress) {
            ByteBuffer c = deflate.compress(data, off, len);
            p = c.array();
            o = 0;
            n = c.limit();
        }
        int frag = op < 8 && options.fragmentBytes() > 0 ? options.fragmentBytes() : Integer.MAX_VALUE;
        int first = op;
        do {
            int k = Math.min(frag, n);
            boolean fin = k == n;
            writeFrame((fin ? 0x80 : 0) | (compress && first == op ? 0x40 : 0) | (first == op ? op : CONT), p, o, k,
                    start, limit);
            first = -1;
            o += k;
            n -= k;
        } while (n > 0);
    }

    /** Sends one frame, for the reader's pong and close (no time-out of its own: the reader's applies). */
    private void sendFrame(int op, byte[] p, int off, int len, boolean close) throws IOException {
        sendLock.acquire();
        try {
            if (closeSent) {
                return;
            }
            if (close) {
                closeSent = true;
            }
            writeFrame(0x80 | op, p, off, len, 0, Link.NO_LIMIT);
        } finally {
            sendLock.release();
        }
    }

    /** Writes one frame: the header and the payload (masked with a fresh key on the client side). */
    private void writeFrame(int b0, byte[] p, int off, int len, long start, long limit) throws IOException {
        int ext = len < 126 ? 0 : len < 65536 ? 2 : 8;
        int header = 2 + ext + (client ? 4 : 0);
        boolean together = client || len <= 8192;
        byte[] f = new byte[header + (together ? len : 0)];
        f[0] = (byte) b0;
        f[1] = (byte) ((client ? 0x80 : 0) | (ext == 0 ? len : ext == 2 ? 126 : 127));
        if (ext == 2) {
            f[2] = (byte) (len >>> 8);
            f[3] = (byte) len;
        } else if (ext == 8) {
            for (int i = 0; i < 8; i++) {
                f[2 + i] = (byte) ((long) len >>> (56 - 8 * i));
            }
        }
        if (client) {
            int mask = java.util.concurrent.ThreadLocalRandom.current().nextInt();
            for (int i = 0; i < 4; i++) {
                f[2 + ext + i] = (byte) (mask >>> (24 - 8 * i));
            }
            System.arraycopy(p, off, f, header, len);
            unmask(f, header, len, mask, true);
            link.write(ByteBuffer.wrap(f), start, limit);
        } else if (together) {
            System.arraycopy(p, off, f, header, len);
            link.write(ByteBuffer.wrap(f), start, limit);
        } else {
            link.write(ByteBuffer.wrap(f), start, limit);
            link.write(ByteBuffer.wrap(p, off, len), start, limit);
        }
    }

    // ---------------------------------------------------------------- closing

    /**
     * Closes with 1000 (normal closure).
     *
     * @throws IOException never in practice: close failures are absorbed (the socket is closed)
     */
    @Override
    public void close() throws IOException {
        close(1000, "");
    }

    /**
     * Starts the close handshake with {@code code} and {@code reason}, and waits (at most
     * {@link WebSocketOptions#closeTimeout()}) for the peer's close frame and end of stream;
     * then the socket is closed. Does nothing if the connection is already closing.
     *
     * @param code 1000-1003, 1007-1014, or 3000-4999 (applications)
     * @param reason at most 123 bytes of UTF-8
     * @throws IOException never in practice: close failures are absorbed (the socket is closed)
     */
    public void close(int code, String reason) throws IOException {
        if (!receivable(code)) {
            throw new IllegalArgumentException("not a close code an endpoint may send: " + code);
        }
        if (reason.getBytes(StandardCharsets.UTF_8).length > 123) {
            throw new IllegalArgumentException("close reason longer than 123 bytes of UTF-8");
        }
        if (ended) {
            return;
        }
        boolean sent = sendClose(code, reason);
        if (sent && closeCode < 0) {
            closeCode = code;
            closeReason = reason;
        }
        if (tryRead()) {
            try {
                link.timeout(options.closeTimeout());
                try {
                    while (!closeReceived && !ended) {
                        awaitFrame();
                        frame(); // data still in flight is dropped: nobody receives any more
                    }
                } catch (IOException | RuntimeException e) {
                    end();
                }
            } finally {
                reading = 0;
            }
        } else if (!awaitEnd()) {
            end(); // the receiving greenlet then sees the connection closed
        }
    }

    /** Waits, at most the close time-out, until the connection has ended; false if it has not. */
    private boolean awaitEnd() {
        Event e;
        synchronized (this) {
            if (endedEvent == null) {
                endedEvent = new Event();
            }
            e = endedEvent;
        }
        return ended || e.await(options.closeTimeout()); // end() sets `ended` before it looks for the event
    }

    /** Sends our close frame (once), bounded by the close time-out, and half-closes; false if it was already sent. */
    private boolean sendClose(int code, String reason) {
        if (closeSent) {
            return false;
        }
        byte[] r = reason.getBytes(StandardCharsets.UTF_8);
        byte[] p = code < 0 ? new byte[0] : new byte[2 + r.length];
        if (code >= 0) {
            p[0] = (byte) (code >>> 8);
            p[1] = (byte) code;
            System.arraycopy(r, 0, p, 2, r.length);
        }
        Timeout t = Timeout.start(options.closeTimeout());
        try {
            sendFrame(CLOSE, p, 0, p.length, true);
            link.shutdownOutput();
            return true;
        } catch (Timeout x) {
            if (x != t) {
                throw x;
            }
            closeSent = true;
            end();
            return true;
        } catch (IOException e) {
            closeSent = true;
            end();
            return true;
        } finally {
            t.cancel();
        }
    }

    /**
     * Fails the connection (RFC 6455 §7.1.7): sends a close frame with {@code code}, ends the
     * connection, and returns the exception for the caller to throw. The reader's only.
     */
    private WebSocketException fail(int code, String why) {
        if (!closeSent) {
            closeCode = code;
            closeReason = why;
            String r = why;
            while (r.getBytes(StandardCharsets.UTF_8).length > 123) {
                r = r.substring(0, r.length() - 1);
            }
            sendClose(code, r);
        }
        finish();
        return new WebSocketException(code, why);
    }

    /**
     * After our close frame (and the peer's, if any): reads and drops what the peer still sends
     * until its end of stream, at most closeTimeout and 1 MiB, then closes. The reader's only.
     */
    private void finish() {
        if (!client && closeReceived && !link.halfCloses()) {
            // TLS has no half-close, so a client would wait for our end of stream while we wait
            // for its: both close frames are through, and the server closes first (§7.1.1).
            end();
            return;
        }
        try {
            link.timeout(options.closeTimeout());
            ByteBuffer skip = ByteBuffer.wrap(rbuf.length > 0 ? rbuf : READ_BUFFERS.take());
            for (long budget = 1 << 20; budget > 0; ) {
                int n = link.read(skip.clear());
                if (n < 0) {
                    break;
                }
                budget -= n;
            }
        } catch (IOException | RuntimeException goneOrTimedOut) {
            // closed next either way
        } finally {
            end();
        }
    }

    /** Closes the socket and frees the compressor; wakes a close() waiting for the reader. */
    private void end() {
        link.close();
        if (deflate != null && sendLock.tryAcquire()) { // a sender still inside keeps it; its send then fails
            try {
                deflate.end();
            } finally {
                sendLock.release();
            }
        }
        ended = true;
        Event e;
        synchronized (this) {
            e = endedEvent;
        }
        if (e != null) {
            e.set();
        }
    }

    // ---------------------------------------------------------------- state

    /**
     * Whether messages may still be sent: no close frame has been sent yet and the connection has not ended.
     *
     * @return true while the connection is open for sending
     */
    public boolean isOpen() {
        return !closeSent && !ended;
    }

    /**
     * The close code: the peer's (1005 if its close frame had none), else ours, once either
     * side began closing; 1006 for a connection that ended without a close frame.
     *
     * @return the code, or empty while the connection is open
     */
    public OptionalInt closeCode() {
        int c = closeCode;
        return c < 0 ? OptionalInt.empty() : OptionalInt.of(c);
    }

    /**
     * The close reason that goes with {@link #closeCode()}; empty text if none.
     *
     * @return the reason
     */
    public String closeReason() {
        return closeReason;
    }

    /**
     * The subprotocol both sides agreed on ({@code Sec-WebSocket-Protocol}).
     *
     * @return the subprotocol, or empty if none
     */
    public Optional<String> subprotocol() {
        return Optional.ofNullable(subprotocol);
    }

    /**
     * Whether {@code permessage-deflate} was negotiated.
     *
     * @return true if messages may be compressed
     */
    public boolean isCompressed() {
        return deflate != null;
    }

    /** Whether the reader holds a read buffer now (tests: an idle connection holds none). */
    boolean holdsReadBuffer() {
        return rbuf != BufferPool.NONE;
    }

    @Override
    public String toString() {
        return "WebSocket[" + (client ? "client" : "server") + (isOpen() ? ", open" : ", closed " + closeCode) + "]";
    }
}
