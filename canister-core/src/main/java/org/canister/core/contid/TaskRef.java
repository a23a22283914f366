package org.canister.core.contid;

import org.canister.core.task.Task;

/**
 * One incarnation of a task: its id plus its start time (field 22 of {@code /proc/<pid>/stat}, clock
 * ticks since boot). A pid is reused by the kernel; (pid, startTime) is not, so owners, capcontid
 * holders and saved labels are named this way and a reused pid never inherits a dead task's rights.
 *
 * @param pid       task id (a thread-group id for owners)
 * @param startTime clock ticks since boot
 */
public record TaskRef(int pid, long startTime) {

    /** The incarnation of a task the table knows. */
    public static TaskRef of(Task task) {
        return new TaskRef(task.tid(), task.startTime());
    }

    /** True when {@code task} is this very incarnation. */
    public boolean names(Task task) {
        return task != null && task.tid() == pid && task.startTime() == startTime;
    }

    @Override
    public String toString() {
        return pid + ":" + startTime;
    }
}
