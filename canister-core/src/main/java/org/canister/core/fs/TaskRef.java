package org.canister.core.fs;

import org.canister.core.task.Task;

/**
 * One incarnation of a task, as a {@code proc/<pid>/} lookup found it: the tid, its thread group and
 * its start time (stat field 22). A per-task file keeps this value instead of the bare tid so that,
 * like an open {@code /proc/<pid>} file that pins its {@code struct pid}, it can tell a reused pid
 * from the task it was opened for (ESRCH rather than acting on a stranger).
 *
 * @param tid       the task the directory names
 * @param tgid      its thread-group leader at lookup time
 * @param startTime clock ticks since boot at which the task started ({@link Task#startTime()}), or -1
 *                  when the table only guessed it (the fork source could not read it): then any start
 *                  time matches, as the table will replace the guess with the real value
 */
public record TaskRef(int tid, int tgid, long startTime) {

    /** The reference for a task of the table; call under the model lock. */
    public static TaskRef of(Task task) {
        return new TaskRef(task.tid(), task.tgid(), task.startTimeGuessed() ? -1 : task.startTime());
    }

    /** True when {@code task} is this incarnation (same tid and start time) and still alive. */
    public boolean matches(Task task) {
        return task != null && task.isAlive() && sameIncarnation(task);
    }

    /** True when {@code task} has this tid and start time, alive or not. */
    public boolean sameIncarnation(Task task) {
        return task != null && task.tid() == tid && (startTime < 0 || task.startTimeGuessed() || task.startTime() == startTime);
    }
}
