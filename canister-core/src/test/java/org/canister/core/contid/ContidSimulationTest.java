package org.canister.core.contid;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.canister.core.Errno;
import org.canister.core.audit.AuditEvent;
import org.canister.core.fs.Caller;
import org.canister.core.sim.SimulatedKernel;
import org.canister.core.task.Task;
import org.canister.core.task.TaskTable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Property test on the simulated kernel (pid reuse, zombie leaders, de_thread, re-parenting, lost
 * events): while processes fork, exit and get labelled, every object's member count equals the live
 * tasks carrying it, no live task carries a dropped or released object, and every container produces
 * exactly one drop record.
 */
class ContidSimulationTest {

    @ParameterizedTest(name = "seed {0} loss {1}")
    @CsvSource({"1, 0.0", "7, 0.0", "20210113, 0.0", "3, 0.02", "11, 0.05"})
    void shouldKeepMemberCountsExactAndDropEachContainerExactlyOnce(long seed, double loss) {
        SimulatedKernel kernel = new SimulatedKernel(seed, SimulatedKernel.Config.defaults().withLossRate(loss));
        TaskTable table = new TaskTable();
        table.reconcile(kernel.scan(), kernel.nowNs());
        ContidRegistry registry = ContidRegistry.attach(table, new StampSource(), ContidSettings.DEFAULTS);
        Random rnd = new Random(seed);
        Map<Long, Integer> dropsById = new HashMap<>();
        Map<Errno, Integer> refusals = new EnumMap<>(Errno.class);
        List<Long> issued = new ArrayList<>();
        long nextId = 1;
        int accepted = 0;
        long wall = 1_700_000_000_000L;

        for (int step = 1; step <= 60_000; step++) {
            kernel.step(table::apply);
            if (loss > 0 && step % 2_000 == 0) {
                table.reconcile(kernel.scan(), kernel.nowNs()); // after an overrun, as the daemon does
            }
            if (rnd.nextInt(8) == 0) {
                int[] tids = kernel.liveTids();
                Task target = table.task(tids[rnd.nextInt(tids.length)]);
                Task parent = target == null ? null : table.process(target.ppid());
                if (parent != null && parent.tgid() > 1) {
                    // Mostly fresh IDs; sometimes an ID still registered (injection or ENOTUNIQ), so each ID
                    // names one object for its whole life and "dropped once" is checkable per ID.
                    long id = !issued.isEmpty() && rnd.nextInt(4) == 0
                            ? issued.get(rnd.nextInt(issued.size())) : nextId++;
                    if (registry.object(id) == null && id < nextId - 1) {
                        id = nextId++;
                    }
                    Caller writer = new Caller(parent.tgid(), parent.tgid(), parent.startTime(), ContidFixture.ROOT,
                            ContidFixture.INIT_USER_NS, true);
                    ContidOutcome o = registry.set(writer, target.tid(), target.startTime(), id, wall++);
                    assertThat(o.attemptEvent().records().get(0).body()).startsWith("op=set opid=" + target.tgid() + " ");
                    if (o.isSuccess()) {
                        accepted++;
                        issued.add(id);
                    } else {
                        refusals.merge(o.errno(), 1, Integer::sum);
                    }
                    for (AuditEvent e : o.events().subList(1, o.events().size())) {
                        countDrop(e, dropsById);
                    }
                }
            }
            for (AuditEvent e : registry.takePendingEvents(wall++)) {
                countDrop(e, dropsById);
            }
            if (step % 5_000 == 0) {
                checkMembers(table, registry, seed, step);
            }
        }
        checkMembers(table, registry, seed, -1);
        assertThat(accepted).as("the run exercised successful sets").isGreaterThan(100);
        assertThat(refusals).as("and refusals").containsKeys(Errno.EBUSY, Errno.EEXIST);
        assertThat(dropsById.values()).as("seed %d: a container dropped twice", seed).allMatch(n -> n == 1);
        assertThat(dropsById).as("drops happened").isNotEmpty();
        assertThat((long) dropsById.size()).isEqualTo(registry.stats().drops());
        if (loss == 0) {
            assertThat(registry.stats().anomalies()).as("only lost events can make a dropped container reappear")
                    .isZero();
        }
    }

    private static void countDrop(AuditEvent e, Map<Long, Integer> dropsById) {
        String body = e.records().get(0).body();
        assertThat(body).startsWith("op=drop ");
        long leaf = ContidChain.parse(ContidFixture.field(body, "old-contid")).leaf();
        dropsById.merge(leaf, 1, Integer::sum);
    }

    private static void checkMembers(TaskTable table, ContidRegistry registry, long seed, int step) {
        Map<ContidObject, Integer> carriers = new IdentityHashMap<>();
        table.forEachProcess(p -> table.forEachThread(p.tgid(), t -> {
            ContidObject o = ContidRegistry.labelOf(t);
            if (o != null) {
                carriers.merge(o, 1, Integer::sum);
                assertThat(o.isDropped()).as("seed %d step %d: %s carries dropped %s", seed, step, t, o).isFalse();
                assertThat(o.isRegistered()).isTrue();
            }
        }));
        for (ContidObject o : registry.objects()) {
            assertThat(o.memberCount()).as("seed %d step %d: members of %s", seed, step, o)
                    .isEqualTo(carriers.getOrDefault(o, 0));
            assertThat(o.memberCount() > 0 || o.nestedCount() > 0).as("%s kept for nothing", o).isTrue();
        }
        assertThat(carriers.keySet()).allMatch(o -> registry.object(o.id()) == o);
    }
}
