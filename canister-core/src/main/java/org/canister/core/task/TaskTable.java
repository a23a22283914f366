package org.canister.core.task;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

import org.canister.core.collections.IntObjectMap;

/**
 * The host's tasks as Canister knows them: thread groups and threads, parent links, start times,
 * credentials, namespaces, cgroup, comm/exe. Seeded from a {@code /proc} scan, kept live by proc
 * connector events ({@link TaskEvent}). Exited tasks stay as tombstones for a grace period so late
 * audit records still attribute.
 *
 * <p>Not thread-safe: the daemon applies events and reads under one model lock. Never reads a clock.
 *
 * <h2>Kernel rules the model follows</h2>
 * <ul>
 *   <li>A task is one incarnation {@code (tid, startTime)}: a tid seen again with another start time,
 *       or named as the child of a fork while the table still holds it live, belongs to a new task and
 *       the old one is retired (its exit event was lost).</li>
 *   <li>A thread group lives while any of its threads lives. The leader may exit first (it stays a
 *       zombie, {@code delay_group_leader()}); the group stays listed by {@link #process} and
 *       {@link #forEachProcess} until its last thread exits, and only then is the process over.</li>
 *   <li>The proc connector fork event names {@code task->real_parent}, which for a new thread is its
 *       group's parent ({@code copy_process}: {@code CLONE_THREAD} copies {@code real_parent}); so a new
 *       thread copies its identity from its group leader, the best the event allows.</li>
 *   <li>When a process ends, the kernel re-parents its children (to a subreaper or to init,
 *       {@code forget_original_parent()}) without any event: the table sets their ppid to 1
 *       provisionally and queues them for {@link #takeOrphans()} so the source re-reads {@code PPid}.</li>
 *   <li>{@code execve} by a non-leader thread: {@code de_thread()} kills the other threads, the leader
 *       exits, and the exec'ing thread takes over the leader's pid and start time; its old tid
 *       disappears without an exit event. The exec event therefore revives an exited leader and retires
 *       every other thread of the group.</li>
 *   <li>A fork whose child start time the source could not read ({@code -1}) gets its parent's start
 *       time as a guess: a child cannot start before its parent, so it is a lower bound (0 when the
 *       parent is unknown too). {@link Task#startTimeGuessed()} says so; the first Refresh with a start
 *       time at or above the guess is taken as the same task and supplies the real one.</li>
 *   <li>A process child copies its identity from the task the fork event names as its parent. With
 *       {@code CLONE_PARENT} the kernel names the forker's parent instead; the Refresh that follows
 *       the child's exec corrects it.</li>
 * </ul>
 *
 * <h2>Memory (target: at most 512 bytes per tracked task at a million tasks)</h2>
 * A {@link Task} is one object of about 100 bytes; the tid index is a primitive open-addressing
 * table keyed by the task's own tid ({@link TaskIndex}, 4 bytes a slot, at most half full); threads of a group and children of a process are intrusive
 * doubly-linked lists threaded through the tasks themselves (no per-task collection); credentials,
 * namespace sets, comm, exe and cgroup strings are shared through bounded interners (a host has a
 * million threads but only hundreds of distinct identities). Tombstones cost their task object plus
 * one index entry and one queue slot for the grace period.
 */
public final class TaskTable {
    /** Default tombstone grace period (30 s). */
    public static final long DEFAULT_TOMBSTONE_GRACE_NS = 30_000_000_000L;

    /** The pid of init, which inherits orphans unless a subreaper claims them (kernel/exit.c). */
    static final int INIT_PID = 1;

    static final int F_NEEDS_REFRESH = 1;
    static final int F_START_GUESSED = 2;
    static final int F_PPID_PROVISIONAL = 4;
    static final int F_ORPHAN_QUEUED = 8;
    /** Set on tasks a reconcile scan showed; cleared again before reconcile returns. */
    static final int F_SEEN = 16;
    /** A stand-in list head for threads or children whose leader or parent the table does not know yet. */
    static final int F_PLACEHOLDER = 32;

    /** Distinct values kept by each interner; see {@link Interner} for why eviction is harmless. */
    private static final int INTERN_LIMIT = 16_384;

    private static final int IGNORED = 0;
    private static final int ADDED = 1;
    private static final int UPDATED = 2;

    private final long graceNs;
    /** tid -> live task; also holds an exited leader while its group has live threads. */
    private final TaskIndex tasks = new TaskIndex();
    /** tid -> most recent exited task still in grace. */
    private final TaskIndex tombstones = new TaskIndex();
    private final TombstoneQueue tombstoneQueue = new TombstoneQueue();
    /** tgid -> placeholder heading the threads whose leader is not known (scan order, lost fork). */
    private final IntObjectMap<Task> strayThreads = new IntObjectMap<>();
    /** ppid -> placeholder heading processes whose parent is not known yet. */
    private final IntObjectMap<Task> strayChildren = new IntObjectMap<>();
    /**
     * Exits of tasks not (yet) known, by tid, with their event time. The proc connector sends the
     * fork event from the parent after wake_up_new_task(), so on another CPU the child can exec, exit
     * and have its exit delivered first. A fork that follows such an exit within
     * {@link #EARLY_EXIT_WINDOW_NS} is applied and then ended at once, instead of leaving a task the
     * table would believe alive forever.
     */
    private final IntObjectMap<long[]> earlyExits = new IntObjectMap<>();
    private long earlyExitsMatched;
    static final long EARLY_EXIT_WINDOW_NS = 5_000_000_000L;

    private final Interner<Credentials> credentials = new Interner<>(INTERN_LIMIT);
    private final Interner<Namespaces> namespaces = new Interner<>(INTERN_LIMIT);
    private final Interner<String> comms = new Interner<>(INTERN_LIMIT);
    private final Interner<String> exes = new Interner<>(INTERN_LIMIT);
    private final Interner<String> cgroups = new Interner<>(INTERN_LIMIT);

    private TaskListener[] listeners = new TaskListener[0];
    private int[] orphans = new int[16];
    private int orphanCount;

    private int liveProcesses;
    private int liveTasks;
    private long eventsApplied;
    private long unknownTaskEvents;
    /** Forks of an incarnation already known (seen by the seed scan first). */
    private long duplicateForks;
    private long replacedIncarnations;
    private long exits;

    /**
     * An empty table.
     *
     * @param tombstoneGraceNs how long an exited task stays findable by {@link #taskOrTombstone}
     */
    public TaskTable(long tombstoneGraceNs) {
        if (tombstoneGraceNs < 0) {
            throw new IllegalArgumentException("tombstone grace period must be >= 0 ns, got " + tombstoneGraceNs);
        }
        this.graceNs = tombstoneGraceNs;
    }

    /** An empty table with the default 30 s tombstone grace period. */
    public TaskTable() {
        this(DEFAULT_TOMBSTONE_GRACE_NS);
    }

    /** Adds a listener; listeners are called in the order they were added. */
    public void addListener(TaskListener listener) {
        Objects.requireNonNull(listener, "listener");
        TaskListener[] grown = Arrays.copyOf(listeners, listeners.length + 1);
        grown[listeners.length] = listener;
        listeners = grown;
    }

    /** Apply one event; unknown or out-of-order events never throw (counted in {@link #stats()}). */
    public void apply(TaskEvent event) {
        Objects.requireNonNull(event, "event");
        eventsApplied++;
        switch (event) {
            case TaskEvent.Fork f -> fork(f);
            case TaskEvent.Exec e -> exec(e);
            case TaskEvent.Exit e -> exit(e);
            case TaskEvent.UidChange u -> uidChange(u);
            case TaskEvent.GidChange g -> gidChange(g);
            case TaskEvent.CommChange c -> commChange(c);
            case TaskEvent.Refresh r -> refresh(r.snapshot(), r.timeNs(), false);
        }
    }

    /**
     * Makes the table equal a full {@code /proc} scan: at start, and after the proc connector
     * reported an overrun ({@code ENOBUFS}) so events were lost. Every snapshot is applied as a
     * {@link TaskEvent.Refresh}; every live task the scan does not show has exited and is told to the
     * listeners as such (threads before their leader, so the leader's exit is the one that ends the
     * process). Zombie snapshots are applied after running ones, so an exited leader is adopted only
     * when the scan showed live threads of its group.
     *
     * @param all   every task the scan found (order does not matter; threads may precede leaders)
     * @param nowNs CLOCK_MONOTONIC time of the scan; used as the exit time of vanished tasks
     * @return what changed
     */
    public ReconcileResult reconcile(Collection<TaskSnapshot> all, long nowNs) {
        Objects.requireNonNull(all, "all");
        long exitsBefore = exits;
        int added = 0;
        int updated = 0;
        tasks.forEach(t -> t.flags &= ~F_SEEN);
        List<TaskSnapshot> zombies = new ArrayList<>();
        for (TaskSnapshot s : all) {
            if (s != null && s.zombie()) {
                zombies.add(s);
                continue;
            }
            eventsApplied++;
            int r = refresh(s, nowNs, true);
            added += r == ADDED ? 1 : 0;
            updated += r == UPDATED ? 1 : 0;
        }
        for (TaskSnapshot s : zombies) {
            eventsApplied++;
            int r = refresh(s, nowNs, true);
            added += r == ADDED ? 1 : 0;
            updated += r == UPDATED ? 1 : 0;
        }
        List<Task> goneThreads = new ArrayList<>();
        List<Task> goneLeaders = new ArrayList<>();
        tasks.forEach(t -> {
            if (t.isAlive() && (t.flags & F_SEEN) == 0) {
                (t.isLeader() ? goneLeaders : goneThreads).add(t);
            }
            t.flags &= ~F_SEEN;
        });
        for (Task t : goneThreads) {
            if (tasks.get(t.tid) == t && t.isAlive()) {
                exitTask(t, nowNs);
            }
        }
        for (Task t : goneLeaders) {
            if (tasks.get(t.tid) == t && t.isAlive()) {
                exitTask(t, nowNs);
            }
        }
        return new ReconcileResult(added, updated, (int) (exits - exitsBefore));
    }

    /** The live task with this tid (process or thread), or null. */
    public Task task(int tid) {
        Task t = tasks.get(tid);
        return t != null && t.isAlive() ? t : null;
    }

    /**
     * The live task with this tid, else its most recent tombstone still in grace, else null. An
     * exited leader whose group still runs is returned too (its {@link Task#isAlive()} is false).
     */
    public Task taskOrTombstone(int tid) {
        Task t = tasks.get(tid);
        return t != null ? t : tombstones.get(tid);
    }

    /**
     * The most recent exited incarnation of this tid still in grace, or null, even while a live task
     * holds the tid again: a pid reused within the grace period has two incarnations, and a late audit
     * record needs both to pick its own (see ContidAnnotator).
     */
    public Task tombstone(int tid) {
        return tombstones.get(tid);
    }

    /**
     * The leader of the live thread group with this tgid, or null. The group is live while any of its
     * threads is; the leader itself may have exited ({@link Task#isAlive()} false), as in {@code /proc}.
     */
    public Task process(int tgid) {
        Task t = tasks.get(tgid);
        return t != null && t.tid == tgid && t.tgid == tgid ? t : null;
    }

    /** Every live thread-group leader, in no particular order. The action must not change the table. */
    public void forEachProcess(Consumer<Task> action) {
        Objects.requireNonNull(action, "action");
        tasks.forEach(t -> {
            if (t.tid == t.tgid) {
                action.accept(t);
            }
        });
    }

    /** Every live thread of a group, leader included. The action must not change the table. */
    public void forEachThread(int tgid, Consumer<Task> action) {
        Objects.requireNonNull(action, "action");
        Task leader = process(tgid);
        if (leader == null) {
            return;
        }
        if (leader.isAlive()) {
            action.accept(leader);
        }
        for (Task th = leader.nextThread; th != null; th = th.nextThread) {
            action.accept(th);
        }
    }

    /**
     * True when {@code ancestorTgid} is a strict ancestor of {@code tgid} along real-parent links.
     * Bounded by the number of live processes, so a cycle left by inconsistent input ends the walk.
     */
    public boolean isDescendant(int tgid, int ancestorTgid) {
        if (tgid == ancestorTgid) {
            return false;
        }
        Task p = process(tgid);
        for (int steps = liveProcesses + 1; p != null && steps > 0; steps--) {
            int ppid = p.ppid;
            if (ppid == ancestorTgid) {
                return true;
            }
            if (ppid <= 0 || ppid == p.tgid) {
                return false;
            }
            p = process(ppid);
        }
        return false;
    }

    /** Live thread groups (an exited leader with running threads counts). */
    public int liveProcessCount() {
        return liveProcesses;
    }

    /** Live tasks, threads and leaders (an exited leader does not count). */
    public int liveTaskCount() {
        return liveTasks;
    }

    /** Drop tombstones older than the grace period; returns how many were removed. */
    public int expireTombstones(long nowNs) {
        if (earlyExits.size() > 0) {
            IntArrayList stale = new IntArrayList();
            earlyExits.forEach((tid, v) -> {
                if (nowNs - v[1] > EARLY_EXIT_WINDOW_NS) {
                    stale.add(tid);
                }
            });
            for (int i = 0; i < stale.size; i++) {
                earlyExits.remove(stale.items[i]);
            }
        }
        int removed = 0;
        Task t;
        while ((t = tombstoneQueue.pollExpired(nowNs)) != null) {
            // A newer tombstone of the same tid may have replaced this one in the index.
            if (tombstones.get(t.tid) == t) {
                tombstones.remove(t.tid);
                removed++;
            }
        }
        return removed;
    }

    /**
     * Live processes whose parent exited since the last call: the kernel re-parented them (to a
     * subreaper or init) without a proc connector event, so the source re-reads their {@code PPid}
     * and applies a {@link TaskEvent.Refresh}. Until then their ppid is 1.
     */
    public int[] takeOrphans() {
        int[] out = new int[orphanCount];
        int n = 0;
        for (int i = 0; i < orphanCount; i++) {
            Task t = process(orphans[i]);
            if (t != null && (t.flags & F_ORPHAN_QUEUED) != 0) {
                t.flags &= ~F_ORPHAN_QUEUED;
                out[n++] = t.tgid;
            }
        }
        orphanCount = 0;
        if (orphans.length > 4096) {
            orphans = new int[16];
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    /** Fork events ignored because the seed scan had already recorded that incarnation. */
    public long duplicateForks() {
        return duplicateForks;
    }

    /** Counters for status and metrics. */
    public TaskTableStats stats() {
        return new TaskTableStats(eventsApplied, unknownTaskEvents, replacedIncarnations, exits,
                tombstones.size(), liveProcesses, liveTasks, orphanCount);
    }

    // ------------------------------------------------------------------------------------------
    // Events

    private void fork(TaskEvent.Fork f) {
        final long now = f.timeNs();
        final int tid = f.childTid();
        final int tgid = f.childTgid();
        final boolean isProcess = tid == tgid;
        // The kernel hands out a pid only when no task holds it: a live task with the child's tid is
        // a previous incarnation whose exit we missed. Retire it before looking up the parent, which
        // must not be that stale task.
        Task stale = tasks.get(tid);
        if (stale != null && f.childStartTime() >= 0 && stale.startTime == f.childStartTime()) {
            // The same incarnation, already known from the /proc scan that raced with this event
            // (the connector is opened before the seed scan): nothing is new, and retiring it would
            // report an exit that never happened.
            duplicateForks++;
            return;
        }
        if (stale != null) {
            retire(stale, now);
        }
        if (isProcess) {
            // A brand-new process has one thread and no children: anything parked under its tgid
            // belongs to an earlier holder of the pid.
            Task strays = strayThreads.get(tgid);
            if (strays != null) {
                replacedIncarnations++;
                Task th;
                while ((th = strays.nextThread) != null) {
                    exitTask(th, now);
                }
            }
            Task kids = strayChildren.remove(tgid);
            if (kids != null) {
                orphanAll(kids, tgid);
            }
        }
        Task source;
        if (isProcess) {
            source = tasks.get(f.parentTid());
            if (source == null || !source.isAlive() || source.tgid != f.parentTgid()) {
                source = process(f.parentTgid());
            }
        } else {
            source = process(tgid);
            if (source == null) {
                Task strays = strayThreads.get(tgid);
                source = strays != null ? strays.nextThread : null;
            }
        }
        int flags = 0;
        long start = f.childStartTime();
        if (start < 0) {
            // Best guess when the source could not read /proc/<tid>/stat: a child cannot start before
            // its parent, so the parent's start time is a lower bound (0 when the parent is unknown too).
            // The first Refresh with a start time at or above the guess adopts the real one.
            start = source != null ? source.startTime : 0;
            flags |= F_START_GUESSED;
        }
        Task child;
        if (source != null) {
            child = new Task(tid, tgid, f.parentTgid(), start, source.creds, source.ns, source.cgroup,
                    source.comm, source.exe);
            // ghak90: the audit container ID is inherited at fork; capcontid is not.
            child.containerLabel = source.containerLabel;
        } else {
            unknownTaskEvents++;
            child = new Task(tid, tgid, f.parentTgid(), start, Credentials.UNKNOWN, Namespaces.UNKNOWN, "", "", "");
            flags |= F_NEEDS_REFRESH;
        }
        child.flags = (byte) flags;
        insert(child, source, true);
        long[] early = earlyExits.remove(tid);
        if (early != null && early[0] == tgid && now - early[1] < EARLY_EXIT_WINDOW_NS && early[1] - now < EARLY_EXIT_WINDOW_NS) {
            // This child's exit overtook its fork event: it is already gone.
            earlyExitsMatched++;
            exitTask(child, early[1]);
            return;
        }
        if (!isProcess) {
            Task leader = process(tgid);
            if (leader != null && leader.ppid != f.parentTgid() && (leader.flags & F_PPID_PROVISIONAL) != 0) {
                // The event names the group's real parent: better than our provisional 1.
                setGroupParent(leader, f.parentTgid());
                leader.flags &= ~(F_PPID_PROVISIONAL | F_ORPHAN_QUEUED);
            }
        }
    }

    private void exec(TaskEvent.Exec e) {
        Task t = tasks.get(e.tid());
        if (t == null || t.tgid != e.tgid()) {
            unknownTaskEvents++;
            return;
        }
        if (t.isLeader()) {
            if (!t.isAlive()) {
                // de_thread(): a non-leader thread exec'd and took over the leader's pid and start time.
                t.exitTimeNs = -1;
                t.liveThreads++;
                liveTasks++;
                notifyStart(t, null);
            }
            // After de_thread() the exec'ing task is the only thread. The others' exit events came
            // before this one; the exec'ing thread's old tid vanished without one.
            Task th;
            while ((th = t.nextThread) != null) {
                exitTask(th, e.timeNs());
            }
        } else if (!t.isAlive()) {
            unknownTaskEvents++;
            return;
        }
        t.flags |= F_NEEDS_REFRESH;
    }

    private void exit(TaskEvent.Exit e) {
        Task t = tasks.get(e.tid());
        if (t == null || !t.isAlive() || t.tgid != e.tgid()) {
            unknownTaskEvents++;
            earlyExits.put(e.tid(), new long[] {e.tgid(), e.timeNs()});
            return;
        }
        exitTask(t, e.timeNs());
    }

    /** Fork events matched with an exit that had arrived before them (see {@link #earlyExits}). */
    public long earlyExitsMatched() {
        return earlyExitsMatched;
    }

    private void uidChange(TaskEvent.UidChange u) {
        Task t = liveTask(u.tid(), u.tgid());
        if (t == null) {
            return;
        }
        Credentials c = t.creds;
        t.creds = credentials.intern(new Credentials(u.ruid(), u.euid(), c.gid(), c.egid(), c.capEff(), c.capBnd()));
        // Capabilities may change with the uid (cap_emulate_setxuid) and the event does not carry them.
        t.flags |= F_NEEDS_REFRESH;
    }

    private void gidChange(TaskEvent.GidChange g) {
        Task t = liveTask(g.tid(), g.tgid());
        if (t == null) {
            return;
        }
        Credentials c = t.creds;
        t.creds = credentials.intern(new Credentials(c.uid(), c.euid(), g.rgid(), g.egid(), c.capEff(), c.capBnd()));
        t.flags |= F_NEEDS_REFRESH;
    }

    private void commChange(TaskEvent.CommChange c) {
        Task t = liveTask(c.tid(), c.tgid());
        if (t == null) {
            return;
        }
        t.comm = comms.intern(c.comm() == null ? "" : c.comm());
    }

    /** The live task (tid, tgid), or null after counting an unknown-task event. */
    private Task liveTask(int tid, int tgid) {
        Task t = tasks.get(tid);
        if (t == null || !t.isAlive() || t.tgid != tgid) {
            unknownTaskEvents++;
            return null;
        }
        return t;
    }

    private int refresh(TaskSnapshot s, long now, boolean markSeen) {
        if (s == null) {
            unknownTaskEvents++;
            return IGNORED;
        }
        Task existing = tasks.get(s.tid());
        if (existing != null) {
            if (sameIncarnation(existing, s)) {
                update(existing, s, now);
                if (markSeen) {
                    existing.flags |= F_SEEN;
                }
                return UPDATED;
            }
            // Same tid, other start time or group: the kernel reused the pid; the old task is gone.
            retire(existing, now);
        }
        Task t = fromSnapshot(s);
        if (s.zombie()) {
            // An exited task we never saw running. Only an exited leader of a group whose threads we
            // already hold is worth keeping: it names the group, as /proc/<tgid> does. A zombie
            // process waiting to be reaped has no live thread and is not tracked.
            if (!s.isLeader() || strayThreads.get(s.tgid()) == null) {
                return IGNORED;
            }
            t.exitTimeNs = now;
            insert(t, null, false);
        } else {
            insert(t, null, true);
        }
        if (markSeen) {
            t.flags |= F_SEEN;
        }
        return ADDED;
    }

    private static boolean sameIncarnation(Task t, TaskSnapshot s) {
        if (t.tgid != s.tgid()) {
            return false;
        }
        return t.startTime == s.startTime()
                || ((t.flags & F_START_GUESSED) != 0 && s.startTime() >= t.startTime);
    }

    private void update(Task t, TaskSnapshot s, long now) {
        t.creds = credentials.intern(s.creds() == null ? Credentials.UNKNOWN : s.creds());
        Namespaces before = t.ns;
        t.ns = namespaces.intern(s.ns() == null ? Namespaces.UNKNOWN : s.ns());
        if (!before.equals(t.ns)) {
            notifyNamespaces(t, before);
        }
        t.cgroup = cgroups.intern(nonNull(s.cgroup()));
        t.comm = comms.intern(nonNull(s.comm()));
        t.exe = exes.intern(nonNull(s.exe()));
        if ((t.flags & F_START_GUESSED) != 0) {
            t.startTime = s.startTime();
        }
        t.flags &= ~(F_NEEDS_REFRESH | F_START_GUESSED);
        if (t.isLeader()) {
            if (t.ppid != s.ppid()) {
                setGroupParent(t, s.ppid());
            }
            t.flags &= ~(F_PPID_PROVISIONAL | F_ORPHAN_QUEUED);
            if (!s.zombie() && !t.isAlive()) {
                // /proc shows the leader running again: only de_thread() does that (see exec()).
                t.exitTimeNs = -1;
                t.liveThreads++;
                liveTasks++;
                notifyStart(t, null);
            }
        } else {
            t.ppid = s.ppid();
        }
        if (s.zombie() && t.isAlive()) {
            // /proc says it has exited: its exit event was lost.
            exitTask(t, now);
        }
    }

    private Task fromSnapshot(TaskSnapshot s) {
        return new Task(s.tid(), s.tgid(), s.ppid(), s.startTime(),
                credentials.intern(s.creds() == null ? Credentials.UNKNOWN : s.creds()),
                namespaces.intern(s.ns() == null ? Namespaces.UNKNOWN : s.ns()),
                cgroups.intern(nonNull(s.cgroup())), comms.intern(nonNull(s.comm())), exes.intern(nonNull(s.exe())));
    }

    private static String nonNull(String s) {
        return s == null ? "" : s;
    }

    // ------------------------------------------------------------------------------------------
    // Structure: insertion, exit, links

    /**
     * Adds a task that is not in the table. Invariants kept here and in {@link #endGroup}: a thread
     * hangs off its leader if the table holds it, else off a placeholder in {@link #strayThreads},
     * never both; a linked process hangs off {@link #process}(ppid) if held, else off a placeholder
     * in {@link #strayChildren}, never both. So the list head is always found from tgid or ppid, and
     * {@link Task#up} points at it.
     */
    private void insert(Task t, Task startedBy, boolean notify) {
        tasks.put(t);
        if (t.isLeader()) {
            liveProcesses++;
            if (t.isAlive()) {
                t.liveThreads = 1;
                liveTasks++;
            }
            Task strays = strayThreads.remove(t.tgid);
            if (strays != null) {
                Task first = strays.nextThread;
                t.nextThread = first;
                if (first != null) {
                    first.prevThread = t;
                }
                for (Task th = first; th != null; th = th.nextThread) {
                    th.up = t;
                }
                t.liveThreads += strays.liveThreads;
            }
            Task kids = strayChildren.remove(t.tgid);
            if (kids != null) {
                Task first = kids.firstChild;
                t.firstChild = first;
                if (first != null) {
                    first.prevSibling = t;
                }
                for (Task c = first; c != null; c = c.nextSibling) {
                    c.up = t;
                }
                t.liveChildren = kids.liveChildren;
            }
            linkToParent(t);
        } else {
            liveTasks++;
            Task holder = threadHolder(t.tgid);
            if (holder == null) {
                holder = placeholder(t.tgid, t.ppid);
                strayThreads.put(t.tgid, holder);
            }
            t.up = holder;
            t.prevThread = holder;
            t.nextThread = holder.nextThread;
            if (t.nextThread != null) {
                t.nextThread.prevThread = t;
            }
            holder.nextThread = t;
            holder.liveThreads++;
        }
        if (notify) {
            notifyStart(t, startedBy);
        }
    }

    /** Marks a live task exited, makes it a tombstone, ends its group if it was the last, tells listeners. */
    private void exitTask(Task t, long now) {
        t.exitTimeNs = now;
        liveTasks--;
        exits++;
        boolean processEnded = false;
        if (t.isLeader()) {
            if (--t.liveThreads <= 0) {
                endGroup(t, now);
                processEnded = true;
            }
            // else: the leader stays listed, exited, until its last thread exits (delay_group_leader).
        } else {
            tasks.remove(t.tid);
            Task holder = t.up;
            t.up = null;
            Task prev = t.prevThread;
            Task next = t.nextThread;
            if (prev != null) {
                prev.nextThread = next;
            }
            if (next != null) {
                next.prevThread = prev;
            }
            t.prevThread = null;
            t.nextThread = null;
            bury(t, now);
            if (holder != null && --holder.liveThreads <= 0) {
                processEnded = true;
                if ((holder.flags & F_PLACEHOLDER) != 0) {
                    strayThreads.remove(holder.tgid);
                } else {
                    endGroup(holder, now);
                }
            }
        }
        notifyExit(t, processEnded, now);
    }

    /** The group has no live thread left: unlist the leader, hand its children to init. */
    private void endGroup(Task leader, long now) {
        // The tgid stays taken until the group's last thread exits (delay_group_leader): that is the
        // process's end, and what a late record of the group is compared with (ContidAnnotator).
        leader.exitTimeNs = Math.max(leader.exitTimeNs, now);
        tasks.remove(leader.tid);
        liveProcesses--;
        leader.liveThreads = 0;
        leader.nextThread = null;
        unlinkFromParent(leader);
        Task kids = leader.firstChild;
        leader.firstChild = null;
        leader.liveChildren = 0;
        reparentToInit(kids, leader.tgid);
        bury(leader, now);
    }

    /** Moves a list of children (from an ended process or a stale placeholder) to init, provisionally. */
    private void reparentToInit(Task first, int formerParent) {
        int newParent = formerParent == INIT_PID ? 0 : INIT_PID;
        Task c = first;
        while (c != null) {
            Task next = c.nextSibling;
            c.prevSibling = null;
            c.nextSibling = null;
            setPpid(c, newParent);
            c.flags |= F_PPID_PROVISIONAL;
            queueOrphan(c);
            linkToParent(c);
            c = next;
        }
    }

    private void orphanAll(Task placeholder, int formerParent) {
        Task first = placeholder.firstChild;
        placeholder.firstChild = null;
        placeholder.liveChildren = 0;
        reparentToInit(first, formerParent);
    }

    /** Retires a task whose exit was missed (its tid names a new incarnation); a leader takes its group along. */
    private void retire(Task t, long now) {
        replacedIncarnations++;
        if (!t.isLeader()) {
            exitTask(t, now);
            return;
        }
        // A leader's pid is held until its whole group is gone, so every thread of the group is stale too.
        while (tasks.get(t.tid) == t) {
            Task th = t.nextThread;
            if (th != null) {
                exitTask(th, now);
            } else if (t.isAlive()) {
                exitTask(t, now);
            } else {
                endGroup(t, now);
            }
        }
    }

    private void bury(Task t, long now) {
        t.flags &= ~(F_SEEN | F_ORPHAN_QUEUED);
        t.up = null;
        tombstones.put(t);
        long deadline = now > Long.MAX_VALUE - graceNs ? Long.MAX_VALUE : now + graceNs;
        tombstoneQueue.add(t, deadline);
    }

    private Task threadHolder(int tgid) {
        Task leader = process(tgid);
        return leader != null ? leader : strayThreads.get(tgid);
    }

    private Task childHolder(int ppid) {
        Task parent = process(ppid);
        return parent != null ? parent : strayChildren.get(ppid);
    }

    private static Task placeholder(int tgid, int ppid) {
        Task p = new Task(tgid, tgid, ppid, 0, Credentials.UNKNOWN, Namespaces.UNKNOWN, "", "", "");
        p.flags = (byte) F_PLACEHOLDER;
        return p;
    }

    private void linkToParent(Task p) {
        int ppid = p.ppid;
        if (ppid <= 0 || ppid == p.tgid) {
            return; // init and kthreadd have no parent (PPid 0)
        }
        Task parent = childHolder(ppid);
        if (parent == null) {
            parent = placeholder(ppid, 0);
            strayChildren.put(ppid, parent);
        }
        p.up = parent;
        p.prevSibling = parent;
        p.nextSibling = parent.firstChild;
        if (p.nextSibling != null) {
            p.nextSibling.prevSibling = p;
        }
        parent.firstChild = p;
        parent.liveChildren++;
    }

    private void unlinkFromParent(Task p) {
        Task prev = p.prevSibling;
        if (prev == null) {
            return;
        }
        Task holder = p.up;
        Task next = p.nextSibling;
        // A task sits in exactly one child list, so prev.firstChild == p only when prev is the list head.
        if (prev.firstChild == p) {
            prev.firstChild = next;
        } else {
            prev.nextSibling = next;
        }
        if (next != null) {
            next.prevSibling = prev;
        }
        p.up = null;
        p.prevSibling = null;
        p.nextSibling = null;
        if (holder != null && --holder.liveChildren <= 0 && (holder.flags & F_PLACEHOLDER) != 0) {
            strayChildren.remove(holder.tid);
        }
    }

    private void setGroupParent(Task leader, int ppid) {
        unlinkFromParent(leader);
        setPpid(leader, ppid);
        linkToParent(leader);
    }

    /** The ppid of a process is its threads' ppid too (for a thread: its group's parent). */
    private static void setPpid(Task leader, int ppid) {
        leader.ppid = ppid;
        for (Task th = leader.nextThread; th != null; th = th.nextThread) {
            th.ppid = ppid;
        }
    }

    private void queueOrphan(Task c) {
        if ((c.flags & F_ORPHAN_QUEUED) != 0) {
            return;
        }
        c.flags |= F_ORPHAN_QUEUED;
        if (orphanCount == orphans.length) {
            orphans = Arrays.copyOf(orphans, orphanCount * 2);
        }
        orphans[orphanCount++] = c.tgid;
    }

    private void notifyStart(Task t, Task parent) {
        for (TaskListener l : listeners) {
            l.onTaskStart(t, parent);
        }
    }

    private void notifyNamespaces(Task t, Namespaces before) {
        for (TaskListener l : listeners) {
            l.onNamespacesChanged(t, before);
        }
    }

    private void notifyExit(Task t, boolean processEnded, long now) {
        for (TaskListener l : listeners) {
            l.onTaskExit(t, processEnded, now);
        }
    }

    /** A growable int list for the rare pruning pass (no boxing). */
    private static final class IntArrayList {
        int[] items = new int[16];
        int size;

        void add(int v) {
            if (size == items.length) {
                items = Arrays.copyOf(items, size * 2);
            }
            items[size++] = v;
        }
    }
}
