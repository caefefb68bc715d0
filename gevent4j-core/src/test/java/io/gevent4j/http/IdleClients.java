package io.gevent4j.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The client of {@link IdleConnectionFootprintTest}, run in a process of its own so that its
 * sockets are not counted in the server's heap: opens N connections to 127.0.0.1:PORT, sends one
 * keep-alive {@code GET /} on each and reads each whole answer, prints {@code held N}, then holds
 * them silent until its standard input ends. Plain blocking JDK sockets; arguments: PORT N.
 */
public final class IdleClients {
    private static final byte[] REQUEST = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private IdleClients() {}

    public static void main(String[] args) throws IOException {
        InetSocketAddress server = new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0]));
        int n = Integer.parseInt(args[1]);
        List<SocketChannel> held = new ArrayList<>(n);
        for (int i = 0; i < n; i++) { // all connect, then all ask, then all read: the server serves them at once
            held.add(SocketChannel.open(server));
        }
        for (SocketChannel c : held) {
            c.write(ByteBuffer.wrap(REQUEST));
        }
        ByteBuffer in = ByteBuffer.allocate(4096);
        for (int i = 0; i < n; i++) {
            in.clear();
            while (!answered(in)) {
                if (held.get(i).read(in) < 0) {
                    throw new IOException("the server closed connection " + i + " before answering");
                }
            }
        }
        System.out.println("held " + held.size());
        System.out.flush();
        while (System.in.read() >= 0) {
            // hold until the test closes our input
        }
        for (SocketChannel c : held) {
            c.close();
        }
    }

    /** Whether {@code in} holds a whole response with a Content-Length body. */
    private static boolean answered(ByteBuffer in) {
        String s = new String(in.array(), 0, in.position(), StandardCharsets.ISO_8859_1);
        int end = s.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        int length = 0;
        for (String line : s.substring(0, end).split("\r\n")) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return s.length() >= end + 4 + length;
    }
}
