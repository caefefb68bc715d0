package io.gevent4j.internal.uring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Skips a test where io_uring is unavailable, except under {@code CI=true}: there it fails. */
final class UringAssumptions {
    private UringAssumptions() {}

    static void assumeUringAvailable() {
        String why = Pollers.unavailableReason();
        if ("true".equals(System.getenv("CI"))) {
            assertThat(why).as("io_uring must be available in CI").isEmpty();
        }
        assumeTrue(why.isEmpty(), () -> "io_uring unavailable: " + why);
    }
}
