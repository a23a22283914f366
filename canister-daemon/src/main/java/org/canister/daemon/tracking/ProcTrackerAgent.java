package org.canister.daemon.tracking;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import org.canister.core.task.TaskEvent;
import org.canister.core.task.TaskSnapshot;
import org.canister.core.task.TaskTable;
import org.canister.daemon.agent.Agent;
import org.canister.linux.proc.ProcConnector;
import org.canister.linux.proc.ProcFs;

/**
 * Keeps the {@link TaskTable} equal to the kernel's task list: drains the proc connector, completes
 * each event with what only {@code /proc} knows (the child's start time at fork; comm, exe and
 * credentials after exec and uid/gid changes; the new parent of an orphan), then applies the batch
 * under the model lock. On a receive overrun (ENOBUFS: the kernel dropped connector messages) the
 * table is reconciled with a fresh {@code /proc} scan, so nothing stays wrong for long.
 *
 * <p>{@code /proc} is read outside the lock: FUSE readers and contid writers never wait on file I/O.
 */
public final class ProcTrackerAgent implements Agent {
    private static final int POLL_TIMEOUT_MS = 100;
    private static final long EXPIRY_PERIOD_NS = 1_000_000_000L;

    private final ProcConnector connector;
    private final ProcFs procFs;
    private final TaskTable table;
    private final Lock lock;
    private final List<TaskEvent> batch = new ArrayList<>(256);
    private final List<TaskEvent> resolved = new ArrayList<>(512);
    private long nextExpiryNs;

    final AtomicLong events = new AtomicLong();
    final AtomicLong overruns = new AtomicLong();
    final AtomicLong rescans = new AtomicLong();
    final AtomicLong procReadMisses = new AtomicLong();

    public ProcTrackerAgent(ProcConnector connector, ProcFs procFs, TaskTable table, Lock lock) {
        this.connector = connector;
        this.procFs = procFs;
        this.table = table;
        this.lock = lock;
    }

    /**
     * Seeds the table from {@code /proc}. Call after the connector is open, so events that race
     * with the scan are queued in the socket and applied afterwards rather than lost.
     */
    public void seed(long nowNs) {
        List<TaskSnapshot> all = procFs.scanAll();
        lock.lock();
        try {
            table.reconcile(all, nowNs);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int doWork(long nowNs) {
        batch.clear();
        int n = connector.poll(batch, POLL_TIMEOUT_MS);
        if (n == ProcConnector.OVERRUN) {
            overruns.incrementAndGet();
            rescans.incrementAndGet();
            // What was decoded before the overrun is older than the scan: the scan supersedes it.
            seed(System.nanoTime());
            return 1;
        }
        resolved.clear();
        for (TaskEvent ev : batch) {
            complete(ev);
        }
        int[] orphans;
        lock.lock();
        try {
            for (TaskEvent ev : resolved) {
                table.apply(ev);
            }
            orphans = table.takeOrphans();
            if (nowNs >= nextExpiryNs) {
                table.expireTombstones(nowNs);
                nextExpiryNs = nowNs + EXPIRY_PERIOD_NS;
            }
        } finally {
            lock.unlock();
        }
        events.addAndGet(batch.size());
        if (orphans.length > 0) {
            refreshOrphans(orphans, nowNs);
        }
        return batch.size();
    }

    private void complete(TaskEvent ev) {
        switch (ev) {
            case TaskEvent.Fork f -> {
                long start = f.childStartTime();
                if (start < 0) {
                    start = procFs.startTime(f.childTgid(), f.childTid());
                    if (start < 0) {
                        procReadMisses.incrementAndGet(); // exited already: the table guesses, the exit follows
                    }
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
                refresh(u.timeNs(), u.tgid(), u.tid()); // capabilities change with the uid
            }
            case TaskEvent.GidChange g -> {
                resolved.add(g);
                refresh(g.timeNs(), g.tgid(), g.tid());
            }
            default -> resolved.add(ev);
        }
    }

    private void refresh(long timeNs, int tgid, int tid) {
        TaskSnapshot s = procFs.read(tgid, tid);
        if (s != null) {
            resolved.add(new TaskEvent.Refresh(timeNs, s));
        } else {
            procReadMisses.incrementAndGet();
        }
    }

    private void refreshOrphans(int[] orphans, long nowNs) {
        resolved.clear();
        for (int pid : orphans) {
            refresh(nowNs, pid, pid);
        }
        lock.lock();
        try {
            for (TaskEvent ev : resolved) {
                table.apply(ev);
            }
        } finally {
            lock.unlock();
        }
    }

    public long events() {
        return events.get();
    }

    public long overruns() {
        return overruns.get();
    }

    public long rescans() {
        return rescans.get();
    }

    public long procReadMisses() {
        return procReadMisses.get();
    }

    @Override
    public String name() {
        return "proc-connector";
    }

    @Override
    public void close() {
        connector.close();
        procFs.close();
    }
}
