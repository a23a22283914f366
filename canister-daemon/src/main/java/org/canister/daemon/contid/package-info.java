/**
 * Audit container IDs in the daemon: {@link org.canister.daemon.contid.ContidService} wires the pure
 * {@link org.canister.core.contid.ContidRegistry} to the control filesystem
 * ({@link org.canister.daemon.contid.ContidFiles}), to the audit log
 * (through the audit router, the single writer of the logs) and to restart-safe state
 * ({@link org.canister.daemon.contid.ContidStateStore}); {@link org.canister.daemon.contid.OciState} is
 * what the OCI hook reads.
 *
 * <h2>Choices (for the README)</h2>
 * <ul>
 * <li><b>OCI hooks act for their runtime.</b> runc and crun run {@code createRuntime} hooks as their own
 *     children, beside the container's init (checked with runc 1.1.5: hook ppid = init ppid = runc), so
 *     a hook is never an ancestor of the init and v11's EXDEV rule refuses it; runc's init is also a Go
 *     program with about five threads at that moment, which v11's EBUSY rule refuses.
 *     {@code proc/<pid>/audit_containerid_runtime} judges a write as the writer's parent's when the
 *     writer itself holds CAP_AUDIT_CONTROL in the initial user namespace, the parent is alive and is
 *     not init, and the target is the parent's child; every live thread of the target is then labelled.
 *     Otherwise the write is judged as the writer's own, exactly as {@code audit_containerid}.</li>
 * <li><b>Type names.</b> Default {@code audit.type-names: unknown-numbers}: Debian's ausearch 3.0.9
 *     reads {@code type=CONTAINER_OP} lines but rejects {@code -m CONTAINER_OP}, and
 *     {@code -m UNKNOWN[1020]} (or {@code -m 1020}) matches only lines written
 *     {@code type=UNKNOWN[1020]}.</li>
 * <li><b>Durability.</b> Log: one O_APPEND write per batch (survives kill -9), fdatasync at most once
 *     a second and at close. State: temp file, fsync, rename, fsync of the directory; saved within 50 ms
 *     of a set or drop, within 1 s of other changes, and at close.</li>
 * <li><b>Drops</b> are queued by a task listener in the same call that applies the exit, so they are
 *     written once and in stamp order; the tracker never waits for the disk (a full queue is counted
 *     and reported with a {@code DAEMON_ERR op=lost} record).</li>
 * </ul>
 */
package org.canister.daemon.contid;
