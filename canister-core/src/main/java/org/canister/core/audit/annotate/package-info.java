/**
 * ghak90 v11's CONTAINER_ID annotation of kernel audit events (spec/audit-contid.md 6.2 req. 8, 9),
 * and reading it back.
 *
 * <ul>
 * <li>{@link org.canister.core.audit.annotate.ContidAnnotator}: adds {@code CONTAINER_ID record=N
 *     contid=<chain>} for the SYSCALL subject, each OBJ_PID target and USER-record senders, from the
 *     task table (never {@code /proc}), with the ppid fallback for tasks the proc connector has not
 *     reported yet; and NETFILTER_PKT records with the containers of the packet's netns.</li>
 * <li>{@link org.canister.core.audit.annotate.NetnsContainers}: v11's per-netns container lists, kept
 *     from task table events and rebuilt when the registry relabels.</li>
 * <li>{@link org.canister.core.audit.annotate.SubjectChains}: the chain an event's text carries (for
 *     events the daemon originated, for {@code canister audit tail}, for logs read back).</li>
 * </ul>
 *
 * <h2>Choices (for the README)</h2>
 * <ul>
 * <li><b>Type naming</b>: CONTAINER_ID keeps v11's number 1336 internally, as a Canister-numbered record
 *     ({@link org.canister.core.audit.AuditRecord.Numbering#CANISTER}), distinct from the kernel's
 *     URINGOP 1336; text always prints {@code type=CONTAINER_ID}, in both namings.</li>
 * <li><b>Placement</b>: after the record it annotates by default, because stock ausearch 3.0.9
 *     closes an event whose first line has an unknown type; v11's "before" is an option.</li>
 * <li><b>Numbering</b>: {@code record=N} counts from 1 per event in record order, over every
 *     CONTAINER_ID added (SYSCALL, then OBJ_PIDs), as {@code ++context->contid_records}.</li>
 * <li><b>NETFILTER_PKT</b> (req. 10): stock records carry no netns, so the host netns by default, or
 *     the netns whose inode the packet's mark is under {@code audit.netfilter-mark-netns}; see
 *     {@link org.canister.core.audit.annotate.ContidAnnotator}.</li>
 * <li><b>Not annotated</b>: standalone SECCOMP and ANOM_* records (their {@code pid=} could be, but v11
 *     does not).</li>
 * </ul>
 */
package org.canister.core.audit.annotate;
