package org.canister.daemon.tracking;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class TrackerProgressTest {
    private final AtomicBoolean socketEmpty = new AtomicBoolean(false);
    private final TrackerProgress p = new TrackerProgress();

    TrackerProgressTest() {
        p.socketEmpty(socketEmpty::get);
    }

    @Test
    void shouldBeCaughtUpWithWhatItsLastCompleteDrainCovered() {
        assertThat(p.caughtUpTo(100)).isFalse();
        p.beginDrain();
        p.endDrain(150);
        assertThat(p.caughtUpTo(100)).isTrue();
        assertThat(p.caughtUpTo(150)).isTrue();
        assertThat(p.caughtUpTo(151)).as("datagrams queued after the drain began").isFalse();
        p.beginDrain();
        p.endDrain(Long.MIN_VALUE); // stopped at its limit: no progress
        assertThat(p.drainedAtNs()).isEqualTo(150);
    }

    @Test
    void shouldBeCaughtUpWhenIdleWithAnEmptySocket() {
        socketEmpty.set(true);
        assertThat(p.caughtUpTo(1_000)).isTrue();
        p.beginDrain(); // took datagrams, applying them
        assertThat(p.caughtUpTo(1_000)).as("an empty socket while the tracker applies is not caught up").isFalse();
        p.endDrain(900);
        assertThat(p.caughtUpTo(1_000)).isTrue();
        socketEmpty.set(false);
        assertThat(p.caughtUpTo(1_000)).as("datagrams wait in the socket").isFalse();
    }

    @Test
    void shouldNotMakeAnyoneWaitOnceStopped() {
        p.beginDrain(); // stopped in the middle of a batch, socket full
        assertThat(p.caughtUpTo(5)).isFalse();
        p.stop();
        assertThat(p.caughtUpTo(5)).as("nothing more will be applied").isTrue();
    }
}
