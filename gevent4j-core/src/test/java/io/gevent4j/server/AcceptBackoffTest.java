package io.gevent4j.server;

import static io.gevent4j.testkit.Delays.LONG;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.Gevent;
import io.gevent4j.Hub;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * EMFILE for real: a helper process lowers this JVM's open-file limit (prlimit) so that
 * accept fails with "Too many open files", connects clients (they wait in the backlog), then
 * raises the limit again; the server must back off, recover and answer every client.
 * Linux only (needs /proc and Python's resource.prlimit); skipped elsewhere.
 */
class AcceptBackoffTest {
    static final String HELPER = """
            import os, resource, socket, sys, time
            pid, port = int(sys.argv[1]), int(sys.argv[2])
            soft, hard = resource.prlimit(pid, resource.RLIMIT_NOFILE)
            used = {int(f) for f in os.listdir("/proc/%d/fd" % pid)}
            lowest_free = min(i for i in range(len(used) + 1) if i not in used)
            resource.prlimit(pid, resource.RLIMIT_NOFILE, (lowest_free, hard))
            try:
                clients = []
                for i in range(5):
                    s = socket.create_connection(("127.0.0.1", port), timeout=10)
                    s.sendall(b"ping")
                    clients.append(s)
                time.sleep(0.4)
            finally:
                resource.prlimit(pid, resource.RLIMIT_NOFILE, (soft, hard))
            answers = [s.recv(100) for s in clients]
            print(sum(1 for a in answers if a == b"pong"))
            """;

    @Test
    void acceptErrorsBackOffAndTheServerRecovers(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs /proc");
        Path helper = dir.resolve("emfile.py");
        Files.writeString(helper, HELPER);
        Logger jul = Logger.getLogger(StreamServer.class.getName());
        List<String> warnings = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                warnings.add(r.getMessage());
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        jul.addHandler(capture);
        Hub hub = Hub.start("emfile-test");
        StreamServer s = StreamServer.builder(c -> {
            c.recvInto(java.nio.ByteBuffer.allocate(4));
            c.sendAll("pong".getBytes(US_ASCII));
        }).hub(hub).listen("127.0.0.1:0").build().start();
        try {
            // Warm up every class of the accept and back-off paths while files can still be opened.
            hub.spawn(() -> Gevent.sleep(Duration.ofMillis(1))).join(LONG);
            new java.util.logging.SimpleFormatter().format(new LogRecord(java.util.logging.Level.INFO, "warm-up"));
            try (Socket warm = new Socket("127.0.0.1", s.address().getPort())) {
                warm.getOutputStream().write("ping".getBytes(US_ASCII));
                assertThat(warm.getInputStream().readNBytes(4)).isEqualTo("pong".getBytes(US_ASCII));
            }
            Process p;
            try {
                p = new ProcessBuilder("python3", helper.toString(), Long.toString(ProcessHandle.current().pid()),
                        Integer.toString(s.address().getPort())).redirectErrorStream(true).start();
            } catch (java.io.IOException noPython) {
                Assumptions.abort("python3 is not installed");
                return;
            }
            String out;
            try {
                out = new String(p.getInputStream().readAllBytes(), US_ASCII).strip();
                assertThat(p.waitFor(LONG.toMillis() * 4, TimeUnit.MILLISECONDS)).isTrue();
            } finally {
                p.destroyForcibly(); // nothing left once it has exited; a helper that hangs must not outlive the test
                p.waitFor(LONG.toMillis(), TimeUnit.MILLISECONDS);
            }
            Assumptions.assumeFalse(out.contains("PermissionError") || out.contains("ModuleNotFoundError"),
                    "the helper may not change this process's limits: " + out);
            assertThat(out).as("clients answered after the limit was raised; server log: %s", warnings).isEqualTo("5");
            assertThat(warnings).anySatisfy(w -> assertThat(w).contains("accept failed").contains("retrying in"));
            assertThat(s.isAccepting()).isTrue();
        } finally {
            jul.removeHandler(capture);
            s.stop(Duration.ZERO);
            assertThat(hub.close(LONG)).isTrue();
        }
    }
}
