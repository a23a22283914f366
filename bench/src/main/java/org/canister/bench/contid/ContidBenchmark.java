package org.canister.bench.contid;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.canister.core.contid.ContidOutcome;
import org.canister.core.contid.ContidRegistry;
import org.canister.core.contid.ContidWorkloads;
import org.canister.core.fs.Caller;
import org.canister.core.task.Credentials;
import org.canister.core.task.TaskEvent;
import org.canister.core.task.TaskTable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The audit container ID registry on a host with 10,000 containers nested 4 deep
 * ({@link ContidWorkloads#nested}: 2,500 chains {@code 4,^3,^2,^1}, two inheriting workers per leaf,
 * 15,000 labelled tasks). Issue 3 targets, per core: chain lookups at least 1,000,000 per second
 * (at most 1 us each), set+inherit at least 200,000 per second (at most 5 us per cycle).
 *
 * <ul>
 * <li>{@code chainOfTid}: the chain of a task by tid, as the audit annotator asks for every kernel
 *     event: TaskTable index lookup plus the cached chain string. Tids in a pre-shuffled random order
 *     over all labelled tasks, so caches are not warmed by a round robin.</li>
 * <li>{@code chainContains}: a {@code contid=} rule match on the subject's chain (any element).</li>
 * <li>{@code setInheritDrop}: one container's life, as the daemon sees it: fork of the first process by
 *     the orchestrator, the set (all v11 checks, a new object, its CONTAINER_OP and NS_INFO records
 *     with a stamp), a fork that inherits, both exits and the drop record. Each cycle is one set and
 *     one inherit; the registry keeps its 10,000 other containers.</li>
 * </ul>
 * Run: {@code java -jar bench/target/benchmarks.jar 'org.canister.bench.contid.*' -wi 2 -w 1 -i 3 -r 1 -f 1 -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xms2g", "-Xmx2g"})
public class ContidBenchmark {
    static final int CONTAINERS = 10_000;
    static final int DEPTH = 4;
    static final int LOOKUPS = 4096;
    private static final Credentials ROOT = new Credentials(0, 0, 0, 0, 0x1ff_ffff_ffffL, 0x1ff_ffff_ffffL);
    private static final long INIT_USER_NS = 4026531837L;
    /** Cycles use pids above the workload's, wrapping in this range (tombstones expire meanwhile). */
    private static final int PID_BASE = 1_000_000;
    private static final int PID_RANGE = 1 << 20;

    private ContidWorkloads.Nested nested;
    private TaskTable table;
    private ContidRegistry registry;
    private int[] order;
    private int cursor;
    private long[] probe;

    private Caller orchestrator;
    private int nextPid = PID_BASE;
    private long nowNs = 1_000_000_000L;
    private long ticks = 10_000_000L;
    private long wallMs = 1_800_000_000_000L;
    private long nextId = 1L << 40;
    private long cycles;

    @Setup(Level.Trial)
    public void setUp() {
        nested = ContidWorkloads.nested(CONTAINERS, DEPTH, 2);
        table = nested.table();
        registry = nested.registry();
        int[] tids = nested.tids();
        SplittableRandom r = new SplittableRandom(42);
        order = new int[LOOKUPS * 16];
        probe = new long[order.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = tids[r.nextInt(tids.length)];
            probe[i] = 1 + r.nextInt(CONTAINERS); // a registered ID: most chains do not contain it
        }
        // The workload's first orchestrator (pid 2) labels the benchmark's containers too.
        int orch = 2;
        orchestrator = new Caller(orch, orch, table.process(orch).startTime(), ROOT, INIT_USER_NS, true);
        if (registry.stats().registered() != CONTAINERS) {
            throw new IllegalStateException("workload built " + registry.stats().registered() + " containers");
        }
    }

    @Benchmark
    @OperationsPerInvocation(LOOKUPS)
    public int chainOfTid() {
        ContidRegistry reg = registry;
        int[] o = order;
        int from = cursor;
        int h = 0;
        for (int i = 0; i < LOOKUPS; i++) {
            String c = reg.chainOf(o[from + i]);
            h += c == null ? 0 : c.length();
        }
        cursor = (from + LOOKUPS) % (o.length - LOOKUPS);
        return h;
    }

    @Benchmark
    @OperationsPerInvocation(LOOKUPS)
    public int chainContains() {
        TaskTable t = table;
        int[] o = order;
        long[] p = probe;
        int from = cursor;
        int hits = 0;
        for (int i = 0; i < LOOKUPS; i++) {
            var label = ContidRegistry.labelOf(t.task(o[from + i]));
            if (label != null && label.chainContains(p[from + i])) {
                hits++;
            }
        }
        cursor = (from + LOOKUPS) % (o.length - LOOKUPS);
        return hits;
    }

    @Benchmark
    public int setInheritDrop() {
        int child = pid();
        int worker = pid();
        table.apply(new TaskEvent.Fork(nowNs += 1_000_000, orchestrator.tgid(), orchestrator.tgid(), child, child, ticks++));
        ContidOutcome o = registry.set(orchestrator, child, ticks - 1, nextId++, wallMs++);
        if (!o.isSuccess()) {
            throw new IllegalStateException(o.errno() + ": " + o.message());
        }
        table.apply(new TaskEvent.Fork(nowNs += 1_000_000, child, child, worker, worker, ticks++));
        table.apply(new TaskEvent.Exit(nowNs += 1_000_000, worker, worker, 0));
        table.apply(new TaskEvent.Exit(nowNs += 1_000_000, child, child, 0));
        int drops = registry.takePendingEvents(wallMs).size();
        if ((++cycles & 1023) == 0) {
            table.expireTombstones(nowNs);
        }
        return o.events().size() + drops;
    }

    private int pid() {
        int p = nextPid++;
        if (nextPid >= PID_BASE + PID_RANGE) {
            nextPid = PID_BASE;
        }
        return p;
    }

    /** Every cycle dropped its container: the registry is back to the workload's 10,000. */
    @TearDown(Level.Trial)
    public void check() {
        ContidRegistry.Stats st = registry.stats();
        if (st.registered() != CONTAINERS || st.pendingDrops() != 0 || st.anomalies() != 0) {
            throw new IllegalStateException("registry out of step after the run: " + st);
        }
        if (table.stats().unknownTaskEvents() != 0) {
            throw new IllegalStateException("event stream out of step with the table: " + table.stats());
        }
    }
}
