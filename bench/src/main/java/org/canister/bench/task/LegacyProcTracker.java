package org.canister.bench.task;

import java.util.ArrayList;
import java.util.List;

import org.canister.core.task.TaskEvent;
import org.canister.core.task.TaskSnapshot;
import org.canister.core.task.TaskTable;
import org.canister.linux.proc.ProcConnector;
import org.canister.linux.proc.ProcFs;

/**
 * The proc tracker's event path as it was before the lean exec read: every exec and uid/gid change
 * reads the full {@link ProcFs#read} snapshot (stat, status, seven namespace links, cgroup, exe, stat
 * again), even when the task's exit is in the same batch. Kept only as the baseline of
 * {@link ProcTrackerCpu}, so both paths are measured on the same events in one run. Orphan refreshes
 * and tombstone expiry are kept as they were; an overrun is only counted (the harness reports it).
 */
final class LegacyProcTracker {
    private final ProcConnector connector;
    private final ProcFs procFs;
    private final TaskTable table;
    private final List<TaskEvent> batch = new ArrayList<>(256);
    private final List<TaskEvent> resolved = new ArrayList<>(512);
    private long nextExpiryNs;
    long events;
    long overruns;

    LegacyProcTracker(ProcConnector connector, ProcFs procFs, TaskTable table) {
        this.connector = connector;
        this.procFs = procFs;
        this.table = table;
    }

    int doWork(long nowNs) {
        batch.clear();
        int n = connector.poll(batch, 100);
        if (n == ProcConnector.OVERRUN) {
            overruns++;
            return 1;
        }
        resolved.clear();
        for (TaskEvent ev : batch) {
            switch (ev) {
                case TaskEvent.Fork f -> {
                    long start = f.childStartTime();
                    if (start < 0) {
                        start = procFs.startTime(f.childTgid(), f.childTid());
                    }
                    resolved.add(new TaskEvent.Fork(f.timeNs(), f.parentTid(), f.parentTgid(), f.childTid(),
                            f.childTgid(), start));
                }
                case TaskEvent.Exec x -> {
                    resolved.add(x);
                    refresh(x.timeNs(), x.tgid(), x.tid());
                }
                case TaskEvent.UidChange u -> {
                    resolved.add(u);
                    refresh(u.timeNs(), u.tgid(), u.tid());
                }
                case TaskEvent.GidChange g -> {
                    resolved.add(g);
                    refresh(g.timeNs(), g.tgid(), g.tid());
                }
                default -> resolved.add(ev);
            }
        }
        int[] orphans;
        synchronized (table) {
            for (TaskEvent ev : resolved) {
                table.apply(ev);
            }
            orphans = table.takeOrphans();
            if (nowNs >= nextExpiryNs) {
                table.expireTombstones(nowNs);
                nextExpiryNs = nowNs + 1_000_000_000L;
            }
        }
        events += batch.size();
        if (orphans.length > 0) {
            resolved.clear();
            for (int pid : orphans) {
                refresh(nowNs, pid, pid);
            }
            synchronized (table) {
                for (TaskEvent ev : resolved) {
                    table.apply(ev);
                }
            }
        }
        return batch.size();
    }

    void close() {
        connector.close();
    }

    private void refresh(long timeNs, int tgid, int tid) {
        TaskSnapshot s = procFs.read(tgid, tid);
        if (s != null) {
            resolved.add(new TaskEvent.Refresh(timeNs, s));
        }
    }
}
