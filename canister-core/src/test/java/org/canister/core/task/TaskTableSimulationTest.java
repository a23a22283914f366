package org.canister.core.task;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.canister.core.sim.SimulatedKernel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Property tests: for many seeds, the table driven by the simulated kernel equals its ground truth. */
class TaskTableSimulationTest {

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 17, 2024, 0xC0FFEE})
    void shouldEqualTheTruthAfter100kRandomEvents(long seed) {
        SimulatedKernel kernel = new SimulatedKernel(seed);
        TaskTable table = new TaskTable();
        table.reconcile(kernel.scan(), kernel.nowNs());
        assertThat(kernel.differences(table, 20)).as("after seeding, seed %d", seed).isEmpty();

        kernel.run(100_000, table::apply);

        assertThat(kernel.differences(table, 20)).as("seed %d", seed).isEmpty();
        assertThat(table.liveTaskCount()).isEqualTo(kernel.liveTaskCount());
        assertThat(table.stats().unknownTaskEvents()).as("no event names an unknown task").isZero();
        assertThat(table.stats().replacedIncarnations()).as("no exit is missed").isZero();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {5, 6, 7})
    void shouldStayEqualToTheTruthAtEveryStep(long seed) {
        SimulatedKernel kernel = new SimulatedKernel(seed);
        TaskTable table = new TaskTable();
        table.reconcile(kernel.scan(), kernel.nowNs());
        for (int i = 0; i < 5_000; i++) {
            kernel.step(table::apply);
            List<String> diff = kernel.differences(table, 5);
            assertThat(diff).as("seed %d step %d", seed, i).isEmpty();
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 12, 13, 14})
    void shouldReturnToTheTruthByReconcileAfterLostEvents(long seed) {
        SimulatedKernel kernel = new SimulatedKernel(seed, SimulatedKernel.Config.defaults().withLossRate(0.02));
        TaskTable table = new TaskTable();
        table.reconcile(kernel.scan(), kernel.nowNs());

        kernel.run(100_000, table::apply);
        assertThat(kernel.differences(table, 5)).as("lost events must show (else this test proves nothing)").isNotEmpty();

        List<TaskSnapshot> scan = new ArrayList<>(kernel.scan());
        Collections.shuffle(scan, new Random(seed));
        table.reconcile(scan, kernel.nowNs());

        assertThat(kernel.differences(table, 20)).as("seed %d", seed).isEmpty();

        // and it keeps tracking from there
        SimulatedKernel.Config lossless = kernel.config().withLossRate(0);
        assertThat(lossless.lossRate()).isZero();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {21, 22})
    void shouldSeedFromAShuffledScan(long seed) {
        SimulatedKernel kernel = new SimulatedKernel(seed, new SimulatedKernel.Config(5_000, 5_000, 32_768, 0.4, 0, false));
        kernel.run(20_000, e -> { });
        List<TaskSnapshot> scan = new ArrayList<>(kernel.scan());
        Collections.shuffle(scan, new Random(seed));
        TaskTable table = new TaskTable();

        ReconcileResult r = table.reconcile(scan, kernel.nowNs());

        assertThat(kernel.differences(table, 20)).isEmpty();
        assertThat(r.removed()).isZero();
        assertThat(r.added()).isEqualTo(scan.size());
        kernel.run(20_000, table::apply);
        assertThat(kernel.differences(table, 20)).isEmpty();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {31, 32})
    void shouldExpireEveryTombstoneOnceTheGracePeriodPassed(long seed) {
        SimulatedKernel kernel = new SimulatedKernel(seed);
        TaskTable table = new TaskTable(1_000_000_000L);
        table.reconcile(kernel.scan(), kernel.nowNs());
        kernel.run(50_000, e -> {
            table.apply(e);
            table.expireTombstones(e.timeNs());
        });
        assertThat(table.stats().tombstones()).isPositive();

        table.expireTombstones(kernel.nowNs() + 1_000_000_000L);

        assertThat(table.stats().tombstones()).isZero();
    }
}
