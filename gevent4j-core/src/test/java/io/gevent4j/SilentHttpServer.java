package io.gevent4j;

import io.gevent4j.testkit.Delays;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The slowest HTTP server there is: it accepts on 127.0.0.1 and never answers, so a client
 * parks in its read until something cuts it short. Its accept loop is one platform thread,
 * joined by {@link #close()}, which also closes every connection it holds.
 */
final class SilentHttpServer implements AutoCloseable {
    private final ServerSocket listener;
    private final Thread acceptor;
    private final List<Socket> held = new CopyOnWriteArrayList<>();
    private final LinkedBlockingQueue<Socket> accepted = new LinkedBlockingQueue<>();

    SilentHttpServer() throws IOException {
        listener = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        acceptor = Thread.ofPlatform().name("silent-http").daemon().start(this::acceptLoop);
    }

    private void acceptLoop() {
        while (true) {
            try {
                Socket s = listener.accept();
                held.add(s);
                accepted.add(s);
            } catch (IOException closed) {
                return;
            }
        }
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort() + "/slow");
    }

    /** Waits (this platform thread) until a client has connected: it is then parked in its read. */
    void awaitConnection() throws InterruptedException {
        if (accepted.poll(Delays.LONG.toMillis(), TimeUnit.MILLISECONDS) == null) {
            throw new AssertionError("no client connected within " + Delays.LONG);
        }
    }

    @Override
    public void close() throws Exception {
        listener.close();
        acceptor.join();
        for (Socket s : held) {
            s.close();
        }
    }
}
