package org.canister.bench.task;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.locks.ReentrantLock;

import org.canister.core.task.TaskEvent;
import org.canister.core.task.TaskTable;
import org.canister.daemon.tracking.ProcTrackerAgent;
import org.canister.linux.proc.ProcConnector;
import org.canister.linux.proc.ProcFs;

/**
 * CPU time the proc tracker spends per exec (issue 4: daemon CPU at most 1.5x auditd at 1000 exec/s),
 * the current {@link ProcTrackerAgent} and the {@link LegacyProcTracker} baseline side by side: each
 * has its own proc connector socket (the multicast group gives both every event), its own table and its
 * own thread, and the thread CPU time of each is read from the JVM after the same workload. A third
 * thread only receives and decodes the events (the floor no tracker can go below). Not a JMH
 * benchmark: the work is driven by the kernel's events, not by a measured loop. Needs root.
 *
 * <p>Workload: every 100 ms one {@code sh} loop that fork+execs {@code /bin/true} {@code perChunk}
 * times, so about {@code 10 * perChunk} execs per second, for {@code seconds} seconds.
 *
 * <p>Run: {@code java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar
 * org.canister.bench.task.ProcTrackerCpu [seconds=20] [perChunk=100]}.
 */
public final class ProcTrackerCpu {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private ProcTrackerCpu() {
    }

    /** Prints the CPU per event and per exec of each tracker and their ratio. */
    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int perChunk = args.length > 1 ? Integer.parseInt(args[1]) : 100;

        TaskTable newTable = new TaskTable();
        ProcTrackerAgent agent = new ProcTrackerAgent(ProcConnector.open(), new ProcFs(), newTable, new ReentrantLock());
        TaskTable oldTable = new TaskTable();
        ProcFs oldFs = new ProcFs();
        LegacyProcTracker legacy = new LegacyProcTracker(ProcConnector.open(), oldFs, oldTable);
        oldTable.reconcile(oldFs.scanAll(), System.nanoTime());
        agent.seed(System.nanoTime());

        ProcConnector floorConnector = ProcConnector.open();
        long[] floorEvents = new long[1];
        long[] cpu = new long[3];
        stop = false;
        Thread tNew = new Thread(() -> {
            while (!stop) {
                agent.doWork(System.nanoTime());
            }
            cpu[0] = THREADS.getCurrentThreadCpuTime();
        }, "tracker-new");
        Thread tOld = new Thread(() -> {
            while (!stop) {
                legacy.doWork(System.nanoTime());
            }
            cpu[1] = THREADS.getCurrentThreadCpuTime();
        }, "tracker-legacy");
        Thread tFloor = new Thread(() -> {
            List<TaskEvent> events = new ArrayList<>(256);
            long polls = 0;
            while (!stop) {
                events.clear();
                int n = floorConnector.poll(events, 100);
                if (n > 0) {
                    floorEvents[0] += n;
                    polls++;
                }
            }
            cpu[2] = THREADS.getCurrentThreadCpuTime();
            floorEvents[0] = floorEvents[0] * 1_000_000L + polls; // events and non-empty polls, packed
        }, "tracker-floor");
        tNew.start();
        tOld.start();
        tFloor.start();

        String script = "i=0; while [ $i -lt " + perChunk + " ]; do /bin/true; i=$((i+1)); done";
        long execs = 0;
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        long next = System.nanoTime();
        while (System.nanoTime() < end) {
            new ProcessBuilder("/bin/sh", "-c", script).inheritIO().start();
            execs += perChunk;
            next += 100_000_000L;
            long sleep = next - System.nanoTime();
            if (sleep > 0) {
                Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
            }
        }
        Thread.sleep(1000); // let both drain
        stop = true;
        tNew.join();
        tOld.join();
        tFloor.join();
        floorConnector.close();

        double perExecNew = cpu[0] / (double) execs;
        double perExecOld = cpu[1] / (double) execs;
        System.out.printf("execs launched: %d in %d s (%.0f/s)%n", execs, seconds, execs / (double) seconds);
        System.out.printf("%-8s %10s %10s %12s %12s %10s%n", "tracker", "events", "overruns", "cpu ms", "us/exec",
                "%core");
        System.out.printf("%-8s %10d %10d %12.1f %12.2f %10.2f%n", "legacy", legacy.events, legacy.overruns,
                cpu[1] / 1e6, perExecOld / 1e3, 100.0 * cpu[1] / (seconds * 1e9));
        System.out.printf("%-8s %10d %10d %12.1f %12.2f %10.2f%n", "new", agent.events(), agent.overruns(),
                cpu[0] / 1e6, perExecNew / 1e3, 100.0 * cpu[0] / (seconds * 1e9));
        long floorN = floorEvents[0] / 1_000_000L;
        long floorPolls = floorEvents[0] % 1_000_000L;
        System.out.printf("%-8s %10d %10s %12.1f %12.2f %10.2f   (receive only; %.1f events per wakeup)%n", "floor",
                floorN, "-", cpu[2] / 1e6, cpu[2] / (double) execs / 1e3, 100.0 * cpu[2] / (seconds * 1e9),
                floorN / (double) Math.max(1, floorPolls));
        System.out.printf("ratio new/legacy: %.3f  (proc read misses new: %d)%n", cpu[0] / (double) cpu[1],
                agent.procReadMisses());
        agent.close();
        legacy.close();
        oldFs.close();
    }

    private static volatile boolean stop;

}
