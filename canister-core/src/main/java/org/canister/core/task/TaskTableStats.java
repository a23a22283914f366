package org.canister.core.task;

/**
 * Counters of a {@link TaskTable}, for the daemon's {@code status} file and metrics.
 *
 * @param eventsApplied        events passed to {@link TaskTable#apply}, reconcile refreshes included
 * @param unknownTaskEvents    events naming a task the table does not know (lost fork, started before
 *                             the scan, late duplicate); they never throw
 * @param replacedIncarnations live tasks retired because their tid appeared again with another start
 *                             time or in a fork: their exit event was lost
 * @param exits                tasks told to listeners as exited, missed exits included
 * @param tombstones           exited tasks still kept for late attribution
 * @param liveProcesses        thread groups with at least one live thread
 * @param liveTasks            live tasks (threads and leaders; an exited leader is not counted)
 * @param pendingOrphans       processes waiting for {@link TaskTable#takeOrphans()}
 */
public record TaskTableStats(long eventsApplied, long unknownTaskEvents, long replacedIncarnations, long exits,
                             int tombstones, int liveProcesses, int liveTasks, int pendingOrphans) {
}
