package org.canister.bench.audit;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.canister.core.audit.AuditEvent;
import org.canister.core.audit.AuditRecord;
import org.canister.core.audit.AuditStamp;
import org.canister.core.audit.AuditTypes;
import org.canister.core.audit.annotate.ContidAnnotator;
import org.canister.core.audit.annotate.NetnsContainers;
import org.canister.core.contid.ContidOutcome;
import org.canister.core.contid.ContidRegistry;
import org.canister.core.contid.ContidWorkloads;
import org.canister.core.fs.Caller;
import org.canister.core.task.Credentials;
import org.canister.core.task.Namespaces;
import org.canister.core.task.Task;
import org.canister.core.task.TaskEvent;
import org.canister.core.task.TaskSnapshot;
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
 * NETFILTER_PKT annotation (spec req. 10) on a large host: 10,000 containers nested 4 deep
 * ({@link ContidWorkloads#nested}), each chain and its workers moved into a netns of its own (chain 0
 * stays in the host netns), plus 100,000 unlabelled processes: 115,001 tasks.
 *
 * <ul>
 * <li>{@code packetHost}: a packet attributed to the host netns (a primitive-map probe, a cached list).</li>
 * <li>{@code packetMarked}: a packet whose mark names one of the 2,500 container netns (mark convention).</li>
 * <li>{@code forkPacketExit}: a labelled task forks, a packet of its netns, the child exits: membership
 *     kept from table events, no rescan.</li>
 * <li>{@code containerStartPacket}: one container start between two packets: fork, netns read,
 *     set (announced to the index by the registry), the packet, the container's exit: no scan.</li>
 * <li>{@code rebuildPacket}: a label change the registry does not announce (a task {@code /proc}
 *     showed before its fork event, inheriting its parent's label), then a packet, which rebuilds the
 *     index with one scan of the 115,001 tasks: the rare path's cost.</li>
 * </ul>
 * Run: {@code java -jar bench/target/benchmarks.jar 'org.canister.bench.audit.Netfilter.*' -wi 2 -w 1 -i 3 -r 1 -f 1 -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xms2g", "-Xmx2g"})
public class NetfilterAnnotationBenchmark {
    static final int CONTAINERS = 10_000;
    static final int DEPTH = 4;
    static final int WORKERS = 2;
    static final int PADDING = 100_000;
    static final int PACKETS = 1024;
    private static final long HOST_NET = 4026531840L;
    private static final long NET_BASE = 4026540000L;
    private static final Credentials ROOT = new Credentials(0, 0, 0, 0, 0x1ff_ffff_ffffL, 0x1ff_ffff_ffffL);
    private static final long INIT_USER_NS = 4026531837L;
    private static final int PID_BASE = 2_000_000;

    private TaskTable table;
    private ContidRegistry registry;
    private NetnsContainers containers;
    private ContidAnnotator annotator;
    private AuditEvent hostPacket;
    private AuditEvent[] markedPackets;
    private int[] leaves;
    private Caller orchestrator;
    private int cursor;
    private int nextPid = PID_BASE;
    private long nowNs = 1_000_000_000L;
    private long ticks = 10_000_000L;
    private long nextId = 1L << 40;

    @Setup(Level.Trial)
    public void setUp() {
        ContidWorkloads.Nested nested = ContidWorkloads.nested(CONTAINERS, DEPTH, WORKERS);
        table = nested.table();
        registry = nested.registry();
        int[] tids = nested.tids();
        int perChain = DEPTH + WORKERS;
        for (int i = perChain; i < tids.length; i++) { // chain 0 stays in the host netns
            moveTo(tids[i], NET_BASE + i / perChain);
        }
        for (int i = 0; i < PADDING; i++) {
            int pid = 1_000_000 + i;
            table.apply(new TaskEvent.Fork(nowNs++, 1, 1, pid, pid, ticks++));
        }
        containers = NetnsContainers.attach(table, registry);
        annotator = new ContidAnnotator(table, ContidAnnotator.Placement.AFTER,
                new ContidAnnotator.Netfilter(containers, HOST_NET, true));
        leaves = nested.leafPids();
        orchestrator = new Caller(2, 2, table.process(2).startTime(), ROOT, INIT_USER_NS, true);
        hostPacket = packet(0, 0);
        SplittableRandom r = new SplittableRandom(7);
        markedPackets = new AuditEvent[PACKETS];
        for (int i = 0; i < PACKETS; i++) {
            markedPackets[i] = packet(i, NET_BASE + 1 + r.nextInt(CONTAINERS / DEPTH - 1));
        }
        if (annotator.annotate(hostPacket).added() != 1 || annotator.annotate(markedPackets[0]).added() != 1) {
            throw new IllegalStateException("workload packets are not annotated");
        }
    }

    private void moveTo(int tid, long net) {
        Task t = table.task(tid);
        Namespaces n = t.ns();
        table.apply(new TaskEvent.Refresh(nowNs++, new TaskSnapshot(tid, t.tgid(), t.ppid(), t.startTime(), t.creds(),
                new Namespaces(n.mnt(), net, n.pid(), n.user(), n.uts(), n.ipc(), n.cgroup()), t.cgroup(), t.comm(),
                t.exe())));
    }

    private static AuditEvent packet(int serial, long mark) {
        AuditStamp stamp = new AuditStamp(1_700_000_000L, serial % 1000, 1000 + serial);
        return new AuditEvent(stamp, List.of(new AuditRecord(AuditTypes.NETFILTER_PKT, stamp,
                "mark=0x" + Long.toHexString(mark) + " saddr=10.0.0.1 daddr=10.0.0.2 proto=6")),
                AuditEvent.Completion.TIMEOUT);
    }

    @Benchmark
    public int packetHost() {
        return annotator.annotate(hostPacket).added();
    }

    @Benchmark
    @OperationsPerInvocation(PACKETS)
    public int packetMarked() {
        int n = 0;
        for (AuditEvent e : markedPackets) {
            n += annotator.annotate(e).added();
        }
        return n;
    }

    @Benchmark
    public int forkPacketExit() {
        int leaf = leaves[1 + (cursor++ % (leaves.length - 1))];
        int child = pid();
        table.apply(new TaskEvent.Fork(nowNs += 1_000, leaf, leaf, child, child, ticks++));
        int n = annotator.annotate(markedPackets[cursor & (PACKETS - 1)]).added();
        table.apply(new TaskEvent.Exit(nowNs += 1_000, child, child, 0));
        return n;
    }

    @Benchmark
    public int containerStartPacket() {
        int child = pid();
        table.apply(new TaskEvent.Fork(nowNs += 1_000, 2, 2, child, child, ticks++));
        moveTo(child, NET_BASE + 1);
        ContidOutcome o = registry.set(orchestrator, child, ticks - 1, nextId++, 1_800_000_000_000L);
        if (!o.isSuccess()) {
            throw new IllegalStateException(o.errno() + ": " + o.message());
        }
        int n = annotator.annotate(markedPackets[0]).added();
        table.apply(new TaskEvent.Exit(nowNs += 1_000, child, child, 0));
        registry.takePendingEvents(1_800_000_000_000L);
        if ((cursor++ & 1023) == 0) {
            table.expireTombstones(nowNs);
        }
        return n;
    }

    @Benchmark
    public int rebuildPacket() {
        int leaf = leaves[1];
        int child = pid();
        Task parent = table.task(leaf);
        table.apply(new TaskEvent.Refresh(nowNs += 1_000, new TaskSnapshot(child, child, leaf, ticks++, parent.creds(),
                parent.ns(), parent.cgroup(), parent.comm(), parent.exe())));
        int n = annotator.annotate(markedPackets[0]).added();
        table.apply(new TaskEvent.Exit(nowNs += 1_000, child, child, 0));
        if ((cursor++ & 1023) == 0) {
            table.expireTombstones(nowNs);
        }
        return n;
    }

    private int pid() {
        int p = nextPid++;
        if (nextPid >= PID_BASE + (1 << 20)) {
            nextPid = PID_BASE;
        }
        return p;
    }

    @TearDown(Level.Trial)
    public void report() {
        System.out.println("netns index: " + containers.stats() + ", annotator: " + annotator.stats());
    }
}
