package org.canister.core.task;

/**
 * One task (a thread; a thread-group leader when {@code tid == tgid}) as the model knows it.
 * Owned and mutated only by {@link TaskTable}; readers get it under the daemon's model lock.
 * Kept small: strings and value records are interned by the table, so a task costs a few dozen
 * bytes of its own.
 */
public final class Task {
    final int tid;
    final int tgid;
    int ppid;
    /** Not final: a start time guessed at fork (source could not read it) is replaced by the real one. */
    long startTime;
    Credentials creds;
    Namespaces ns;
    String cgroup;
    String comm;
    String exe;
    /**
     * CLOCK_MONOTONIC ns of the exit event, or -1 while alive; for a thread-group leader, once the group
     * has ended, the exit of its last thread (the tgid was not free before).
     */
    long exitTimeNs = -1;
    /** Live threads of this group (leaders only; the leader counts itself while it has not exited). */
    int liveThreads;
    /** Live child processes (leaders only). */
    int liveChildren;
    /**
     * The audit container ID object this task carries, owned by the contid registry (ghak90:
     * {@code audit_task_info.cont}); inherited by every child and thread at fork. Null when unset.
     */
    Object containerLabel;
    /** ghak90 v11 capcontid: the right to set container IDs; never inherited. */
    boolean capContid;

    // Intrusive links maintained by TaskTable. Why intrusive: a per-task collection would cost more
    // than the task itself at a million tasks; five references cost 20 bytes and make every link
    // and unlink O(1).
    /** Leader: first non-leader thread of the group; thread: next thread of the group. */
    Task nextThread;
    /** Thread: previous thread, or the leader (which acts as the list head). */
    Task prevThread;
    /** Leader: first live child process. */
    Task firstChild;
    /** Leader: next child of the same parent. */
    Task nextSibling;
    /** Leader: previous child of the same parent, or the parent itself when first (the list head). */
    Task prevSibling;
    /**
     * Leader: the head of the child list it sits in (its parent, or a placeholder while the parent is
     * unknown), null when unlinked. Thread: its group's leader, or a placeholder while that is unknown.
     * Saves an index lookup (two cache misses at a million tasks) on every exit.
     */
    Task up;
    /** TaskTable.F_* bits. */
    byte flags;

    Task(int tid, int tgid, int ppid, long startTime, Credentials creds, Namespaces ns, String cgroup,
         String comm, String exe) {
        this.tid = tid;
        this.tgid = tgid;
        this.ppid = ppid;
        this.startTime = startTime;
        this.creds = creds;
        this.ns = ns;
        this.cgroup = cgroup;
        this.comm = comm;
        this.exe = exe;
    }

    public int tid() { return tid; }
    public int tgid() { return tgid; }
    /** Thread-group id of the real parent process (for a thread: its group's parent). */
    public int ppid() { return ppid; }
    /** Clock ticks since boot (stat field 22); (tid, startTime) names one incarnation. */
    public long startTime() { return startTime; }
    public Credentials creds() { return creds; }
    public Namespaces ns() { return ns; }
    public String cgroup() { return cgroup; }
    public String comm() { return comm; }
    public String exe() { return exe; }
    public boolean isLeader() { return tid == tgid; }
    public boolean isAlive() { return exitTimeNs < 0; }
    public long exitTimeNs() { return exitTimeNs; }
    public int liveThreads() { return liveThreads; }
    public int liveChildren() { return liveChildren; }
    public Object containerLabel() { return containerLabel; }

    /**
     * True after an exec, uid or gid change until the next {@link TaskEvent.Refresh}: comm, exe and
     * capabilities may have changed (execve; commoncap {@code cap_emulate_setxuid}) and the proc
     * connector does not carry them, so the source should re-read {@code /proc}.
     */
    public boolean needsRefresh() { return (flags & TaskTable.F_NEEDS_REFRESH) != 0; }

    /** True when the start time is the table's guess (the fork source could not read it). */
    public boolean startTimeGuessed() { return (flags & TaskTable.F_START_GUESSED) != 0; }

    /**
     * True when the ppid is the table's provisional 1 after the parent process ended: the kernel
     * re-parented this process (to a subreaper or init) without an event; see {@link TaskTable#takeOrphans()}.
     */
    public boolean ppidProvisional() { return (flags & TaskTable.F_PPID_PROVISIONAL) != 0; }
    public boolean capContid() { return capContid; }

    /** Set by the contid registry only (it keeps the reference counts). */
    public void setContainerLabel(Object label) { this.containerLabel = label; }

    /** Set by the contid registry only. */
    public void setCapContid(boolean value) { this.capContid = value; }

    @Override
    public String toString() {
        return "Task[tid=" + tid + " tgid=" + tgid + " ppid=" + ppid + " start=" + startTime + " comm=" + comm
                + (isAlive() ? "" : " exited") + "]";
    }
}
