package io.gevent4j;

import static io.gevent4j.testkit.Delays.LONG;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.server.StreamServer;
import io.gevent4j.testkit.Probe;
import java.net.ConnectException;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, point 1: nothing a task, a timer, a callback, an error handler or a logger throws
 * ends a hub's loop; a loop that cannot go on says so and its servers stop visibly.
 */
class HubLoopSurvivesTest {
    /** Fails like JUL out of file descriptors (its first time stamp loads time-zone data). */
    static final class FailingLogHandler extends Handler {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public void publish(LogRecord r) {
            calls.incrementAndGet();
            throw new Error("simulated: the logger cannot open its time-zone data");
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }

    @Test
    void errorsOfTasksTimersHandlersAndTheLoggerNeverEndTheLoop() {
        Logger jul = Logger.getLogger("io.gevent4j");
        boolean useParent = jul.getUseParentHandlers();
        FailingLogHandler failing = new FailingLogHandler();
        jul.setUseParentHandlers(false);
        jul.addHandler(failing);
        Hub hub = Hub.start("survives");
        AtomicInteger handled = new AtomicInteger();
        hub.setErrorHandler((h, g, e) -> {
            handled.incrementAndGet();
            throw new Error("simulated: the error handler fails too");
        });
        try {
            hub.callSoon(() -> {
                throw new Error("a callback fails");
            });
            hub.callLater(Duration.ZERO, () -> {
                throw new StackOverflowError("a timer fails");
            });
            Greenlet<Object> g = hub.spawn(() -> {
                throw new OutOfMemoryError("a greenlet fails");
            });
            assertThat(g.join(LONG)).as(() -> "the greenlet ended; the hub's loop:" + Probe.stacksOf("survives")).isTrue();
            assertThat(hub.spawn(() -> 42).result(LONG)).isEqualTo(42);
            assertThat(handled).hasValueGreaterThanOrEqualTo(3);
            assertThat(failing.calls).as("the logger was tried (and failed)").hasPositiveValue();
            assertThat(hub.isTerminated()).isFalse();
        } finally {
            jul.removeHandler(failing);
            jul.setUseParentHandlers(useParent);
            assertThat(hub.close(LONG)).as(() -> "closed; the hub's loop:" + Probe.stacksOf("survives")).isTrue();
        }
    }

    @Test
    void aLoopThatCannotGoOnEndsAndItsServerStopsVisibly() throws Exception {
        Hub hub = Hub.start("breaks");
        StreamServer server = StreamServer.builder(c -> c.sendAll("hi".getBytes(US_ASCII)))
                .hub(hub).listen("127.0.0.1:0").build().start();
        int port = server.address().getPort();
        try {
            try (Socket s = new Socket("127.0.0.1", port)) {
                assertThat(s.getInputStream().readNBytes(2)).isEqualTo("hi".getBytes(US_ASCII));
            }
            hub.selectorForTest().close(); // the loop's own machinery breaks for good
            assertThat(hub.awaitTermination(LONG)).isTrue();
            assertThat(server.awaitStop(LONG)).as("the server stops instead of staying up deaf").isTrue();
            assertThat(server.failure()).hasValueSatisfying(f -> assertThat(f).contains("breaks").contains("died"));
            assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
            assertThatThrownBy(server::serveForever).isInstanceOf(IllegalStateException.class).hasMessageContaining("died");
        } finally {
            server.stop(Duration.ZERO);
            hub.close(LONG);
        }
    }
}
