package io.gevent4j.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gevent4j.GreenletExit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hand-off machinery under the primitives, including the one race it must undo. */
class WaitListTest {

    @Test
    void grantFirstSkipsWaitersWhoseWaitAlreadyEndedAndKeepsTheirItems() {
        Object lock = new Object();
        WaitList list = new WaitList(lock);
        Strand s = Strand.current();
        synchronized (lock) {
            WaitList.Node timedOut = list.add(s, "offered by the first");
            WaitList.Node waiting = list.add(s, null);
            timedOut.waiter.fire(); // its deadline passed a moment ago
            WaitList.Node granted = list.grantFirst("item");
            assertThat(granted).isSameAs(waiting);
            assertThat(waiting.item).isEqualTo("item");
            assertThat(timedOut.item).isNull();
            assertThat(timedOut.offered).isEqualTo("offered by the first");
            assertThat(list.isEmpty()).isTrue();
        }
    }

    @Test
    void anExceptionDeliveredAfterAGrantButBeforeTheParkGivesTheGrantBackAndIsRaised() {
        Object lock = new Object();
        WaitList list = new WaitList(lock);
        Strand s = Strand.current();
        WaitList.Node n;
        synchronized (lock) {
            n = list.add(s, null);
            assertThat(list.grantFirst("permit")).isSameAs(n);
        }
        GreenletExit kill = new GreenletExit();
        assertThat(s.deliver(kill)).isTrue();
        List<Object> givenBack = new ArrayList<>();
        assertThatThrownBy(() -> list.park(n, Strand.NO_DEADLINE, node -> givenBack.add(node.item))).isSameAs(kill);
        assertThat(givenBack).containsExactly("permit");
        assertThat(s.hasPending()).isFalse();
    }

    @Test
    void aTimedOutParkUnlinksItsNode() {
        Object lock = new Object();
        WaitList list = new WaitList(lock);
        Strand s = Strand.current();
        WaitList.Node n;
        synchronized (lock) {
            n = list.add(s, null);
        }
        assertThat(list.park(n, s.deadlineAfter(1_000_000), node -> {
            throw new AssertionError("nothing was granted");
        })).isFalse();
        synchronized (lock) {
            assertThat(list.isEmpty()).isTrue();
            assertThat(list.grantFirst("late")).isNull();
        }
    }
}
