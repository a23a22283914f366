package org.canister.core.contid;

import static org.assertj.core.api.Assertions.assertThat;

import org.canister.core.Errno;
import org.junit.jupiter.api.Test;

/** {@link ContidRegistry#setThreadGroup}: the OCI runtime path that labels a multi-threaded init whole. */
class ContidRegistryThreadGroupTest {
    private final ContidFixture f = new ContidFixture();

    private ContidOutcome setGroup(int writer, int target, long contid) {
        f.tick();
        return f.registry.setThreadGroup(f.caller(writer), LoginIds.UNSET, target, f.start(target), contid, f.wallMs);
    }

    @Test
    void shouldLabelEveryLiveThreadOfAMultithreadedTarget() {
        int runtime = f.fork(1);
        int init = f.fork(runtime);
        int t1 = f.thread(init);
        int t2 = f.thread(init);

        assertThat(f.set(runtime, init, 7).errno()).as("the v11 path still refuses threads").isEqualTo(Errno.EBUSY);
        ContidOutcome o = setGroup(runtime, init, 7);

        assertThat(o.isSuccess()).as(o.message()).isTrue();
        assertThat(ContidRegistry.chainOf(f.task(init))).isEqualTo("7");
        assertThat(ContidRegistry.chainOf(f.task(t1))).isEqualTo("7");
        assertThat(ContidRegistry.chainOf(f.task(t2))).isEqualTo("7");
        assertThat(f.registry.object(7).memberCount()).isEqualTo(3);
        assertThat(ContidFixture.field(o, "opid")).isEqualTo(Integer.toString(init));
    }

    @Test
    void shouldDropOnceWhenTheThreadsAndThenTheLeaderExit() {
        int runtime = f.fork(1);
        int init = f.fork(runtime);
        int t1 = f.thread(init);
        assertThat(setGroup(runtime, init, 8).isSuccess()).isTrue();
        int later = f.thread(init);
        assertThat(ContidRegistry.chainOf(f.task(later))).as("a thread created later copies the leader").isEqualTo("8");

        f.exit(t1);
        f.exit(later);
        assertThat(f.registry.takePendingEvents(f.wallMs)).isEmpty();
        f.exit(init);

        assertThat(f.registry.takePendingEvents(f.wallMs)).hasSize(1)
                .first().satisfies(e -> assertThat(e.records().get(0).body()).contains("op=drop opid=" + init));
        assertThat(f.registry.object(8)).isNull();
    }

    @Test
    void shouldStillRefuseAThreadTargetATargetWithAChildAndANonDescendant() {
        int runtime = f.fork(1);
        int init = f.fork(runtime);
        int t1 = f.thread(init);
        assertThat(setGroup(runtime, t1, 9).errno()).isEqualTo(Errno.EBUSY);

        int busy = f.fork(runtime);
        f.thread(busy);
        f.fork(busy);
        assertThat(setGroup(runtime, busy, 9).errno()).isEqualTo(Errno.EBUSY);

        int stranger = f.fork(1);
        assertThat(setGroup(stranger, init, 9).errno()).isEqualTo(Errno.EXDEV);
        assertThat(f.registry.object(9)).isNull();
    }
}
