package org.canister.core.audit.ns;

import java.util.HashMap;
import java.util.Map;

import org.canister.core.audit.AuditRecord;
import org.canister.core.audit.AuditStamp;
import org.canister.core.audit.AuditTypes;
import org.canister.core.contid.ContidRegistry;
import org.canister.core.contid.ContidSettings;
import org.canister.core.contid.StampSource;
import org.canister.core.fs.Caller;
import org.canister.core.sim.TaskTreeFixture;
import org.canister.core.task.Credentials;
import org.canister.core.task.Namespaces;
import org.canister.core.task.Task;
import org.canister.core.task.TaskTable;

/**
 * A host for namespace tests: a task table seeded with init in the host namespaces, the real contid
 * registry (to label tasks), a tracker attached to both, and kernel SYSCALL records as the audit netlink
 * delivers them. Pids and start times are allocated in order.
 */
final class NsFixture extends TaskTreeFixture {
    static final long DEV = NsId.makedev(0, 4);
    static final Credentials ROOT = new Credentials(0, 0, 0, 0, 0x1ff_ffff_ffffL, 0x1ff_ffff_ffffL);
    static final long HOST_MNT = 4026531832L;
    static final long HOST_NET = 4026531840L;
    static final long HOST_PID = 4026531836L;
    static final long HOST_USER = 4026531837L;
    static final long HOST_UTS = 4026531838L;
    static final long HOST_IPC = 4026531839L;
    static final long HOST_CGROUP = 4026531835L;
    static final long HOST_TIME = 4026531834L;
    static final Namespaces HOST_NS = new Namespaces(HOST_MNT, HOST_NET, HOST_PID, HOST_USER, HOST_UTS, HOST_IPC,
            HOST_CGROUP);

    final StampSource stampSource = new StampSource();
    final ContidRegistry registry;
    final NamespaceTracker tracker;
    long serial = 500;
    long nextInode = 4026532200L;

    NsFixture() {
        this(NamespaceTracker.DEFAULT_MAX_PENDING);
    }

    NsFixture(int maxPending) {
        super(new TaskTable());
        seed(1, 0, "systemd");
        seed(2, 0, "kthreadd");
        registry = ContidRegistry.attach(table, stampSource, ContidSettings.DEFAULTS);
        tracker = NamespaceTracker.attach(table, DEV, ContidRegistry::chainOf, this::daemonStamp,
                t -> NsView.of(t.ns(), DEV), maxPending);
    }

    AuditStamp daemonStamp(long wallClockMs) {
        var s = stampSource.next(wallClockMs);
        return new AuditStamp(s.seconds(), s.millis(), s.serial());
    }

    void seed(int pid, int ppid, String comm) {
        seed(pid, ppid, ROOT, HOST_NS, comm);
    }

    /** {@code target} labelled {@code contid} by its parent {@code orchestrator} (root, in the init user ns). */
    void label(int orchestrator, int target, long contid) {
        Task o = table.process(orchestrator);
        Caller c = new Caller(orchestrator, orchestrator, o.startTime(), ROOT, HOST_USER, true);
        registry.set(c, target, table.task(target).startTime(), contid, wallMs++).throwIfFailed();
    }

    long newInode() {
        return nextInode++;
    }

    /** The host namespaces as the daemon's stat of all ten files gives them (time included). */
    static NsView hostObserved() {
        return NsView.of(HOST_NS, DEV).toBuilder()
                .set(NsSlot.TIME, DEV, HOST_TIME)
                .set(NsSlot.TIME_FOR_CHILDREN, DEV, HOST_TIME)
                .build();
    }

    static NsId id(NsType type, long inode) {
        return new NsId(type, DEV, inode);
    }

    /** A kernel SYSCALL record for a successful call, with the next kernel stamp. */
    AuditRecord syscall(String name, int pid, long exit, long a0, long a1) {
        int nr = switch (name) {
            case "clone" -> 56;
            case "unshare" -> 272;
            case "setns" -> 308;
            case "clone3" -> 435;
            default -> throw new IllegalArgumentException(name);
        };
        stampSource.observeKernelSerial(++serial);
        AuditStamp stamp = new AuditStamp(wallMs / 1000, (int) (wallMs % 1000), serial);
        String body = "arch=c000003e syscall=" + nr + " success=yes exit=" + exit + " a0=" + Long.toHexString(a0)
                + " a1=" + Long.toHexString(a1) + " a2=0 a3=0 items=0 ppid=1 pid=" + pid
                + " auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none)"
                + " ses=4294967295 comm=\"x\" exe=\"/usr/bin/x\" subj=unconfined key=\"canister-ns\"";
        return new AuditRecord(AuditTypes.SYSCALL, stamp, body);
    }

    static Map<Integer, NsView> observed(int tid, NsView view) {
        Map<Integer, NsView> m = new HashMap<>();
        m.put(tid, view);
        return m;
    }
}
