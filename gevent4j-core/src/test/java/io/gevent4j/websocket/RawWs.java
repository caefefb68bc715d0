package io.gevent4j.websocket;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A hand-written WebSocket peer on a plain JDK socket, for frames a real client would never
 * send: it writes exactly the bytes a test gives, masked or not, and reads frames back raw.
 */
final class RawWs implements AutoCloseable {
    final Socket socket;
    final DataInputStream in;
    final OutputStream out;
    final String head;

    private RawWs(Socket socket, String head) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
        this.head = head;
    }

    /** Connects and sends a handshake with {@code extra} header lines; reads the response head. */
    static RawWs open(int port, String extra) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(10_000);
        String req = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + extra + "\r\n";
        s.getOutputStream().write(req.getBytes(StandardCharsets.ISO_8859_1));
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        var in = s.getInputStream();
        while (!h.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            h.write(b);
        }
        return new RawWs(s, h.toString(StandardCharsets.ISO_8859_1));
    }

    /** Writes one frame: first byte {@code b0}, the payload, masked with a fixed key if {@code mask}. */
    RawWs frame(int b0, byte[] payload, boolean mask) throws IOException {
        out.write(encode(b0, payload, mask));
        out.flush();
        return this;
    }

    static byte[] encode(int b0, byte[] payload, boolean mask) {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write(b0);
        int m = mask ? 0x80 : 0;
        int n = payload.length;
        if (n < 126) {
            f.write(m | n);
        } else if (n < 65536) {
            f.write(m | 126);
            f.write(n >>> 8);
            f.write(n);
        } else {
            f.write(m | 127);
            for (int i = 7; i >= 0; i--) {
                f.write((int) ((long) n >>> (8 * i)));
            }
        }
        byte[] key = {0x12, 0x34, 0x56, 0x78};
        if (mask) {
            f.writeBytes(key);
        }
        for (int i = 0; i < n; i++) {
            f.write(mask ? payload[i] ^ key[i & 3] : payload[i]);
        }
        return f.toByteArray();
    }

    /** One frame from the server: {opcode byte (with FIN/RSV bits), payload}. */
    record Frame(int b0, byte[] payload) {
        int opcode() {
            return b0 & 0x0f;
        }

        int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
        }

        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    Frame read() throws IOException {
        int b0 = in.readUnsignedByte();
        int b1 = in.readUnsignedByte();
        if ((b1 & 0x80) != 0) {
            throw new IOException("server frame is masked");
        }
        long n = b1 & 0x7f;
        if (n == 126) {
            n = in.readUnsignedShort();
        } else if (n == 127) {
            n = in.readLong();
        }
        byte[] p = new byte[(int) n];
        in.readFully(p);
        return new Frame(b0, p);
    }

    /** Reads frames until a close frame and returns its code. */
    int closeCode() throws IOException {
        for (;;) {
            Frame f = read();
            if (f.opcode() == 8) {
                return f.closeCode();
            }
        }
    }

    /** Whether the server closed its side: end of stream next (after any frames). */
    boolean endOfStream() throws IOException {
        return in.read() < 0;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
