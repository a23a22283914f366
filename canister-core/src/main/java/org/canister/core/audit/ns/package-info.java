/**
 * Namespace lifecycle records (spec/audit-contid.md 6.3, req. 20-23; issue 4 item 5): NS_CREATE,
 * NS_CHANGE and NS_DESTROY for namespaces created, entered and abandoned by tracked tasks, with the
 * contid chains of the tasks involved. Pure: the daemon reads {@code /proc/<tid>/ns/*} and passes the
 * results in; stamps for standalone events come from a function the daemon supplies.
 *
 * <h2>How the daemon plugs it in</h2>
 * <ol>
 *   <li>Load {@link org.canister.core.audit.ns.NamespaceAuditRules#rules()} through
 *       {@code KernelAuditState} (deleted on exit).</li>
 *   <li>After seeding the {@code TaskTable} and attaching the {@code ContidRegistry}:
 *       {@code NamespaceTracker.attach(table, nsfsDev, ContidRegistry::chainOf, ms -> stamp)}.</li>
 *   <li>For each assembled kernel event, for its SYSCALL record: {@code tasksToRead(syscall)}; if not
 *       empty, {@code stat} the ten ns files of each tid ({@code NsView}, unreadable file = inode 0, gone
 *       task = absent); {@code onSyscall(syscall, views)} returns records to append to that event.</li>
 *   <li>After each batch of task events: {@code takePendingEvents(wallClockMs)} gives standalone
 *       NS_DESTROY {@code cause=exit} events.</li>
 * </ol>
 *
 * <h2>Choices (for the README)</h2>
 * <ul>
 *   <li><b>Numbers</b>: NS_CREATE 2900, NS_CHANGE 2901, NS_DESTROY 2902; NS_INFO 2903 stays with the contid
 *       records that emit it ({@code ContidRecords.nsInfo}) and is re-exported by {@link NsRecords}.
 *       auditd 3.0.9 knows none of them; {@link NsRecords#name(int)} gives the names a Canister writer prints.</li>
 *   <li><b>Formats</b> exactly as req. 21; {@code dev=} is the nsfs {@code st_dev} printed
 *       {@code %02x:%02x} like PATH records; anything unknown is {@code ?}.</li>
 *   <li><b>pid/tid</b> of NS_CREATE/NS_CHANGE name the task whose namespaces changed (the clone child; the
 *       unshare/setns caller thread); the kernel SYSCALL record of the same event names the caller.</li>
 *   <li><b>Membership</b> counts all ten ns files of each thread, {@code pid_for_children} and
 *       {@code time_for_children} included (the nsproxy holds them); "destroyed" means no tracked task refers
 *       to the namespace any more (req. 23), so pinned namespaces are declared destroyed and re-registered
 *       under a new generation on a later setns.</li>
 *   <li><b>Standalone destroys</b>: one daemon-stamped event per exit, one NS_DESTROY record per namespace it
 *       ended. Stock {@code ausearch} treats 29xx records as single-record events (as it does NS_INFO), so it
 *       shows records joined to a kernel event as separate events with the same stamp.</li>
 *   <li><b>Detection</b> is by syscall number on x86_64, whatever rule key the kernel logged the event
 *       under; flags ({@code a0} of clone/unshare, {@code a1} of setns) narrow which slots are compared.</li>
 * </ul>
 * Limits are listed on {@link NamespaceTracker}.
 */
package org.canister.core.audit.ns;
