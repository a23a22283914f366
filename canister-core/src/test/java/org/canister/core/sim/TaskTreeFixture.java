package org.canister.core.sim;

import org.canister.core.task.Credentials;
import org.canister.core.task.Namespaces;
import org.canister.core.task.Task;
import org.canister.core.task.TaskEvent;
import org.canister.core.task.TaskSnapshot;
import org.canister.core.task.TaskTable;

/**
 * A process tree driven through {@link TaskTable} events as the proc connector and a {@code /proc} scan
 * deliver them (Refresh seeds, Fork, Exit), with pids, start times and both clocks allocated in order, so
 * a later task always has a later start time, as in the kernel. The base of the contid and namespace test
 * fixtures.
 */
public class TaskTreeFixture {
    public final TaskTable table;
    public long nowNs = 1_000_000;
    public long wallMs = 1_700_000_000_000L;
    public long ticks = 5_000;
    public int nextPid = 100;

    protected TaskTreeFixture(TaskTable table) {
        this.table = table;
    }

    /** Advances both clocks (1 us, 1 ms); returns the monotonic time. */
    public long tick() {
        nowNs += 1_000;
        wallMs += 1;
        return nowNs;
    }

    /** A task as a /proc scan shows it. */
    public void seed(int pid, int ppid, Credentials creds, Namespaces ns, String comm) {
        table.apply(new TaskEvent.Refresh(tick(), new TaskSnapshot(pid, pid, ppid, ticks++, creds, ns, "/",
                comm, "/usr/bin/" + comm)));
    }

    /** A new process forked by {@code parent} (tid or tgid of a single-threaded one); returns its pid. */
    public int fork(int parent) {
        int pid = nextPid++;
        forkAs(parent, pid);
        return pid;
    }

    /** A new process with a chosen pid (to model pid reuse). */
    public void forkAs(int parent, int pid) {
        Task p = table.task(parent);
        table.apply(new TaskEvent.Fork(tick(), parent, p != null ? p.tgid() : parent, pid, pid, ticks++));
    }

    /** A new thread in group {@code tgid}; returns its tid. */
    public int thread(int tgid) {
        int tid = nextPid++;
        table.apply(new TaskEvent.Fork(tick(), tgid, tgid, tid, tgid, ticks++));
        return tid;
    }

    /** One task exits (a thread, or a single-threaded process). */
    public void exit(int tid) {
        Task t = table.task(tid);
        table.apply(new TaskEvent.Exit(tick(), tid, t.tgid(), 0));
    }
}
