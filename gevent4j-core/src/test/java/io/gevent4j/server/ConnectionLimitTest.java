package io.gevent4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** Issue 12, point 3: the default connection limit follows the descriptor limit. */
class ConnectionLimitTest {
    @Test
    void theRuleLeavesAReserveAndRoomForClosingSockets() {
        assertThat(ConnectionLimit.derive(256, 20)).isEqualTo((256 - 20 - 64) / 2);
        assertThat(ConnectionLimit.derive(4096, 30)).isEqualTo((4096 - 30 - 512) / 2);
        assertThat(ConnectionLimit.derive(1 << 20, 30)).isEqualTo(((1 << 20) - 30 - (1 << 17)) / 2);
        assertThat(ConnectionLimit.derive(64, 40)).as("never below the floor").isEqualTo(ConnectionLimit.FLOOR);
        assertThat(ConnectionLimit.derive(Long.MAX_VALUE, 30)).as("no real limit").isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void serversShareTheDefaultDerivedFromThisProcesssLimit() throws Exception {
        int max = StreamServer.defaultMaxConnections();
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix
                && System.getProperty(ConnectionLimit.PROPERTY) == null) {
            long limit = unix.getMaxFileDescriptorCount();
            assertThat((long) max).isLessThan(limit / 2).isGreaterThanOrEqualTo(ConnectionLimit.FLOOR);
        }
        assertThat(ConnectionLimit.shared().initialPermits()).isEqualTo(max);
    }
}
