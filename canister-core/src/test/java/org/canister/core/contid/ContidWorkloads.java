package org.canister.core.contid;

import org.canister.core.fs.Caller;
import org.canister.core.task.Credentials;
import org.canister.core.task.Namespaces;
import org.canister.core.task.TaskEvent;
import org.canister.core.task.TaskSnapshot;
import org.canister.core.task.TaskTable;

/**
 * Registry workloads for tests and the JMH benchmarks (published in the test-jar): process trees built
 * through {@link TaskTable} events and labelled through {@link ContidRegistry#set}, as the daemon does.
 */
public final class ContidWorkloads {
    private static final Credentials ROOT = new Credentials(0, 0, 0, 0, 0x1ff_ffff_ffffL, 0x1ff_ffff_ffffL);
    private static final Namespaces NS = new Namespaces(4026531841L, 4026531840L, 4026531836L, 4026531837L,
            4026531838L, 4026531839L, 4026531835L);

    private ContidWorkloads() {
    }

    /**
     * A labelled host.
     *
     * @param table    the process tree
     * @param registry its registry
     * @param leafPids one process per nesting chain, labelled with the innermost container
     * @param tids     every labelled task (orchestrators at each level, leaves and their workers), for lookups
     */
    public record Nested(TaskTable table, ContidRegistry registry, int[] leafPids, int[] tids) {
    }

    /**
     * {@code containers} containers nested {@code depth} deep: {@code containers / depth} chains, each
     * built as an orchestrator labels a fresh child, which labels its own fresh child, and so on
     * ({@code 4,^3,^2,^1} shaped); each leaf then forks {@code workersPerLeaf} processes that inherit.
     *
     * @param containers total containers (a multiple of {@code depth})
     */
    public static Nested nested(int containers, int depth, int workersPerLeaf) {
        if (depth < 1 || containers % depth != 0) {
            throw new IllegalArgumentException("containers must be a multiple of depth");
        }
        TaskTable table = new TaskTable();
        long[] ticks = {1};
        long[] now = {1};
        table.apply(new TaskEvent.Refresh(now[0]++, new TaskSnapshot(1, 1, 0, 0, ROOT, NS, "/", "init", "/sbin/init")));
        ContidRegistry registry = ContidRegistry.attach(table, new StampSource(), ContidSettings.DEFAULTS);
        int chains = containers / depth;
        int[] leaves = new int[chains];
        int[] tids = new int[chains * (depth + 1 + workersPerLeaf)];
        int nTids = 0;
        int pid = 2;
        long id = 1;
        long wall = 1_700_000_000_000L;
        int orch = pid++;
        table.apply(new TaskEvent.Fork(now[0]++, 1, 1, orch, orch, ticks[0]++));
        for (int c = 0; c < chains; c++) {
            int writer = orch;
            for (int level = 0; level < depth; level++) {
                int child = pid++;
                table.apply(new TaskEvent.Fork(now[0]++, writer, writer, child, child, ticks[0]++));
                Caller caller = new Caller(writer, writer, table.process(writer).startTime(), ROOT, 4026531837L, true);
                ContidOutcome o = registry.set(caller, child, -1, id++, wall++);
                if (!o.isSuccess()) {
                    throw new IllegalStateException("workload set failed: " + o.errno() + " " + o.message());
                }
                tids[nTids++] = child;
                writer = child;
            }
            leaves[c] = writer;
            for (int w = 0; w < workersPerLeaf; w++) {
                int worker = pid++;
                table.apply(new TaskEvent.Fork(now[0]++, writer, writer, worker, worker, ticks[0]++));
                tids[nTids++] = worker;
            }
        }
        return new Nested(table, registry, leaves, java.util.Arrays.copyOf(tids, nTids));
    }
}
