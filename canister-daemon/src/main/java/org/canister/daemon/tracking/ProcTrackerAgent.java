package org.canister.daemon.tracking;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import org.canister.core.task.Task;
import org.canister.core.task.TaskEvent;
import org.canister.core.task.TaskSnapshot;
import org.canister.core.task.TaskTable;
import org.canister.daemon.agent.Agent;
import org.canister.linux.proc.ProcConnector;
import org.canister.linux.proc.ProcExec;
import org.canister.linux.proc.ProcFs;

/**
 * Keeps the {@link TaskTable} equal to the kernel's task list: drains the proc connector, completes
 * each event with what only {@code /proc} knows (the child's start time at fork; comm, exe and
 * credentials after exec and uid/gid changes; the new parent of an orphan), then applies the batch
 * under the model lock. On a receive overrun (ENOBUFS: the kernel dropped connector messages) the
 * table is reconciled with a fresh {@code /proc} scan, so nothing stays wrong for long.
 *
 * <p>{@code /proc} is read outside the lock: FUSE readers and contid writers never wait on file I/O.
 *
 * <p>CPU per exec is what this agent costs on a busy host (issue 4: at most 1.5x auditd at 1000 exec/s),
 * so an exec reads only what execve(2) can change ({@link ProcFs#readExec}: stat, status, exe; four
 * file operations, not the full snapshot's twelve) and takes namespaces and cgroup from the table
 * under the lock; and no task whose exit is later in the same batch is read at all (it is gone, or a
 * zombie that {@code /proc} reads reject anyway).
 */
public final class ProcTrackerAgent implements Agent {
    private static final int POLL_TIMEOUT_MS = 100;
    private static final long EXPIRY_PERIOD_NS = 1_000_000_000L;

    private final ProcConnector connector;
    private final ProcFs procFs;
    private final TaskTable table;
    private final Lock lock;
    private final List<TaskEvent> batch = new ArrayList<>(256);
    /** {@link TaskEvent}s and {@link PendingExec}s, in batch order. */
    private final List<Object> resolved = new ArrayList<>(512);
    /** Tids whose exit is later in the batch than the event being completed. */
    private final IntSet exitsAhead = new IntSet();
    private boolean[] exitAhead = new boolean[256];
    /** Tasks an exec read could not be matched with under the lock: given a full read afterwards. */
    private int[] fullReads = new int[16];
    private int fullReadCount;
    private long nextExpiryNs;
    private Runnable onThreadStart = () -> { };
    private boolean started;

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

    /**
     * Runs once on the agent's own thread before its first batch: the daemon boosts this thread's
     * priority like the audit reader's, since the reader waits on the model lock this agent holds while
     * applying a batch (an unboosted holder preempted by the audited storm would stall the reader).
     */
    public void onThreadStart(Runnable action) {
        this.onThreadStart = action;
    }

    @Override
    public int doWork(long nowNs) {
        if (!started) {
            started = true;
            onThreadStart.run();
        }
        batch.clear();
        int n = connector.poll(batch, POLL_TIMEOUT_MS);
        if (n == ProcConnector.OVERRUN) {
            overruns.incrementAndGet();
            rescans.incrementAndGet();
            // What was decoded before the overrun is older than the scan: the scan supersedes it.
            seed(System.nanoTime());
            return 1;
        }
        markExitsAhead();
        resolved.clear();
        fullReadCount = 0;
        for (int i = 0; i < batch.size(); i++) {
            complete(batch.get(i), exitAhead[i]);
        }
        int[] orphans;
        lock.lock();
        try {
            applyResolved();
            orphans = table.takeOrphans();
            if (nowNs >= nextExpiryNs) {
                table.expireTombstones(nowNs);
                nextExpiryNs = nowNs + EXPIRY_PERIOD_NS;
            }
        } finally {
            lock.unlock();
        }
        events.addAndGet(batch.size());
        if (fullReadCount > 0) {
            refreshFully(nowNs);
        }
        if (orphans.length > 0) {
            refreshOrphans(orphans, nowNs);
        }
        return batch.size();
    }

    /**
     * For each event of the batch, whether an exit of the same tid follows it in the batch. Such a task
     * is gone by the time its exec or uid change is completed (the batch arrived after its exit), so a
     * {@code /proc} read would find nothing, or a zombie, or a new incarnation of a reused tid.
     */
    private void markExitsAhead() {
        int n = batch.size();
        if (exitAhead.length < n) {
            exitAhead = new boolean[Math.max(n, exitAhead.length * 2)];
        }
        exitsAhead.clear();
        for (int i = n - 1; i >= 0; i--) {
            TaskEvent ev = batch.get(i);
            exitAhead[i] = switch (ev) {
                case TaskEvent.Exec x -> exitsAhead.contains(x.tid());
                case TaskEvent.UidChange u -> exitsAhead.contains(u.tid());
                case TaskEvent.GidChange g -> exitsAhead.contains(g.tid());
                default -> false;
            };
            if (ev instanceof TaskEvent.Exit e) {
                exitsAhead.add(e.tid());
            }
        }
    }

    private void complete(TaskEvent ev, boolean exitsLater) {
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
                if (!exitsLater) {
                    readExec(x.timeNs(), x.tgid(), x.tid(), true);
                }
            }
            case TaskEvent.UidChange u -> {
                resolved.add(u);
                if (!exitsLater) {
                    readExec(u.timeNs(), u.tgid(), u.tid(), false); // capabilities change with the uid
                }
            }
            case TaskEvent.GidChange g -> {
                resolved.add(g);
                if (!exitsLater) {
                    readExec(g.timeNs(), g.tgid(), g.tid(), false);
                }
            }
            default -> resolved.add(ev);
        }
    }

    /** An exec read waiting for the lock, where the table's namespaces and cgroup complete it. */
    private record PendingExec(long timeNs, ProcExec read) {
    }

    private void readExec(long timeNs, int tgid, int tid, boolean withExe) {
        ProcExec x = procFs.readExec(tgid, tid, withExe);
        if (x != null) {
            resolved.add(new PendingExec(timeNs, x));
        } else {
            procReadMisses.incrementAndGet();
        }
    }

    /** Applies {@link #resolved} in order. Call under the lock. */
    private void applyResolved() {
        for (Object o : resolved) {
            if (o instanceof PendingExec p) {
                ProcExec x = p.read();
                Task t = table.task(x.tid());
                if (t != null && x.sameIncarnation(t)) {
                    table.apply(new TaskEvent.Refresh(p.timeNs(), x.toSnapshot(t)));
                } else {
                    // Unknown here (its fork was lost, or the tid names another incarnation): the table
                    // has no namespaces to lend, so the task gets the full read after the lock.
                    if (fullReadCount == fullReads.length) {
                        fullReads = Arrays.copyOf(fullReads, fullReadCount * 2);
                    }
                    fullReads[fullReadCount++] = x.tid();
                    fullReads[fullReadCount++] = x.tgid();
                }
            } else {
                table.apply((TaskEvent) o);
            }
        }
    }

    private void refreshFully(long nowNs) {
        resolved.clear();
        for (int i = 0; i < fullReadCount; i += 2) {
            refresh(nowNs, fullReads[i + 1], fullReads[i]);
        }
        fullReadCount = 0;
        lock.lock();
        try {
            applyResolved();
        } finally {
            lock.unlock();
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
            applyResolved();
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

    /**
     * A set of tids for one batch: open addressing with a generation stamp, so clearing costs nothing
     * and nothing is allocated per batch (a {@code HashSet<Integer>} would box every exit).
     */
    private static final class IntSet {
        private int[] keys = new int[512];
        private int[] stamps = new int[512];
        private int generation = 1;
        private int size;

        void clear() {
            size = 0;
            if (++generation == 0) {
                Arrays.fill(stamps, 0);
                generation = 1;
            }
        }

        boolean contains(int key) {
            int mask = keys.length - 1;
            for (int i = mix(key) & mask; stamps[i] == generation; i = (i + 1) & mask) {
                if (keys[i] == key) {
                    return true;
                }
            }
            return false;
        }

        void add(int key) {
            if (2 * (size + 1) > keys.length) {
                grow();
            }
            int mask = keys.length - 1;
            int i = mix(key) & mask;
            for (; stamps[i] == generation; i = (i + 1) & mask) {
                if (keys[i] == key) {
                    return;
                }
            }
            keys[i] = key;
            stamps[i] = generation;
            size++;
        }

        private void grow() {
            int[] oldKeys = keys;
            int[] oldStamps = stamps;
            int oldGeneration = generation;
            keys = new int[oldKeys.length * 2];
            stamps = new int[oldKeys.length * 2];
            generation = 1;
            size = 0;
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldStamps[i] == oldGeneration) {
                    add(oldKeys[i]);
                }
            }
        }

        private static int mix(int key) {
            return key * 0x9E3779B9;
        }
    }
}
