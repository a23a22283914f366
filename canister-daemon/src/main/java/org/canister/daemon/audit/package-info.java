/**
 * The audit pipeline of the daemon: the kernel reader ({@link org.canister.daemon.audit.AuditAgent}:
 * netlink, assembly, annotation under the model lock, loss accounting), the single writer
 * ({@link org.canister.daemon.audit.AuditRouter}) with its sinks (host log and per-container logs
 * with auditd's rotation and disk actions in {@link org.canister.daemon.audit.RotatingLog},
 * {@code audit.sock} in {@link org.canister.daemon.audit.AuditSocketServer}), the wiring and kernel
 * state handling ({@link org.canister.daemon.audit.AuditService},
 * {@link org.canister.daemon.audit.KernelRestoreFile}), Prometheus metrics
 * ({@link org.canister.daemon.audit.MetricsServer}) and {@code canister audit tail}
 * ({@link org.canister.daemon.audit.AuditTail}).
 *
 * <h2>Threads</h2>
 * One agent thread reads the kernel; one router thread renders and writes; one acceptor thread and
 * one virtual thread per {@code audit.sock} client. Sources never block: the router queue and every
 * client queue are bounded, and whatever does not fit is counted and reported as a DAEMON_ERR
 * record in the stream and in the metrics.
 */
package org.canister.daemon.audit;
