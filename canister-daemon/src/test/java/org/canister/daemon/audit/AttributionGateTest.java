package org.canister.daemon.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AttributionGateTest {
    private final AtomicLong caughtUp = new AtomicLong(Long.MIN_VALUE);
    private final AttributionGate<String> gate = new AttributionGate<>(t -> t <= caughtUp.get(), 200);
    private final List<String> out = new ArrayList<>();

    @Test
    void shouldHoldEventsUntilTheTrackerHasCaughtUpWithTheirReceiveTime() {
        gate.add("a");
        gate.add("b");
        gate.mark(100);
        gate.add("c");
        gate.mark(110);
        assertThat(gate.release(120, false, out)).isZero();
        assertThat(out).isEmpty();
        caughtUp.set(105); // covers the first receive only
        assertThat(gate.release(120, false, out)).isEqualTo(2);
        assertThat(out).containsExactly("a", "b");
        assertThat(gate.size()).isEqualTo(1);
        caughtUp.set(110);
        assertThat(gate.release(121, false, out)).isEqualTo(1);
        assertThat(out).containsExactly("a", "b", "c");
        assertThat(gate.isEmpty()).isTrue();
        assertThat(gate.timeouts()).isZero();
    }

    @Test
    void shouldKeepOrderAndReleaseAfterTheLongestHold() {
        gate.add("old");
        gate.add("older");
        gate.mark(1_000);
        gate.add("new");
        gate.mark(1_150);
        assertThat(gate.release(1_199, false, out)).isZero();
        // the first mark has waited 201 ns > 200: released with what the table has, its events counted
        assertThat(gate.release(1_201, false, out)).isEqualTo(2);
        assertThat(out).containsExactly("old", "older");
        assertThat(gate.timeouts()).isEqualTo(2);
        caughtUp.set(1_150);
        gate.release(1_202, false, out);
        assertThat(out).containsExactly("old", "older", "new");
    }

    @Test
    void shouldNotReleaseUnmarkedEventsExceptWhenForced() {
        caughtUp.set(Long.MAX_VALUE);
        gate.add("x");
        assertThat(gate.release(5, false, out)).as("not marked yet: its receive time is unknown").isZero();
        gate.add("y");
        assertThat(gate.release(5, true, out)).isEqualTo(2);
        assertThat(out).containsExactly("x", "y");
        gate.add("z");
        gate.mark(6);
        assertThat(gate.release(7, false, out)).as("marks were reset by the forced release").isEqualTo(1);
    }

    @Test
    void shouldReleaseAtOnceWithoutATracker() {
        AttributionGate<String> open = new AttributionGate<>(null, 200);
        open.add("e");
        open.mark(1);
        assertThat(open.release(1, false, out)).isEqualTo(1);
    }

    @Test
    void shouldGrowItsMarks() {
        for (int i = 0; i < 100; i++) {
            gate.add("e" + i);
            gate.mark(i);
        }
        caughtUp.set(49);
        assertThat(gate.release(50, false, out)).isEqualTo(50);
        caughtUp.set(99);
        assertThat(gate.release(100, false, out)).isEqualTo(50);
        assertThat(out).hasSize(100).startsWith("e0", "e1").endsWith("e99");
    }
}
