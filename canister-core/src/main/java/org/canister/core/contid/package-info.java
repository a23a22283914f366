/**
 * Audit container IDs (ghak90 v11, spec/audit-contid.md section 6): parsing and printing of IDs and
 * nesting chains, the registry that applies v11's set checks in order with their errnos, the records
 * every attempt produces (CONTAINER_OP, SET_CAPCONTID, NS_INFO, drop) as events of the audit pipeline
 * ({@link org.canister.core.audit.AuditEvent}, written by its one writer), the daemon's collision-free stamps, and the restart codec with its reconciliation against {@code /proc}.
 *
 * <p>Pure: no clock reads (wall-clock milliseconds come in as parameters), no threads, no I/O. The
 * {@link org.canister.core.task.TaskTable} is the process tree; {@link org.canister.core.contid.ContidRegistry}
 * listens to it.
 *
 * <h2>Choices where v11 or the spec leave room (for the README)</h2>
 * <ul>
 * <li><b>Stamps</b> ({@link org.canister.core.contid.StampSource}): 32-bit serials kept antipodal to the
 *     kernel's serial counter (K + 2^31), never a separate range or 64-bit serials ({@code ausearch -a}
 *     and 32-bit parsers would break).</li>
 * <li><b>op=set contid=</b>: the new chain on success ({@code 4,^2,^1}), the requested value alone on
 *     refusal; {@code old-contid=} the chain before the call or {@code -1}.</li>
 * <li><b>auid/ses/uid unknown</b>: printed 4294967295 as the kernel does ({@code ausearch -i} shows
 *     {@code unset}); unknown comm/exe {@code ?}; comm/exe encoded as {@code audit_log_untrustedstring}.</li>
 * <li><b>Every attempt is recorded</b>, including a target gone at write time (ESRCH; v11 logs nothing);
 *     parse errors (EINVAL/ERANGE) are not, having no value, as in v11.</li>
 * <li><b>SET_CAPCONTID refusal</b> ends {@code res=0 errno=<n>}; success is the spec's text exactly.</li>
 * <li><b>capcontid</b>: only 0/1 accepted (EINVAL otherwise); checked on the writer's leader or calling
 *     thread; required in every user namespace (closes the v11 hole).</li>
 * <li><b>Drop and reuse</b>: one drop per object when its last live task exits, or when a nested
 *     orchestrator's relabel takes its last member (then the drop follows the set event). The ID stays
 *     registered (ENOTUNIQ for everyone, owner included) while a registered nested object names it as
 *     parent; a dropped object never revives: a task that reappears carrying it after lost proc
 *     connector events is treated as unlabelled and counted as an anomaly.</li>
 * <li><b>Missed forks</b> (a task found by a {@code /proc} refresh) inherit their parent's current label,
 *     which cannot have changed since the fork (a set needs a childless, single-threaded target).</li>
 * <li><b>Restart</b>: saved labels re-attach by exact (tid, start time) and boot id; tasks that started
 *     after the save inherit from the task they were forked from; tasks that existed at the save and are
 *     not listed stay unlabelled; a re-parented late child takes its adoptive parent's label (known limit).
 *     Drops for objects that lost all members meanwhile are emitted once, with {@code opid=} the last
 *     saved member (exact for single-member containers) or -1.</li>
 * <li><b>Parsing</b>: stricter than {@code kstrtou64_from_user} (no 66-byte truncation, a NUL is junk).
 *     v8 chain syntax ({@code 123^456}) is rejected with a message naming it.</li>
 * <li><b>Type names</b>: {@code CanisterTypes.Naming.UNKNOWN_NUMBERS} prints {@code UNKNOWN[1020]}, {@code UNKNOWN[1022]},
 *     {@code UNKNOWN[29xx]} (stock {@code ausearch -m UNKNOWN[1020]} selects them); CONTAINER_ID is never
 *     numeric. Stock ausearch 3.0.9 splits CONTAINER_OP and NS_INFO of one stamp into two events (it
 *     treats both types as single-record); Canister-aware readers join them by stamp.</li>
 * </ul>
 */
package org.canister.core.contid;
