package org.canister.core.task;

/**
 * What the kernel tells Canister about tasks: proc connector events (fork, exec, exit, uid, gid, comm)
 * and facts read from {@code /proc}. Times are CLOCK_MONOTONIC nanoseconds passed in by the source;
 * the model never reads a clock.
 */
public sealed interface TaskEvent {
    long timeNs();

    /**
     * PROC_EVENT_FORK. {@code childTid == childTgid} is a new process whose real parent is
     * {@code parentTgid}; otherwise a new thread in group {@code childTgid}. The child inherits the
     * parent's credentials, namespaces, cgroup, comm, exe and container label.
     *
     * @param childStartTime clock ticks since boot (stat field 22), or -1 when the source could not read it
     */
    record Fork(long timeNs, int parentTid, int parentTgid, int childTid, int childTgid, long childStartTime)
            implements TaskEvent {
    }

    /** PROC_EVENT_EXEC. A {@link Refresh} with the new comm/exe/credentials usually follows. */
    record Exec(long timeNs, int tid, int tgid) implements TaskEvent {
    }

    /** PROC_EVENT_EXIT for one task (thread or leader). */
    record Exit(long timeNs, int tid, int tgid, int exitCode) implements TaskEvent {
    }

    /** PROC_EVENT_UID. */
    record UidChange(long timeNs, int tid, int tgid, int ruid, int euid) implements TaskEvent {
    }

    /** PROC_EVENT_GID. */
    record GidChange(long timeNs, int tid, int tgid, int rgid, int egid) implements TaskEvent {
    }

    /** PROC_EVENT_COMM. */
    record CommChange(long timeNs, int tid, int tgid, String comm) implements TaskEvent {
    }

    /**
     * Facts read from {@code /proc}. Adds the task if unknown; if a live task with the same tid but a
     * different start time is known, that one has exited (its exit event was lost) and is replaced.
     */
    record Refresh(long timeNs, TaskSnapshot snapshot) implements TaskEvent {
    }
}
