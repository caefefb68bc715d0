import io.gevent4j.http.HttpServer;
import java.time.Duration;

/**
 * The server the HTTP attack scripts hit: gevent4j's HttpServer with its default limits and
 * time-outs, plus a connection cap. Run as a single-file program on the gevent4j jar:
 * {@code java --add-opens java.base/java.lang=ALL-UNNAMED -cp gevent4j.jar HttpAttackTarget.java PORT MAXCONN}.
 * {@code GET /big} answers 8 MiB (for slow readers); anything else reads the body with
 * {@code bodyBytes()} and answers its length. {@code -Dwrite.timeout=5s} shortens the write time-out.
 */
public class HttpAttackTarget {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int maxConnections = Integer.parseInt(args[1]);
        byte[] big = new byte[8 << 20];
        HttpServer.Builder b = HttpServer.builder((req, res) -> {
            if (req.path().equals("/big")) {
                res.send(200, big);
            } else {
                res.send(200, "got " + req.bodyBytes().length + "\n");
            }
        }).listen("127.0.0.1:" + port).maxConnections(maxConnections);
        String wt = System.getProperty("write.timeout");
        if (wt != null) {
            b.writeTimeout(Duration.parse("PT" + wt.toUpperCase()));
        }
        b.build().start().serveForever();
    }
}
