package org.canister.core.contid;

import java.util.HashMap;
import java.util.Map;

import org.canister.core.fs.Caller;
import org.canister.core.sim.TaskTreeFixture;
import org.canister.core.task.Credentials;
import org.canister.core.task.Namespaces;
import org.canister.core.task.Task;
import org.canister.core.task.TaskTable;

/**
 * A process tree driven through {@link TaskTable} events (Refresh seeds, Fork, Exit), a registry attached
 * to it, and callers with or without CAP_AUDIT_CONTROL. Pids and start times are allocated in order, so
 * a later task always has a later start time, as in the kernel.
 */
final class ContidFixture extends TaskTreeFixture {
    static final long INIT_USER_NS = 4026531837L;
    static final long CHILD_USER_NS = 4026532500L;
    static final Credentials ROOT = new Credentials(0, 0, 0, 0, 0x1ff_ffff_ffffL, 0x1ff_ffff_ffffL);
    static final Credentials USER = new Credentials(1000, 1000, 1000, 1000, 0, 0x1ff_ffff_ffffL);
    static final Namespaces HOST_NS = new Namespaces(4026531841L, 4026531840L, 4026531836L, INIT_USER_NS,
            4026531838L, 4026531839L, 4026531835L);
    static final String BOOT = "0f0e0d0c-0b0a-0908-0706-050403020100";

    final StampSource stamps = new StampSource();
    final ContidRegistry registry;
    /** Pids whose process runs in a child user namespace (caps there are not caps in the initial one). */
    private final Map<Integer, Long> userNs = new HashMap<>();

    ContidFixture() {
        this(new TaskTable(), ContidSettings.DEFAULTS);
    }

    ContidFixture(TaskTable table, ContidSettings settings) {
        super(table);
        // A table scanned from another fixture's "kernel": allocate pids and start times after its tasks.
        table.forEachProcess(p -> table.forEachThread(p.tgid(), t -> {
            nextPid = Math.max(nextPid, t.tid() + 1);
            ticks = Math.max(ticks, t.startTime() + 1);
        }));
        if (table.process(1) == null) {
            seed(1, 0, ROOT, "systemd");
        }
        this.registry = ContidRegistry.attach(table, stamps, settings);
    }

    /** A task as a /proc scan shows it. */
    void seed(int pid, int ppid, Credentials creds, String comm) {
        seed(pid, ppid, creds, HOST_NS, comm);
    }

    /** Marks a process as living in a child user namespace (after unshare(CLONE_NEWUSER)). */
    void unshareUser(int pid) {
        userNs.put(pid, CHILD_USER_NS);
    }

    Task task(int tid) {
        return table.task(tid);
    }

    long start(int pid) {
        return table.task(pid).startTime();
    }

    /** The process as a control-filesystem writer; its credentials come from the task table. */
    Caller caller(int pid) {
        Task t = table.process(pid);
        long ns = userNs.getOrDefault(pid, INIT_USER_NS);
        return new Caller(pid, pid, t.startTime(), t.creds(), ns, ns == INIT_USER_NS);
    }

    /** A writer with no capabilities at all (uid 1000). */
    Caller unprivileged(int pid) {
        Task t = table.process(pid);
        return new Caller(pid, pid, t.startTime(), USER, INIT_USER_NS, true);
    }

    ContidOutcome set(int writer, int target, long contid) {
        tick();
        return registry.set(caller(writer), target, start(target), contid, wallMs);
    }

    ContidOutcome set(Caller writer, int target, long contid) {
        return registry.set(writer, target, -1, contid, wallMs += 1);
    }

    ContidOutcome cap(int writer, int target, int value) {
        return registry.setCapContid(caller(writer), target, start(target), value, wallMs += 1);
    }

    /** The body of the outcome's CONTAINER_OP or SET_CAPCONTID record. */
    static String body(ContidOutcome o) {
        return o.attemptEvent().records().get(0).body();
    }

    /** Parse {@code key=value} from a record body (values have no spaces in these records). */
    static String field(String body, String key) {
        for (String kv : body.split(" ")) {
            if (kv.startsWith(key + "=")) {
                return kv.substring(key.length() + 1);
            }
        }
        throw new AssertionError("no " + key + "= in " + body);
    }

    static String field(ContidOutcome o, String key) {
        return field(body(o), key);
    }
}
