package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.testkit.Delays;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class AsyncResultTest {

    @Test
    void valueIsDeliveredToEveryWaiter() {
        try (DrivenHub d = new DrivenHub()) {
            AsyncResult<String> r = new AsyncResult<>();
            List<String> got = new ArrayList<>();
            d.hub.spawn(() -> got.add("1:" + r.result()));
            d.hub.spawn(() -> got.add("2:" + r.result()));
            d.runUntilIdle();
            assertThat(r.ready()).isFalse();
            r.set("v");
            d.runUntilIdle();
            assertThat(got).containsExactly("1:v", "2:v");
            assertThat(r.successful()).isTrue();
            assertThat(r.value()).isEqualTo("v");
            assertThat(r.exception()).isNull();
        }
    }

    @Test
    void exceptionIsRethrownAsItIsOrWrappedForTheFutureApi() {
        AsyncResult<String> r = new AsyncResult<>();
        IllegalStateException boom = new IllegalStateException("boom");
        r.setException(boom);
        assertThat(r.successful()).isFalse();
        assertThat(r.exception()).isSameAs(boom);
        assertThatThrownBy(r::result).isSameAs(boom);
        assertThatThrownBy(r::get).isInstanceOf(ExecutionException.class).hasCause(boom);
        AsyncResult<String> checked = new AsyncResult<>();
        IOException io = new IOException("io");
        checked.setException(io);
        assertThatThrownBy(checked::result).isInstanceOf(CompletionException.class).hasCause(io);
    }

    @Test
    void timeoutsRaiseTimeoutOrTimeoutExceptionOrReturnFalse() {
        AsyncResult<String> r = new AsyncResult<>();
        assertThatThrownBy(() -> r.result(Delays.SHORT)).isInstanceOf(Timeout.class);
        assertThatThrownBy(() -> r.get(1, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        assertThat(r.await(Duration.ZERO)).isFalse();
        assertThat(r.cancel(true)).isFalse();
        assertThat(r.isDone()).isFalse();
    }

    @Test
    void isALinkTargetOfAGreenlet() {
        try (DrivenHub d = new DrivenHub()) {
            AsyncResult<Integer> ok = new AsyncResult<>();
            AsyncResult<Integer> failed = new AsyncResult<>();
            RuntimeException boom = new RuntimeException("boom");
            d.hub.spawn(() -> 42).rawlink(ok);
            d.hub.<Integer>spawn(() -> {
                throw boom;
            }).link(failed);
            d.runUntilIdle();
            assertThat(ok.value()).isEqualTo(42);
            assertThat(failed.exception()).isSameAs(boom);
        }
    }

    @Test
    void aGreenletOnOneHubWaitsForAValueSetByAPlainThread() throws Exception {
        AsyncResult<String> r = new AsyncResult<>();
        try (Hub h = Hub.start("ar")) {
            Greenlet<String> g = h.spawn(() -> r.result(Delays.LONG));
            Thread t = Thread.ofPlatform().start(() -> r.set("from a thread"));
            assertThat(g.result(Delays.LONG)).isEqualTo("from a thread");
            t.join();
        }
    }
}
