/**
 * Audit container IDs (ghak90 v11, spec/audit-contid.md section 6): parsing and printing of IDs and
 * nesting chains, the registry that applies v11's set checks in order with their errnos, the records
 * every attempt produces (CONTAINER_OP, SET_CAPCONTID, NS_INFO, drop) in auditd's text framing, the
 * daemon's collision-free stamps, and the restart codec with its reconciliation against {@code /proc}.
 *
 * <p>Pure: no clock reads (wall-clock milliseconds come in as parameters), no threads, no I/O. The
 * {@link org.canister.core.task.TaskTable} is the process tree; {@link ContidRegistry} listens to it.
 */
package org.canister.core.contid;
