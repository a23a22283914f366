package org.canister.core.task;

/**
 * Told by {@link TaskTable} about lifecycle changes, in event order, while the table is consistent.
 * The audit container ID registry uses it for reference counts and drop records.
 */
public interface TaskListener {
    /** A task (process or thread) appeared; {@code parent} is the forking task, or null for a seed/refresh. */
    default void onTaskStart(Task task, Task parent) {
    }

    /**
     * A task exited and became a tombstone. {@code processEnded} is true when this was the last live
     * task of its thread group (the process is gone).
     */
    default void onTaskExit(Task task, boolean processEnded, long timeNs) {
    }

    /**
     * A {@link TaskEvent.Refresh} (or reconcile scan) showed other namespaces for a known task than the
     * table held: the fork event carries none, so a child cloned into new namespaces holds its parent's
     * until {@code /proc} is read. {@code task.ns()} is already the new set.
     */
    default void onNamespacesChanged(Task task, Namespaces before) {
    }
}
