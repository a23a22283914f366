package org.canister.core.contid;

/**
 * The orchestrator as the v7-style tail of a CONTAINER_OP record names it (spec req. 5:
 * {@code pid= uid= auid= ses= comm= exe=}): Canister's records are standalone, so no kernel SYSCALL
 * record carries the subject for them.
 *
 * <p>Unknown values follow the kernel's printing: uid, auid and ses are unsigned 32-bit, so "unset"
 * ({@code (uid_t)-1}, {@code AUDIT_SID_UNSET}) is printed 4294967295, which {@code ausearch -i}
 * renders as {@code unset}; an unknown comm or exe prints {@code ?}.
 *
 * @param pid  thread-group id of the writer
 * @param uid  real uid, -1 when unknown
 * @param auid login uid ({@code /proc/<pid>/loginuid}), -1 when unset or unknown
 * @param ses  session id ({@code /proc/<pid>/sessionid}), -1 when unset or unknown
 * @param comm {@code /proc/<pid>/comm}, null when unknown
 * @param exe  {@code /proc/<pid>/exe}, null when unknown
 */
public record AuditSubject(int pid, int uid, int auid, int ses, String comm, String exe) {
}
