package org.canister.daemon.tracking;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.LockSupport;
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
 *
 * <h2>Deferred exec reads</h2>
 * Most exec'd programs on a busy host are short (a shell pipeline's {@code true}, {@code sed},
 * {@code cat}): they exit within milliseconds of their exec (more on a loaded host). So the {@code /proc} read that
 * completes an exec (or a uid/gid change) waits {@code execReadDelayNs} (default
 * {@value #DEFAULT_EXEC_READ_DELAY_MS} ms) in a FIFO, and is cancelled when the task's exit arrives
 * first: at 1000 exec/s of {@code /bin/true} almost no read is made. Nothing that needs the read waits
 * for it: audit attribution uses only fork and exit (labels are inherited at fork), and the contid
 * checks re-read {@code /proc} for the writer anyway (spec 6.1). For up to the delay, {@code ps} shows
 * the pre-exec comm of a task (the table marks it as needing a refresh, as before).
 */
public final class ProcTrackerAgent implements Agent {
    private static final int POLL_TIMEOUT_MS = 100;
    private static final long EXPIRY_PERIOD_NS = 1_000_000_000L;
    /** Default wait before an exec's {@code /proc} read (cancelled by the task's exit meanwhile). */
    public static final int DEFAULT_EXEC_READ_DELAY_MS = 50;

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
    private final long execReadDelayNs;
    private final long batchDelayNs;
    private final DeferredReads deferred = new DeferredReads();
    private final TrackerProgress progress = new TrackerProgress();
    private final Object onDemandLock = new Object();
    /** {@code /proc} reader of {@link #refreshIfStale} (other threads), guarded by {@link #onDemandLock}. */
    private ProcFs onDemandFs;
    /** Guarded by {@link #onDemandLock}. */
    private boolean closed;

    final AtomicLong execReadsDone = new AtomicLong();
    final AtomicLong execReadsCancelled = new AtomicLong();

    final AtomicLong events = new AtomicLong();
    final AtomicLong overruns = new AtomicLong();
    final AtomicLong rescans = new AtomicLong();
    final AtomicLong procReadMisses = new AtomicLong();

    public ProcTrackerAgent(ProcConnector connector, ProcFs procFs, TaskTable table, Lock lock) {
        this(connector, procFs, table, lock, DEFAULT_EXEC_READ_DELAY_MS * 1_000_000L, 0);
    }

    /**
     * @param execReadDelayNs how long an exec's {@code /proc} read waits for the task's exit (0: read
     *                        in the batch that brought the exec)
     * @param batchDelayNs    sleep after each batch so the next one is bigger (0: none)
     */
    public ProcTrackerAgent(ProcConnector connector, ProcFs procFs, TaskTable table, Lock lock, long execReadDelayNs,
                            long batchDelayNs) {
        if (execReadDelayNs < 0 || batchDelayNs < 0) {
            throw new IllegalArgumentException("negative delay: " + execReadDelayNs + ", " + batchDelayNs);
        }
        this.execReadDelayNs = execReadDelayNs;
        this.batchDelayNs = batchDelayNs;
        this.nextExpiryNs = System.nanoTime();
        progress.socketEmpty(connector::socketEmpty);
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
        int timeoutMs = POLL_TIMEOUT_MS;
        if (!deferred.isEmpty()) {
            long waitNs = deferred.firstDueNs() - nowNs;
            timeoutMs = waitNs <= 0 ? 0 : (int) Math.min(POLL_TIMEOUT_MS, (waitNs + 999_999) / 1_000_000);
        }
        boolean readable = connector.awaitReadable(timeoutMs);
        progress.beginDrain();
        long drainStart = Long.MIN_VALUE;
        int reads;
        try {
            drainStart = System.nanoTime();
            int n = readable ? connector.drainTo(batch) : 0;
            if (n == ProcConnector.OVERRUN) {
                overruns.incrementAndGet();
                rescans.incrementAndGet();
                deferred.clear(); // the scan reads every task afresh
                // What was decoded before the overrun is older than the scan: the scan supersedes it.
                seed(System.nanoTime());
                drainStart = Long.MIN_VALUE; // the scan saw /proc, not the socket: wait for a real drain
                return 1;
            }
            if (!readable || !connector.drained()) {
                // Nothing taken (a datagram may have arrived since the poll said none), or stopped at the
                // limit: no progress to claim. An idle tracker is seen as caught up through its empty socket.
                drainStart = Long.MIN_VALUE;
            }
            reads = applyBatch(nowNs);
        } catch (RuntimeException | Error e) {
            drainStart = Long.MIN_VALUE;
            throw e;
        } finally {
            progress.endDrain(drainStart);
        }
        if (!batch.isEmpty() && batchDelayNs > 0) {
            // Batching (tasks.batch-delay-us): a fork/exec/exit storm sends three datagrams per program;
            // awake, this thread would take them one or two per wakeup. Sleeping a little after a batch
            // lets them collect (the socket holds seconds of them) and an exec'd task's exit often
            // arrives in the same batch as its exec. The audit reader does not annotate past what this
            // thread has applied (TrackerProgress), so the delay costs attribution nothing.
            LockSupport.parkNanos(batchDelayNs);
        }
        return batch.size() + reads;
    }

    /**
     * Reads {@code /proc} now for a process and applies what an exec or a uid/gid change may have altered
     * (comm, exe, credentials), for a caller that needs them current: the contid files put the writer's
     * comm and exe into CONTAINER_OP records. Unconditional, because a hook writes within a millisecond of
     * its own exec, often before that exec's connector event has reached the table (the tracker batches);
     * contid writes are rare. Any thread; takes the model lock itself, so the caller must not hold it.
     */
    public void refreshNow(int tgid) {
        ProcExec x;
        synchronized (onDemandLock) {
            if (closed) {
                return;
            }
            if (onDemandFs == null) {
                onDemandFs = new ProcFs();
            }
            x = onDemandFs.readExec(tgid, tgid, true);
        }
        if (x == null) {
            return;
        }
        lock.lock();
        try {
            Task t = table.task(x.tid());
            if (t != null && x.sameIncarnation(t)) {
                table.apply(new TaskEvent.Refresh(System.nanoTime(), x.toSnapshot(t)));
            }
        } finally {
            lock.unlock();
        }
    }

    /** What the audit reader checks before annotating (see {@link TrackerProgress}). */
    public TrackerProgress progress() {
        return progress;
    }

    /** Completes the batch from {@code /proc}, applies it under the lock; returns the deferred reads made. */
    private int applyBatch(long nowNs) {
        markExitsAhead();
        resolved.clear();
        fullReadCount = 0;
        // Reads deferred by earlier batches whose task exited in this one: nothing left to read.
        execReadsCancelled.addAndGet(deferred.cancel(exitsAhead));
        for (int i = 0; i < batch.size(); i++) {
            complete(batch.get(i), exitAhead[i]);
        }
        int reads = readDue(System.nanoTime());
        int[] orphans;
        lock.lock();
        try {
            applyResolved();
            orphans = table.takeOrphans();
            if (nowNs - nextExpiryNs >= 0) {
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
        return reads;
    }

    /** Makes the deferred reads that are due, in FIFO order. */
    private int readDue(long nowNs) {
        int reads = 0;
        while (!deferred.isEmpty() && deferred.firstDueNs() - nowNs <= 0) {
            readExec(deferred.firstTimeNs(), deferred.firstTgid(), deferred.firstTid(), deferred.firstWithExe());
            deferred.removeFirst();
            reads++;
        }
        execReadsDone.addAndGet(reads);
        return reads;
    }

    /** Reads now (no delay) or queues the read of an exec'd / re-credentialed task. */
    private void scheduleRead(long timeNs, int tgid, int tid, boolean withExe) {
        if (execReadDelayNs == 0) {
            readExec(timeNs, tgid, tid, withExe);
            execReadsDone.incrementAndGet();
        } else {
            deferred.add(System.nanoTime() + execReadDelayNs, timeNs, tgid, tid, withExe);
        }
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
                    scheduleRead(x.timeNs(), x.tgid(), x.tid(), true);
                }
            }
            case TaskEvent.UidChange u -> {
                resolved.add(u);
                if (!exitsLater) {
                    scheduleRead(u.timeNs(), u.tgid(), u.tid(), false); // capabilities change with the uid
                }
            }
            case TaskEvent.GidChange g -> {
                resolved.add(g);
                if (!exitsLater) {
                    scheduleRead(g.timeNs(), g.tgid(), g.tid(), false);
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

    /** Exec / uid / gid {@code /proc} reads made. */
    public long execReadsDone() {
        return execReadsDone.get();
    }

    /** Deferred exec reads cancelled because the task exited first. */
    public long execReadsCancelled() {
        return execReadsCancelled.get();
    }

    @Override
    public String name() {
        return "proc-connector";
    }

    @Override
    public void close() {
        progress.stop(); // the audit reader must not wait for a tracker that is gone
        connector.close();
        procFs.close();
        synchronized (onDemandLock) {
            closed = true;
            if (onDemandFs != null) {
                onDemandFs.close();
                onDemandFs = null;
            }
        }
    }

    /**
     * The FIFO of deferred reads (due times only grow: one constant delay), as parallel arrays in a
     * ring; a cancelled entry keeps its place with tid -1 and is skipped when it comes due.
     */
    private static final class DeferredReads {
        private long[] due = new long[64];
        private long[] time = new long[64];
        private int[] tgid = new int[64];
        private int[] tid = new int[64];
        private boolean[] withExe = new boolean[64];
        private int head;
        private int size;

        boolean isEmpty() {
            skipCancelled();
            return size == 0;
        }

        void clear() {
            head = 0;
            size = 0;
        }

        void add(long dueNs, long timeNs, int tgidV, int tidV, boolean exe) {
            if (size == due.length) {
                grow();
            }
            int i = (head + size) & (due.length - 1);
            due[i] = dueNs;
            time[i] = timeNs;
            tgid[i] = tgidV;
            tid[i] = tidV;
            withExe[i] = exe;
            size++;
        }

        /** Cancels every entry whose tid is in {@code exited}; returns how many. */
        int cancel(IntSet exited) {
            if (exited.isEmpty()) {
                return 0;
            }
            int n = 0;
            for (int k = 0; k < size; k++) {
                int i = (head + k) & (due.length - 1);
                if (tid[i] >= 0 && exited.contains(tid[i])) {
                    tid[i] = -1;
                    n++;
                }
            }
            return n;
        }

        long firstDueNs() {
            return due[head];
        }

        long firstTimeNs() {
            return time[head];
        }

        int firstTgid() {
            return tgid[head];
        }

        int firstTid() {
            return tid[head];
        }

        boolean firstWithExe() {
            return withExe[head];
        }

        void removeFirst() {
            head = (head + 1) & (due.length - 1);
            size--;
        }

        private void skipCancelled() {
            while (size > 0 && tid[head] < 0) {
                removeFirst();
            }
        }

        private void grow() {
            int cap = due.length * 2;
            long[] d = new long[cap];
            long[] t = new long[cap];
            int[] g = new int[cap];
            int[] id = new int[cap];
            boolean[] x = new boolean[cap];
            for (int k = 0; k < size; k++) {
                int i = (head + k) & (due.length - 1);
                d[k] = due[i];
                t[k] = time[i];
                g[k] = tgid[i];
                id[k] = tid[i];
                x[k] = withExe[i];
            }
            due = d;
            time = t;
            tgid = g;
            tid = id;
            withExe = x;
            head = 0;
        }
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

        boolean isEmpty() {
            return size == 0;
        }

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
