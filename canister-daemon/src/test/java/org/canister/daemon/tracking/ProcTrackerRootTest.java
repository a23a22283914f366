package org.canister.daemon.tracking;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.canister.core.task.Task;
import org.canister.core.task.TaskTable;
import org.canister.daemon.agent.AgentRunner;
import org.canister.linux.proc.ProcConnector;
import org.canister.linux.proc.ProcFs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The live process tracker against the real kernel: proc connector plus /proc. Needs root (the
 * connector's multicast group) and runs in CI, which is root.
 */
@Tag("root")
class ProcTrackerRootTest {
    private final ReentrantLock lock = new ReentrantLock();
    private final TaskTable table = new TaskTable();
    private ProcTrackerAgent agent;
    private AgentRunner runner;

    @BeforeEach
    void start() {
        Assumptions.assumeTrue(ProcessHandle.current().info().user().map("root"::equals).orElse(false),
                "needs root: the proc connector's multicast group is CAP_NET_ADMIN only");
        agent = new ProcTrackerAgent(ProcConnector.open(), new ProcFs(), table, lock);
        agent.seed(System.nanoTime());
        runner = new AgentRunner(agent, 0, Throwable::printStackTrace).start();
    }

    @AfterEach
    void stop() throws Exception {
        if (runner != null) {
            runner.close();
        }
    }

    private boolean eventually(BooleanSupplier cond, long timeoutMs) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < end) {
            if (cond.getAsBoolean()) {
                return true;
            }
            Thread.sleep(5);
        }
        return cond.getAsBoolean();
    }

    private <T> T locked(java.util.function.Supplier<T> s) {
        lock.lock();
        try {
            return s.get();
        } finally {
            lock.unlock();
        }
    }

    private static Set<Integer> procTids() throws IOException {
        Set<Integer> out = new HashSet<>();
        try (var pids = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path p : pids) {
                try (var tids = Files.newDirectoryStream(p.resolve("task"))) {
                    for (Path t : tids) {
                        out.add(Integer.parseInt(t.getFileName().toString()));
                    }
                } catch (IOException gone) {
                    // exited while listing
                }
            }
        }
        return out;
    }

    private static boolean procAlive(int tid) {
        return Files.exists(Path.of("/proc/" + tid + "/task/" + tid)) || Files.exists(Path.of("/proc/" + tid));
    }

    @Test
    void shouldTrackTenThousandShortLivedProcessesWithoutLeakOrLoss() throws Exception {
        // 10,000 fork/exec/exit, in waves of 200 so the machine is not flooded, plus multi-threaded ones.
        String script = "i=0; while [ $i -lt 10000 ]; do /bin/true & i=$((i+1)); "
                + "if [ $((i % 200)) -eq 0 ]; then wait; fi; done; wait";
        Process storm = new ProcessBuilder("sh", "-c", script).inheritIO().start();
        Process threads = new ProcessBuilder("python3", "-c",
                "import threading,time\n"
                        + "for r in range(20):\n"
                        + "  ts=[threading.Thread(target=time.sleep,args=(0.01,)) for _ in range(8)]\n"
                        + "  [t.start() for t in ts]; [t.join() for t in ts]\n").inheritIO().start();
        assertThat(storm.waitFor(300, TimeUnit.SECONDS)).as("storm finished").isTrue();
        assertThat(threads.waitFor(120, TimeUnit.SECONDS)).as("threaded workload finished").isTrue();
        assertThat(storm.exitValue()).isZero();

        // The machine keeps running other processes: judge each difference after it had time to settle.
        Set<Integer> fromProc = procTids();
        Set<Integer> fromTable = new HashSet<>();
        locked(() -> {
            table.forEachProcess(p -> table.forEachThread(p.tgid(), t -> fromTable.add(t.tid())));
            return null;
        });
        Set<Integer> missing = new HashSet<>(fromProc);
        missing.removeAll(fromTable);
        Set<Integer> leaked = new HashSet<>(fromTable);
        leaked.removeAll(fromProc);
        for (int tid : missing) {
            assertThat(eventually(() -> !procAlive(tid) || locked(() -> table.task(tid)) != null, 2000))
                    .as("live task %d missing from the table", tid).isTrue();
        }
        for (int tid : leaked) {
            assertThat(eventually(() -> procAlive(tid) || locked(() -> table.task(tid)) == null, 2000))
                    .as("dead task %d still live in the table: %s; %s, early exits matched %d; agent events=%d overruns=%d misses=%d",
                            tid, locked(() -> table.task(tid)), locked(table::stats), locked(table::earlyExitsMatched),
                            agent.events(), agent.overruns(), agent.procReadMisses())
                    .isTrue();
        }
        assertThat(agent.events()).as("connector events seen").isGreaterThan(30_000);
        System.out.printf("storm: events=%d overruns=%d rescans=%d procReadMisses=%d differences settled: missing=%d leaked=%d%n",
                agent.events(), agent.overruns(), agent.rescans(), agent.procReadMisses(), missing.size(), leaked.size());
    }

    @Test
    void shouldLinkThreeLevelTreeToRealParents() throws Exception {
        Path pids = Files.createTempFile("canister-tree", ".pids");
        Process top = new ProcessBuilder("sh", "-c",
                "echo $$ > " + pids + "; sh -c 'echo $$ >> " + pids + "; sleep 30 & echo $! >> " + pids + "; wait' & wait")
                .start();
        try {
            assertThat(eventually(() -> {
                try {
                    return Files.readAllLines(pids).size() == 3;
                } catch (IOException e) {
                    return false;
                }
            }, 5000)).isTrue();
            List<Integer> chain = Files.readAllLines(pids).stream().map(String::strip).map(Integer::parseInt).toList();
            int a = chain.get(0);
            int b = chain.get(1);
            int c = chain.get(2);
            assertThat(eventually(() -> locked(() -> table.process(c) != null && table.process(b) != null), 2000)).isTrue();
            locked(() -> {
                assertThat(table.process(a).ppid()).isEqualTo((int) ProcessHandle.current().pid());
                assertThat(table.process(b).ppid()).isEqualTo(a);
                assertThat(table.process(c).ppid()).isEqualTo(b);
                assertThat(table.isDescendant(c, a)).isTrue();
                assertThat(table.isDescendant(a, c)).isFalse();
                return null;
            });
        } finally {
            ProcessHandle.of(top.pid()).ifPresent(h -> h.descendants().forEach(ProcessHandle::destroyForcibly));
            top.destroyForcibly();
            Files.deleteIfExists(pids);
        }
    }

    @Test
    void shouldTreatReusedPidAsNewIncarnation() throws Exception {
        Path lastPid = Path.of("/proc/sys/kernel/ns_last_pid");
        Assumptions.assumeTrue(Files.isWritable(lastPid), "needs a writable " + lastPid + " to make the kernel reuse a pid");
        for (int attempt = 0; attempt < 20; attempt++) {
            Process first = new ProcessBuilder("sleep", "30").start();
            int pid = (int) first.pid();
            assertThat(eventually(() -> locked(() -> table.process(pid)) != null, 2000)).isTrue();
            long firstStart = locked(() -> table.process(pid).startTime());
            first.destroyForcibly().waitFor();
            assertThat(eventually(() -> locked(() -> table.process(pid)) == null, 2000)).as("exit seen").isTrue();
            // Ask the kernel for this pid again (what CRIU does); another fork on the machine may win the race.
            Thread.sleep(20); // a new start time needs at least one clock tick
            Files.writeString(lastPid, Integer.toString(pid - 1));
            Process second = new ProcessBuilder("sleep", "30").start();
            try {
                if (second.pid() != pid) {
                    continue;
                }
                assertThat(eventually(() -> locked(() -> table.process(pid)) != null, 2000)).isTrue();
                Task now = locked(() -> table.process(pid));
                assertThat(now.startTime()).as("new incarnation's start time").isNotEqualTo(firstStart);
                assertThat(now.startTime()).isEqualTo(new ProcFs().startTime(pid, pid));
                return;
            } finally {
                second.destroyForcibly().waitFor();
            }
        }
        Assumptions.abort("the kernel did not hand out the same pid in 20 attempts (a busy machine)");
    }

    /**
     * Deferred exec reads: a long-lived program gets its comm once the delay has passed; short ones exit
     * first and are never read; a caller that needs the identity at once (the contid files) can have it.
     */
    @Test
    void shouldDeferExecReadsSkipShortProgramsAndRefreshOnDemand() throws Exception {
        Process sleeper = new ProcessBuilder("/bin/sleep", "30").start();
        try {
            int pid = (int) sleeper.pid();
            assertThat(eventually(() -> locked(() -> {
                Task t = table.process(pid);
                return t != null && t.comm().equals("sleep") && !t.needsRefresh();
            }), 5_000)).as("comm of a long-lived exec'd program after the read delay").isTrue();
            long cancelledBefore = agent.execReadsCancelled();
            for (int i = 0; i < 30; i++) {
                assertThat(new ProcessBuilder("/bin/true").start().waitFor(5, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(eventually(() -> agent.execReadsCancelled() > cancelledBefore, 2_000))
                    .as("reads of programs that exited within the delay are cancelled").isTrue();
        } finally {
            sleeper.destroyForcibly();
            sleeper.waitFor(5, TimeUnit.SECONDS);
        }

        // A tracker whose reads wait 60 s: only refreshNow can make the comm current.
        ReentrantLock lock2 = new ReentrantLock();
        TaskTable table2 = new TaskTable();
        ProcTrackerAgent slow = new ProcTrackerAgent(ProcConnector.open(), new ProcFs(), table2, lock2,
                TimeUnit.SECONDS.toNanos(60), TimeUnit.MILLISECONDS.toNanos(2));
        slow.seed(System.nanoTime());
        try (AgentRunner r = new AgentRunner(slow, 0, Throwable::printStackTrace).start()) {
            Process p = new ProcessBuilder("/bin/sleep", "30").start();
            try {
                int pid = (int) p.pid();
                java.util.function.Supplier<Task> task = () -> {
                    lock2.lock();
                    try {
                        return table2.process(pid);
                    } finally {
                        lock2.unlock();
                    }
                };
                assertThat(eventually(() -> task.get() != null && task.get().needsRefresh(), 5_000)).isTrue();
                assertThat(task.get().comm()).as("not read yet").isNotEqualTo("sleep");
                assertThat(eventually(() -> {
                    slow.refreshNow(pid); // the exec event may still be on its way: retry until it took
                    return task.get().comm().equals("sleep");
                }, 5_000)).isTrue();
                assertThat(task.get().needsRefresh()).isFalse();
                assertThat(task.get().exe()).endsWith("/sleep");
                assertThat(r.errors()).isZero();
            } finally {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
