// Issue 12, point 7, measured: a 2-hub StreamServer (echo of 2 bytes), hub 0 then spins without
// yielding for 3 s while 20 new connections each make one round trip; prints their mean and
// worst latency. Bounded: 70 connections, 3 s of spinning. Run from the repository root after
// `./mvnw -pl gevent4j-core compile`:
//   java --add-opens java.base/java.lang=ALL-UNNAMED \
//     -cp gevent4j-core/target/classes:$HOME/.m2/repository/dnsjava/dnsjava/3.6.3/dnsjava-3.6.3.jar \
//     gevent4j-bench/scripts/reliability/BlockedHub.java
import io.gevent4j.*;
import io.gevent4j.server.StreamServer;
import java.net.*;
import java.time.Duration;

public class BlockedHub {
    public static void main(String[] a) throws Exception {
        try (HubGroup g = HubGroup.start(2)) {
            StreamServer s = StreamServer.builder(c -> { byte[] b = new byte[2]; c.recvInto(java.nio.ByteBuffer.wrap(b)); c.sendAll(b); })
                    .hubs(g).listen("127.0.0.1:0").build().start();
            for (int i = 0; i < 50; i++) rt(s); // warm-up
            g.hubs().get(0).spawn(() -> { long end = System.nanoTime() + 3_000_000_000L; while (System.nanoTime() < end) Thread.onSpinWait(); });
            Thread.sleep(100);
            long worst = 0, sum = 0; int n = 20;
            for (int i = 0; i < n; i++) { long t = rt(s); worst = Math.max(worst, t); sum += t; }
            System.out.printf("during a 3 s block of hub 0: %d new connections, mean %.2f ms, worst %.2f ms%n", n, sum / n / 1e6, worst / 1e6);
            s.stop(Duration.ofSeconds(5));
        }
    }
    static long rt(StreamServer s) throws Exception {
        long t0 = System.nanoTime();
        try (Socket c = new Socket(InetAddress.getLoopbackAddress(), s.address().getPort())) {
            c.getOutputStream().write("hi".getBytes()); c.getInputStream().readNBytes(2);
        }
        return System.nanoTime() - t0;
    }
}
