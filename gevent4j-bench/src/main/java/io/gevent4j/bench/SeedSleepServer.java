package io.gevent4j.bench;

import io.gevent4j.Gevent;
import io.gevent4j.HubGroup;
import io.gevent4j.server.StreamServer;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The seed experiment on a gevent4j StreamServer, the same program as the anchors'
 * {@code py/sleep_server.py gevent}: recv(1024), sleep 100 ms, send
 * {@code HTTP/1.0 200 Ok\r\n\r\nHelloWorld}, shutdown the write side, close.
 * Usage: {@code SeedSleepServer PORT [HUBS] [BACKLOG]}. For {@code ab -r -n 20000 -c 1000}.
 */
public final class SeedSleepServer {
    private SeedSleepServer() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int hubs = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int backlog = args.length > 2 ? Integer.parseInt(args[2]) : 4096;
        byte[] response = "HTTP/1.0 200 Ok\r\n\r\nHelloWorld".getBytes(StandardCharsets.US_ASCII);
        StreamServer server = StreamServer.builder(conn -> {
            conn.recvInto(ByteBuffer.allocate(1024));
            Gevent.sleep(Duration.ofMillis(100));
            conn.sendAll(response);
            conn.tcp().shutdownOutput();
        }).listen(new InetSocketAddress("127.0.0.1", port)).backlog(backlog).hubs(HubGroup.start(hubs)).reusePort(hubs > 1).build().start();
        System.out.println("gevent4j seed server listening on " + server.address() + " with " + hubs + " hub(s)");
        server.serveForever();
    }
}
