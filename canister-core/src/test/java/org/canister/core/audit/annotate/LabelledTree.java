package org.canister.core.audit.annotate;

import org.canister.core.contid.ContidOutcome;
import org.canister.core.contid.ContidRegistry;
import org.canister.core.contid.ContidSettings;
import org.canister.core.contid.StampSource;
import org.canister.core.fs.Caller;
import org.canister.core.task.Credentials;
import org.canister.core.task.Namespaces;
import org.canister.core.task.Task;
import org.canister.core.task.TaskEvent;
import org.canister.core.task.TaskSnapshot;
import org.canister.core.task.TaskTable;

/**
 * A process tree driven through {@link TaskTable} events, with a contid registry attached, for the
 * annotation and routing tests: pids and start times in order, every task root (CAP_AUDIT_CONTROL).
 */
final class LabelledTree {
    static final Credentials ROOT = new Credentials(0, 0, 0, 0, 0x1ff_ffff_ffffL, 0x1ff_ffff_ffffL);
    static final Namespaces HOST_NS = new Namespaces(4026531841L, 4026531840L, 4026531836L, 4026531837L,
            4026531838L, 4026531839L, 4026531835L);
    static final long INIT_USER_NS = 4026531837L;

    final TaskTable table = new TaskTable(30_000_000_000L);
    final ContidRegistry registry;
    long nowNs = 1_000_000;
    long wallMs = 1_700_000_000_000L;
    long ticks = 5_000;

    LabelledTree() {
        table.apply(new TaskEvent.Refresh(tick(), new TaskSnapshot(1, 1, 0, ticks++, ROOT, HOST_NS, "/", "systemd",
                "/usr/lib/systemd/systemd")));
        registry = ContidRegistry.attach(table, new StampSource(), ContidSettings.DEFAULTS);
    }

    long tick() {
        nowNs += 1_000;
        wallMs += 1;
        return nowNs;
    }

    /** {@code parent} forks a new process with this pid. */
    void fork(int parent, int pid) {
        table.apply(new TaskEvent.Fork(tick(), parent, parent, pid, pid, ticks++));
    }

    void exit(int pid) {
        table.apply(new TaskEvent.Exit(tick(), pid, pid, 0));
    }

    /** {@code /proc} now shows task {@code tid} in the network namespace with inode {@code net} (unshare, setns). */
    void enterNetns(int tid, long net) {
        Task t = table.task(tid);
        Namespaces n = t.ns();
        table.apply(new TaskEvent.Refresh(tick(), new TaskSnapshot(tid, t.tgid(), t.ppid(), t.startTime(), t.creds(),
                new Namespaces(n.mnt(), net, n.pid(), n.user(), n.uts(), n.ipc(), n.cgroup()), t.cgroup(), t.comm(),
                t.exe())));
    }

    /** {@code writer} labels {@code target}; fails the test when refused. */
    void label(int writer, int target, long contid) {
        Task w = table.process(writer);
        Caller c = new Caller(writer, writer, w.startTime(), w.creds(), INIT_USER_NS, true);
        ContidOutcome o = registry.set(c, target, table.task(target).startTime(), contid, wallMs);
        if (!o.isSuccess()) {
            throw new AssertionError("label " + contid + " on " + target + " refused: " + o.message());
        }
    }
}
