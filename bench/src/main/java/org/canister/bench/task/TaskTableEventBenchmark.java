package org.canister.bench.task;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.canister.core.sim.SimulatedKernel;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of one proc connector event (fork of a process or thread, exit of a thread or a whole group)
 * applied to a {@link TaskTable} that holds about {@code tasks} live tasks, driven by the simulated
 * kernel in churn mode (the population stays near {@code tasks}). Tombstone expiry with the default
 * 30 s grace runs after each batch and is part of the measured cost, as in the daemon.
 *
 * <p>Events are generated ahead in chunks of {@value #CHUNK}, outside the timed code, followed by a
 * full GC: so the simulator's own allocation and bookkeeping do not land in the measured GC pauses,
 * and what is timed is the table's work plus the GC its own allocation causes. One invocation applies
 * {@value #BATCH} events. Issue 2 target: at most 1 us per event. Run with {@code -prof gc} to see the
 * bytes allocated per event.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xms3g", "-Xmx3g"})
public class TaskTableEventBenchmark {
    static final int BATCH = 10_000;
    static final int CHUNK = 1_000_000;

    @Param({"10000", "100000", "1000000"})
    public int tasks;

    private SimulatedKernel kernel;
    private TaskTable table;
    private TaskEvent[] events = new TaskEvent[0];
    private int pos;

    @Setup(Level.Trial)
    public void setUp() {
        kernel = new SimulatedKernel(42, SimulatedKernel.Config.churn(tasks));
        table = new TaskTable();
        table.reconcile(kernel.scan(), kernel.nowNs());
        refill();
    }

    /** Untimed: when the chunk runs out, apply its tail and generate the next one. */
    @Setup(Level.Invocation)
    public void ensureBatch() {
        if (pos + BATCH > events.length) {
            refill();
        }
    }

    private void refill() {
        for (int i = pos; i < events.length; i++) {
            table.apply(events[i]);
        }
        List<TaskEvent> next = new ArrayList<>(CHUNK + 64);
        kernel.run(CHUNK, next::add);
        events = next.toArray(new TaskEvent[0]);
        pos = 0;
        System.gc();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int forkExit() {
        TaskTable t = table;
        TaskEvent[] b = events;
        int from = pos;
        int to = from + BATCH;
        for (int i = from; i < to; i++) {
            t.apply(b[i]);
        }
        pos = to;
        return t.expireTombstones(b[to - 1].timeNs()) + t.liveTaskCount();
    }

    /** After the run: the table must have seen no event it could not place (else the stream broke). */
    @TearDown(Level.Trial)
    public void check() {
        if (table.stats().unknownTaskEvents() != 0) {
            throw new IllegalStateException("benchmark event stream out of step with the table: " + table.stats());
        }
    }
}
