package org.canister.core.task;

/**
 * Everything {@code /proc} says about one task, read by canister-linux (seed scan at start, refresh
 * after exec or reparenting) and applied to the model as a {@link TaskEvent.Refresh}.
 *
 * @param tid       task id (equals tgid for a thread-group leader)
 * @param tgid      thread-group id ({@code Tgid:} in status)
 * @param ppid      thread-group id of the real parent ({@code PPid:} in status), 0 for pid 1/kthreadd
 * @param startTime field 22 of {@code /proc/<pid>/stat}: clock ticks since boot; with the tid it
 *                  names one incarnation, so a reused pid is never mistaken for its predecessor
 * @param cgroup    cgroup v2 path (the {@code 0::} line of {@code /proc/<pid>/cgroup}), or "" if none
 * @param comm      {@code /proc/<pid>/comm}
 * @param exe       target of {@code /proc/<pid>/exe}, or "" when unreadable (kernel threads)
 * @param zombie    state {@code Z} in {@code /proc/<pid>/stat}: the task has exited but is still
 *                  listed, either a process not yet reaped by its parent or a thread-group leader
 *                  that exited while other threads of its group run (the kernel keeps such a leader,
 *                  {@code delay_group_leader()}). The table never counts a zombie as a live task.
 */
public record TaskSnapshot(int tid, int tgid, int ppid, long startTime, Credentials creds, Namespaces ns,
                           String cgroup, String comm, String exe, boolean zombie) {

    /** A snapshot of a running (not zombie) task. */
    public TaskSnapshot(int tid, int tgid, int ppid, long startTime, Credentials creds, Namespaces ns,
                        String cgroup, String comm, String exe) {
        this(tid, tgid, ppid, startTime, creds, ns, cgroup, comm, exe, false);
    }

    /** True for a thread-group leader ({@code tid == tgid}). */
    public boolean isLeader() {
        return tid == tgid;
    }
}
