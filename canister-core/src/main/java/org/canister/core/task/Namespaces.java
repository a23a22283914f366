package org.canister.core.task;

/**
 * Namespace inode numbers of a task, as {@code stat /proc/<pid>/ns/<type>} gives them (0 = unknown).
 * Instances are interned by {@link TaskTable}, so thousands of tasks share one object.
 */
public record Namespaces(long mnt, long net, long pid, long user, long uts, long ipc, long cgroup) {
    public static final Namespaces UNKNOWN = new Namespaces(0, 0, 0, 0, 0, 0, 0);
}
