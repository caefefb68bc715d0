package io.gevent4j;

import static org.assertj.core.api.Assertions.assertThat;

import io.gevent4j.socket.Io;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Readiness waits on a hand-driven hub: the hub's selector wakes the greenlet only when the
 * test drives the loop, and I/O time-outs run on the manual clock (no real sleeps).
 */
class DrivenHubIoTest {

    @Test
    void aReadinessWaitEndsWhenTheDrivenLoopSelectsTheChannel() throws Exception {
        Pipe pipe = Pipe.open();
        try (DrivenHub d = new DrivenHub(); var source = pipe.source(); var sink = pipe.sink()) {
            source.configureBlocking(false);
            List<String> log = new ArrayList<>();
            Greenlet<Void> g = d.hub.spawn(() -> {
                log.add("waiting");
                Io.waitRead(source);
                log.add("readable");
                return null;
            });
            d.runUntilIdle();
            assertThat(log).containsExactly("waiting");
            d.runUntilIdle();
            assertThat(log).containsExactly("waiting"); // nothing to read: still parked
            sink.write(ByteBuffer.wrap(new byte[] {1}));
            assertThat(log).containsExactly("waiting"); // the loop has not run
            d.runUntilIdle();
            assertThat(log).containsExactly("waiting", "readable");
            assertThat(g.ready()).isTrue();
            assertThat(d.errors).isEmpty();
        }
    }

    @Test
    void aGreenletWokenByThePollRunsInThePassThatPolled() throws Exception {
        Pipe pipe = Pipe.open();
        try (DrivenHub d = new DrivenHub(); var source = pipe.source(); var sink = pipe.sink()) {
            source.configureBlocking(false);
            List<String> log = new ArrayList<>();
            d.hub.spawn(() -> {
                Io.waitRead(source);
                log.add("readable");
                return null;
            });
            d.runUntilIdle();
            sink.write(ByteBuffer.wrap(new byte[] {1}));
            long passes = d.hub.loop().stats().passes();
            d.hub.loop().runPass(false); // one pass: its poll finds the pipe readable
            assertThat(d.hub.loop().stats().passes()).isEqualTo(passes + 1);
            assertThat(log).as("resumed by the poll itself, not queued for the next pass").containsExactly("readable");
        }
    }

    @Test
    void ioTimeoutsRunOnTheHubClock() throws Exception {
        Pipe pipe = Pipe.open();
        try (DrivenHub d = new DrivenHub(); var source = pipe.source(); var sink = pipe.sink()) {
            source.configureBlocking(false);
            Greenlet<String> g = d.hub.spawn(() -> {
                try {
                    Io.waitRead(source, Duration.ofSeconds(30));
                    return "readable";
                } catch (SocketTimeoutException e) {
                    return e.getMessage();
                }
            });
            d.runUntilIdle();
            d.advance(Duration.ofSeconds(29));
            assertThat(g.ready()).isFalse();
            d.advance(Duration.ofSeconds(1));
            assertThat(g.ready()).isTrue();
            assertThat(g.value()).isEqualTo("waitRead timed out");
        }
    }

    @Test
    void selectOverSeveralChannelsWakesOnTheFirstReady() throws Exception {
        Pipe a = Pipe.open();
        Pipe b = Pipe.open();
        try (DrivenHub d = new DrivenHub(); var sa = a.source(); var ka = a.sink(); var sb = b.source(); var kb = b.sink()) {
            sa.configureBlocking(false);
            sb.configureBlocking(false);
            Greenlet<Io.Selection> g = d.hub.spawn(() -> Io.select(List.of(sa, sb), List.of(), Duration.ofSeconds(5)));
            d.runUntilIdle();
            assertThat(g.ready()).isFalse();
            kb.write(ByteBuffer.wrap(new byte[] {1}));
            d.runUntilIdle();
            assertThat(g.ready()).isTrue();
            assertThat(g.value().readable()).containsExactly(sb);
            // After a select on a time-out, nothing is left registered as waiting: a new wait works.
            Greenlet<Io.Selection> timedOut = d.hub.spawn(() -> Io.select(List.of(sa), List.of(), Duration.ofSeconds(1)));
            d.runUntilIdle();
            d.advance(Duration.ofSeconds(1));
            assertThat(timedOut.value().isEmpty()).isTrue();
            Greenlet<Void> again = d.hub.spawn(() -> {
                Io.waitRead(sa);
                return null;
            });
            d.runUntilIdle();
            ka.write(ByteBuffer.wrap(new byte[] {1}));
            d.runUntilIdle();
            assertThat(again.ready()).isTrue();
        }
    }
}
