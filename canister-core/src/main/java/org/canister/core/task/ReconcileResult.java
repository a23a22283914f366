package org.canister.core.task;

/**
 * What {@link TaskTable#reconcile} changed to make the table equal a {@code /proc} scan.
 *
 * @param added   tasks the table did not know (new, or a new incarnation of a reused tid)
 * @param updated known tasks whose facts were refreshed in place
 * @param removed tasks the table believed live that the scan no longer shows, or whose tid now
 *                names another incarnation; each was told to the listeners as an exit
 */
public record ReconcileResult(int added, int updated, int removed) {
}
