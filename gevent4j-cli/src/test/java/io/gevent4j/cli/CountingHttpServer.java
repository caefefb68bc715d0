package io.gevent4j.cli;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * An HTTP/1.x server of known behaviour for the load generator's tests, on plain
 * {@code java.net} sockets and platform threads (nothing of the library): it numbers every
 * request it reads (0, 1, 2... across all connections) and answers request {@code i} as
 * {@code behaviour.apply(i)} says. Keep-alive as HTTP/1.x says (1.1 unless "Connection: close";
 * 1.0 only with "Connection: keep-alive"). Every thread it starts is joined by {@link #close()}.
 */
final class CountingHttpServer implements AutoCloseable {
    /** What to do with one request. */
    /** RESET closes with an RST (linger 0); SILENT never answers and waits for the client to leave. */
    enum Answer { OK, NOT_FOUND, SHORTER_BODY, CLOSE_WITHOUT_REPLY, GARBAGE, RESET, SILENT }

    static final String BODY = "hello";

    final AtomicInteger requests = new AtomicInteger();
    final AtomicInteger connections = new AtomicInteger();
    final List<String> requestHeads = java.util.Collections.synchronizedList(new ArrayList<>());
    private final ServerSocket server;
    private final IntFunction<Answer> behaviour;
    private final Thread acceptor;
    private final List<Thread> threads = java.util.Collections.synchronizedList(new ArrayList<>());
    private final List<Socket> sockets = java.util.Collections.synchronizedList(new ArrayList<>());

    CountingHttpServer(IntFunction<Answer> behaviour) throws IOException {
        this.behaviour = behaviour;
        this.server = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress());
        this.acceptor = Thread.ofPlatform().name("counting-http-acceptor").start(this::acceptLoop);
    }

    String url() {
        return "http://127.0.0.1:" + server.getLocalPort() + "/path?q=1";
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                sockets.add(s);
                threads.add(Thread.ofPlatform().name("counting-http-conn").start(() -> serve(s)));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            while (true) {
                String head = readHead(in);
                if (head == null) {
                    return;
                }
                String lower = head.toLowerCase(Locale.ROOT);
                int cl = contentLength(lower);
                in.readNBytes(cl);
                requestHeads.add(head);
                int i = requests.getAndIncrement();
                boolean http11 = head.startsWith("HTTP/1.1", head.indexOf("\r\n") - 8);
                boolean keep = http11 ? !lower.contains("connection: close") : lower.contains("connection: keep-alive");
                Answer a = behaviour.apply(i);
                String conn = keep ? (http11 ? "" : "Connection: keep-alive\r\n") : "Connection: close\r\n";
                String reply = switch (a) {
                    case OK -> "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n" + conn + "\r\n" + BODY;
                    case NOT_FOUND -> "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n" + conn + "\r\nnot found";
                    case SHORTER_BODY -> "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n" + conn + "\r\nhel";
                    case GARBAGE -> "SMTP ready\r\n\r\n";
                    case CLOSE_WITHOUT_REPLY, RESET, SILENT -> null;
                };
                if (a == Answer.RESET) {
                    s.setSoLinger(true, 0);
                }
                if (a == Answer.SILENT) {
                    in.transferTo(OutputStream.nullOutputStream()); // until the client closes
                }
                if (reply == null) {
                    return;
                }
                out.write(reply.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                if (!keep || a == Answer.GARBAGE) {
                    return;
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static int contentLength(String lowerHead) {
        int at = lowerHead.indexOf("content-length:");
        if (at < 0) {
            return 0;
        }
        int end = lowerHead.indexOf("\r\n", at);
        return Integer.parseInt(lowerHead.substring(at + 15, end < 0 ? lowerHead.length() : end).trim());
    }

    /** The request head without the final blank line, or null at end of stream. */
    private static String readHead(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            sb.append((char) c);
            int n = sb.length();
            if (n >= 4 && sb.charAt(n - 4) == '\r' && sb.charAt(n - 3) == '\n' && sb.charAt(n - 2) == '\r'
                    && sb.charAt(n - 1) == '\n') {
                return sb.substring(0, n - 2);
            }
        }
        return null;
    }

    @Override
    public void close() throws Exception {
        server.close();
        acceptor.join();
        synchronized (sockets) {
            for (Socket s : sockets) {
                s.close();
            }
        }
        List<Thread> copy;
        synchronized (threads) {
            copy = List.copyOf(threads);
        }
        for (Thread t : copy) {
            t.join();
        }
    }
}
