package org.canister.linux.proc;

import org.canister.core.task.Credentials;
import org.canister.core.task.Task;
import org.canister.core.task.TaskSnapshot;

/**
 * What an exec or a uid/gid change can alter, read from {@code /proc} by {@link ProcFs#readExec}: the
 * credentials, the comm and the exe, plus the identity (tgid, start time) and real parent. Namespaces and
 * the cgroup are left out on purpose: execve(2) keeps both (only setns/unshare and a cgroup write change
 * them), so the table's current values stand, and reading them would cost eight more files per exec.
 *
 * @param comm {@code null} when not read (a uid/gid change keeps the comm)
 * @param exe  {@code null} when not read (a uid/gid change keeps the exe); "" when unreadable
 */
public record ProcExec(int tid, int tgid, int ppid, long startTime, Credentials creds, String comm, String exe) {

    /**
     * True when {@code t} is the incarnation this read saw, by the rule the table applies to a refresh:
     * same group and start time, or a start time the table only guessed at fork that is not later.
     */
    public boolean sameIncarnation(Task t) {
        return t.tid() == tid && t.tgid() == tgid
                && (t.startTime() == startTime || (t.startTimeGuessed() && startTime >= t.startTime()));
    }

    /** A full snapshot: these facts, with namespaces and cgroup (and comm, exe when not read) from {@code current}. */
    public TaskSnapshot toSnapshot(Task current) {
        return new TaskSnapshot(tid, tgid, ppid, startTime, creds, current.ns(), current.cgroup(),
                comm == null ? current.comm() : comm, exe == null ? current.exe() : exe);
    }
}
