package org.canister.bench.task;

import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.canister.core.sim.SimulatedKernel;
import org.canister.core.task.Task;
import org.canister.core.task.TaskTable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of finding a task by tid, as every audit record and FUSE request does, at 10k, 100k and 1M
 * live tasks (issue 2: lookup cost flat across the sizes).
 *
 * <ul>
 *   <li>{@code lookupHot}: 1024 distinct live tids, round robin: the algorithmic cost (probe length),
 *       with the data in cache, which is what must stay flat;</li>
 *   <li>{@code lookupRandom}: every live tid in random order: adds the cache and TLB misses a
 *       uniformly random access to a large table costs on this machine;</li>
 *   <li>{@code callerLeader}: tid to its live thread-group leader, the FUSE caller-identity path.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xms3g", "-Xmx3g"})
public class TaskTableLookupBenchmark {
    @Param({"10000", "100000", "1000000"})
    public int tasks;

    private TaskTable table;
    private int[] all;
    private int[] hot;
    private int allIndex;
    private int hotIndex;

    @Setup(Level.Trial)
    public void setUp() {
        SimulatedKernel kernel = new SimulatedKernel(42, SimulatedKernel.Config.churn(tasks));
        kernel.run(tasks / 2, e -> { });
        table = new TaskTable();
        table.reconcile(kernel.scan(), kernel.nowNs());
        all = kernel.liveTids();
        Random r = new Random(7);
        for (int i = all.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int x = all[i];
            all[i] = all[j];
            all[j] = x;
        }
        hot = java.util.Arrays.copyOf(all, 1024);
    }

    @Benchmark
    public Task lookupHot() {
        int i = hotIndex = (hotIndex + 1) & 1023;
        return table.task(hot[i]);
    }

    @Benchmark
    public Task lookupRandom() {
        int i = allIndex + 1;
        if (i == all.length) {
            i = 0;
        }
        allIndex = i;
        return table.task(all[i]);
    }

    @Benchmark
    public Task callerLeader() {
        int i = allIndex + 1;
        if (i == all.length) {
            i = 0;
        }
        allIndex = i;
        Task t = table.task(all[i]);
        return t == null ? null : table.process(t.tgid());
    }
}
