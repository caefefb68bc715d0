package io.gevent4j.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * The floor of an HTTP/1.1 hello-world server on one core in Java: one thread, one NIO
 * {@link Selector}, no parsing beyond finding each request's end (the empty line; requests
 * without a body only), and a canned keep-alive response, all the responses to one read written
 * with one {@code write}. No greenlets, no threads, no objects per request: nothing a real server
 * can skip. {@code http-hello-wrk.sh} runs it beside gevent4j and Netty, pinned the same way, so
 * the ratio gevent4j / floor names what the server's own code costs and Netty / floor what any
 * Java server on this loop can gain. Usage: {@code HttpHelloFloor PORT}. Runs until killed.
 */
public final class HttpHelloFloor {
    private static final byte[] RESPONSE = ("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n"
            + "content-length: 13\r\nconnection: keep-alive\r\n\r\nHello, World!").getBytes(StandardCharsets.US_ASCII);
    /** Up to this many pipelined responses per write (wrk's pipelining script sends 16). */
    private static final int MAX_BATCH = 64;

    private HttpHelloFloor() {}

    /** The state of one connection: how far into "\r\n\r\n" the bytes read so far are. */
    private static final class Conn {
        final SocketChannel ch;
        int matched;

        Conn(SocketChannel ch) {
            this.ch = ch;
        }
    }

    /**
     * Serves until killed.
     *
     * @param args the port
     * @throws IOException if the listener cannot be made
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: HttpHelloFloor PORT");
        }
        int port = Integer.parseInt(args[0]);
        ByteBuffer canned = ByteBuffer.allocateDirect(RESPONSE.length * MAX_BATCH);
        for (int i = 0; i < MAX_BATCH; i++) {
            canned.put(RESPONSE);
        }
        ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
        try (Selector selector = Selector.open();
                ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress("127.0.0.1", port), 4096);
            listener.configureBlocking(false);
            listener.register(selector, SelectionKey.OP_ACCEPT);
            System.out.println("http floor listening on " + listener.getLocalAddress());
            for (;;) {
                selector.select(key -> {
                    try {
                        if (key.isAcceptable()) {
                            SocketChannel c;
                            while ((c = listener.accept()) != null) {
                                c.configureBlocking(false);
                                c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                                c.register(selector, SelectionKey.OP_READ, new Conn(c));
                            }
                        } else {
                            serve((Conn) key.attachment(), key, in.clear(), canned);
                        }
                    } catch (IOException e) {
                        key.cancel();
                        try {
                            key.channel().close();
                        } catch (IOException ignored) {
                            // closing after a failure: nothing more to report
                        }
                    }
                });
            }
        }
    }

    private static void serve(Conn c, SelectionKey key, ByteBuffer in, ByteBuffer canned) throws IOException {
        int n = c.ch.read(in);
        if (n < 0) {
            key.cancel();
            c.ch.close();
            return;
        }
        int requests = 0;
        int m = c.matched;
        for (int i = 0; i < n; i++) {
            byte b = in.get(i);
            // "\r\n\r\n": states 0..3 (how many of its bytes end the input so far)
            if (b == '\r') {
                m = (m == 2) ? 3 : 1;
            } else if (b == '\n' && (m == 1 || m == 3)) {
                if (m == 3) {
                    requests++;
                    m = 0;
                } else {
                    m = 2;
                }
            } else {
                m = 0;
            }
        }
        c.matched = m;
        while (requests > 0) {
            int batch = Math.min(requests, MAX_BATCH);
            ByteBuffer out = canned.duplicate().limit(batch * RESPONSE.length).position(0);
            while (out.hasRemaining()) {
                if (c.ch.write(out) == 0) {
                    throw new IOException("send buffer full: the floor assumes a reading client");
                }
            }
            requests -= batch;
        }
    }
}
