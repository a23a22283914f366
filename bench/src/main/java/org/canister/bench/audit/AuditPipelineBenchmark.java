package org.canister.bench.audit;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.canister.core.audit.AuditEvent;
import org.canister.core.audit.AuditLogFormat;
import org.canister.core.audit.AuditRecord;
import org.canister.core.audit.AuditRecordText;
import org.canister.core.audit.CanisterTypes;
import org.canister.core.audit.EventAssembler;
import org.canister.core.audit.annotate.ContidAnnotator;
import org.canister.core.audit.filter.EventFilter;
import org.canister.core.contid.ContidWorkloads;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The pure per-event cost of Canister's audit pipeline, without I/O: an execve event of a labelled
 * task (SYSCALL, EXECVE, CWD, PATH, PATH, PROCTITLE, EOE as netlink payload bytes) parsed, assembled,
 * annotated against 10,000 containers nested 4 deep ({@link ContidWorkloads#nested}), run through
 * three filter rules, and rendered as the RAW lines written to the logs.
 *
 * <ul>
 * <li>{@code parseAssemble}: payload bytes to an assembled event.</li>
 * <li>{@code annotate}: CONTAINER_ID for the subject (task table lookup, cached chain).</li>
 * <li>{@code wholeEvent}: parse, assemble, annotate, filter, render: what the reader and the router do
 *     per event besides the system calls.</li>
 * </ul>
 * Run: {@code java -jar bench/target/benchmarks.jar 'org.canister.bench.audit.*' -wi 2 -w 1 -i 3 -r 1 -f 1 -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xms2g", "-Xmx2g"})
public class AuditPipelineBenchmark {
    static final int EVENTS = 1024;
    private static final int[] TYPES = {1300, 1309, 1307, 1302, 1302, 1327, 1320};

    private byte[][][] payloads;
    private int[][] types;
    private ContidAnnotator annotator;
    private EventFilter filter;
    private EventAssembler assembler;
    private final List<AuditEvent> out = new ArrayList<>(8);
    private AuditEvent[] assembled;
    private long serial = 1;
    private long nowNs;

    @Setup
    public void setUp() {
        ContidWorkloads.Nested nested = ContidWorkloads.nested(10_000, 4, 2);
        annotator = new ContidAnnotator(nested.table(), ContidAnnotator.Placement.AFTER);
        filter = EventFilter.parse(List.of("drop key=noise", "drop contid=999999999 type=PROCTITLE", "keep uid<1000"),
                "bench");
        assembler = new EventAssembler(out::add);
        SplittableRandom r = new SplittableRandom(7);
        int[] tids = nested.tids();
        payloads = new byte[EVENTS][][];
        types = new int[EVENTS][];
        assembled = new AuditEvent[EVENTS];
        for (int e = 0; e < EVENTS; e++) {
            int pid = tids[r.nextInt(tids.length)];
            String stamp = "audit(1700000000." + String.format("%03d", e % 1000) + ":" + (1000 + e) + "): ";
            String[] bodies = {
                "arch=c000003e syscall=59 success=yes exit=0 a0=55d1c2f0a0 a1=55d1c2f1b0 a2=55d1c2f2c0 a3=8 items=2"
                        + " ppid=2 pid=" + pid + " auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0"
                        + " tty=pts0 ses=3 comm=\"true\" exe=\"/usr/bin/true\" subj=unconfined key=\"exec\"",
                "argc=1 a0=\"/bin/true\"",
                "cwd=\"/root\"",
                "item=0 name=\"/bin/true\" inode=1837 dev=fe:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL"
                        + " cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0",
                "item=1 name=\"/lib64/ld-linux-x86-64.so.2\" inode=2094 dev=fe:01 mode=0100755 ouid=0 ogid=0 rdev=00:00"
                        + " nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0",
                "proctitle=2F62696E2F74727565",
                ""};
            payloads[e] = new byte[bodies.length][];
            types[e] = TYPES;
            for (int i = 0; i < bodies.length; i++) {
                payloads[e][i] = (stamp + bodies[i]).getBytes(StandardCharsets.ISO_8859_1);
            }
        }
        for (int e = 0; e < EVENTS; e++) {
            assembled[e] = parseAndAssemble(e);
        }
    }

    private AuditEvent parseAndAssemble(int e) {
        out.clear();
        byte[][] p = payloads[e];
        for (int i = 0; i < p.length; i++) {
            AuditRecord rec = AuditRecordText.parse(types[e][i], p[i], 0, p[i].length);
            assembler.accept(rec, nowNs++);
        }
        return out.get(0);
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public int parseAssemble() {
        int n = 0;
        for (int e = 0; e < EVENTS; e++) {
            n += parseAndAssemble(e).records().size();
        }
        return n;
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public int annotate() {
        int n = 0;
        for (int e = 0; e < EVENTS; e++) {
            n += annotator.annotate(assembled[e]).added();
        }
        return n;
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long wholeEvent() {
        long bytes = 0;
        for (int e = 0; e < EVENTS; e++) {
            ContidAnnotator.Result r = annotator.annotate(parseAndAssemble(e));
            AuditEvent kept = filter.apply(r.event(), r.subject());
            if (kept != null) {
                bytes += AuditLogFormat.eventBytes(kept, CanisterTypes.Naming.UNKNOWN_NUMBERS, false).length;
            }
        }
        return bytes;
    }
}
