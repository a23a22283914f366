package org.canister.core.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.canister.core.task.TaskEvent;
import org.canister.core.task.TaskSnapshot;
import org.junit.jupiter.api.Test;

class SimulatedKernelTest {

    @Test
    void shouldGenerateTheSameEventsForTheSameSeed() {
        List<TaskEvent> a = new ArrayList<>();
        List<TaskEvent> b = new ArrayList<>();
        new SimulatedKernel(99).run(20_000, a::add);
        new SimulatedKernel(99).run(20_000, b::add);

        assertThat(a).hasSizeGreaterThanOrEqualTo(20_000).isEqualTo(b);
    }

    @Test
    void shouldGenerateDifferentEventsForDifferentSeeds() {
        List<TaskEvent> a = new ArrayList<>();
        List<TaskEvent> b = new ArrayList<>();
        new SimulatedKernel(1).run(1_000, a::add);
        new SimulatedKernel(2).run(1_000, b::add);

        assertThat(a).isNotEqualTo(b);
    }

    @Test
    void shouldExerciseEveryOperationAndReusePids() {
        SimulatedKernel k = new SimulatedKernel(5);
        List<Integer> forkedPids = new ArrayList<>();
        k.run(100_000, e -> {
            if (e instanceof TaskEvent.Fork f) {
                forkedPids.add(f.childTid());
            }
        });

        for (SimulatedKernel.Op op : SimulatedKernel.Op.values()) {
            assertThat(k.opCounts().getOrDefault(op, 0L)).as(op.name()).isGreaterThan(100L);
        }
        assertThat(forkedPids.size()).isGreaterThan(k.config().pidMax());
        assertThat(forkedPids.stream().distinct().count()).as("pids wrap at pid_max").isLessThan(forkedPids.size());
    }

    @Test
    void shouldKeepTheClockAndStartTimesMonotonic() {
        SimulatedKernel k = new SimulatedKernel(8);
        long[] last = {0, 0};
        k.run(10_000, e -> {
            assertThat(e.timeNs()).isGreaterThanOrEqualTo(last[0]);
            last[0] = e.timeNs();
            if (e instanceof TaskEvent.Fork f) {
                assertThat(f.childStartTime()).isGreaterThanOrEqualTo(last[1]);
                last[1] = f.childStartTime();
            }
        });
    }

    @Test
    void shouldScanLeadersBeforeTheirThreadsAndStayNearTheTarget() {
        SimulatedKernel k = new SimulatedKernel(3);
        k.run(50_000, e -> { });

        List<TaskSnapshot> scan = k.scan();
        assertThat(k.liveTaskCount()).isBetween(1_000, 3_000);
        long liveInScan = scan.stream().filter(s -> !s.zombie()).count();
        assertThat(liveInScan).isEqualTo(k.liveTaskCount());
        assertThat(scan.stream().filter(TaskSnapshot::isLeader).count()).isEqualTo(k.liveProcessCount());
        for (int i = 1; i < scan.size(); i++) {
            TaskSnapshot s = scan.get(i);
            if (!s.isLeader()) {
                assertThat(scan.subList(0, i).stream().anyMatch(p -> p.tid() == s.tgid())).isTrue();
            }
        }
    }

    @Test
    void shouldDropEventsAtTheLossRateWithoutChangingTheTruth() {
        SimulatedKernel lossless = new SimulatedKernel(4);
        SimulatedKernel lossy = new SimulatedKernel(4, SimulatedKernel.Config.defaults().withLossRate(0.1));
        lossless.run(30_000, e -> { });
        lossy.run(30_000, e -> { });

        assertThat(lossy.droppedEvents()).isBetween(2_000L, 4_500L);
        assertThat(lossy.scan()).isEqualTo(lossless.scan());
    }

    @Test
    void shouldRejectAPidSpaceTooSmallForThePopulation() {
        assertThatThrownBy(() -> new SimulatedKernel.Config(10, 20_000, 32_768, 0.3, 0, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pidMax");
    }
}
