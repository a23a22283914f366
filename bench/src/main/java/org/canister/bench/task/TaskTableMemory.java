package org.canister.bench.task;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;

import org.canister.core.sim.SimulatedKernel;
import org.canister.core.task.TaskTable;
import org.canister.core.task.TaskTableStats;

/**
 * Retained heap per tracked task of a {@link TaskTable} at 10k, 100k and 1M live tasks (issue 2
 * target: at most 512 bytes per task). Not a JMH benchmark: it measures heap after full GCs, which
 * JMH's timing harness does not report.
 *
 * <p>For each size: heap used after GC with nothing built; then a table seeded from a simulated
 * {@code /proc} scan (the simulator and the scan are dropped); heap used after GC again. The
 * difference divided by the live tasks is the figure "at rest". Then the same table after churning
 * as many events as it has tasks within the 30 s grace period, so tombstones are held too: the
 * difference divided by live tasks plus tombstones is the figure "under churn".
 *
 * <p>Run: {@code java -XX:+UseParallelGC -Xmx4g -cp bench/target/benchmarks.jar
 * org.canister.bench.task.TaskTableMemory [sizes...]}. A full GC compacts, so "used" is then the live set.
 */
public final class TaskTableMemory {
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    private TaskTableMemory() {
    }

    /** Prints one line per size. */
    public static void main(String[] args) throws InterruptedException {
        int[] sizes = args.length == 0 ? new int[] {10_000, 100_000, 1_000_000} : parse(args);
        // Load and initialise every class involved (simulator string pools, interners) before measuring.
        build(5_000, false);
        System.out.printf("%10s %12s %12s %12s %12s%n", "live tasks", "bytes/task", "churn live", "tombstones",
                "bytes/entry");
        for (int n : sizes) {
            Result rest = measure(n, false);
            Result churn = measure(n, true);
            System.out.printf("%10d %12.1f %12d %12d %12.1f%n", rest.live(), rest.bytes() / (double) rest.live(),
                    churn.live(), churn.tombstones(), churn.bytes() / (double) (churn.live() + churn.tombstones()));
        }
    }

    private record Result(long bytes, int live, int tombstones) {
    }

    /** One measurement in its own frame, so nothing it built is reachable once it returns. */
    private static Result measure(int n, boolean churn) throws InterruptedException {
        long before = usedAfterGc();
        TaskTable table = build(n, churn);
        long after = usedAfterGc();
        TaskTableStats s = table.stats();
        Reference.reachabilityFence(table);
        if (Boolean.getBoolean("canister.bench.debug")) {
            System.out.printf("  n=%d churn=%b before=%d after=%d%n", n, churn, before, after);
        }
        return new Result(after - before, s.liveTasks(), s.tombstones());
    }

    private static TaskTable build(int n, boolean churn) {
        SimulatedKernel kernel = new SimulatedKernel(42, SimulatedKernel.Config.churn(n));
        TaskTable table = new TaskTable();
        table.reconcile(kernel.scan(), kernel.nowNs());
        if (churn) {
            kernel.run(n, e -> {
                table.apply(e);
                table.expireTombstones(e.timeNs());
            });
        }
        return table;
    }

    /**
     * The smallest heap use seen over ten explicit full GCs. Why ten and the minimum: on this JDK an
     * unreachable table was seen to survive the first three System.gc() calls under SerialGC (it went
     * at the fourth; ParallelGC freed it at once), so "stable for a few readings" is no stop rule. A
     * reading can never be below the truly live set, so the minimum is the right one.
     */
    private static long usedAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            Thread.sleep(60);
            used = Math.min(used, MEMORY.getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    private static int[] parse(String[] args) {
        int[] out = new int[args.length];
        for (int i = 0; i < args.length; i++) {
            out[i] = Integer.parseInt(args[i].replace("_", ""));
        }
        return out;
    }
}
