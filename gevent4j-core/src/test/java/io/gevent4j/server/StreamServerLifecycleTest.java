package io.gevent4j.server;

import static io.gevent4j.testkit.Delays.LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.Hub;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** gevent's server life-cycle flags, and options that cannot apply (issue #13). */
class StreamServerLifecycleTest {
    Hub hub;

    @BeforeEach
    void startHub() {
        hub = Hub.start("server-lifecycle-test");
    }

    @AfterEach
    void closeHub() {
        assertThat(hub.close(LONG)).isTrue();
    }

    @Test
    void isStartedIsFalseAgainAfterStop() throws Exception {
        StreamServer s = StreamServer.builder(c -> {}).hub(hub).listen("127.0.0.1:0").build();
        assertThat(s.isStarted()).isFalse();
        s.start();
        assertThat(s.isStarted()).isTrue();
        s.stop(Duration.ZERO);
        assertThat(s.isStarted()).isFalse();
        assertThat(s.isStopping()).isTrue();
    }

    @Test
    void backlogWithAnAlreadyBoundChannelIsRefused() throws Exception {
        try (ServerSocketChannel bound = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0), 7)) {
            assertThatThrownBy(() -> StreamServer.builder(c -> {}).listen(bound).backlog(5).build())
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("already-bound channel");
            assertThatThrownBy(() -> StreamServer.builder(c -> {}).backlog(5).listen(bound).build())
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("backlog(5)");
            StreamServer s = StreamServer.builder(c -> {}).hub(hub).listen(bound).build().start();
            assertThat(s.isStarted()).isTrue();
            s.stop(Duration.ZERO);
        }
    }
}
