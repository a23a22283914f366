package org.canister.core.audit;

/**
 * Settable fields of {@code struct audit_status} with their AUDIT_STATUS_* mask bits
 * (include/uapi/linux/audit.h), as set by auditctl {@code -e -f -r -b --backlog_wait_time}.
 */
public enum AuditStatusField {
    ENABLED(0x0001, "-e"),
    FAILURE(0x0002, "-f"),
    PID(0x0004, null),
    RATE_LIMIT(0x0008, "-r"),
    BACKLOG_LIMIT(0x0010, "-b"),
    BACKLOG_WAIT_TIME(0x0020, "--backlog_wait_time"),
    LOST(0x0040, "--reset-lost");

    private final int mask;
    private final String option;

    AuditStatusField(int mask, String option) {
        this.mask = mask;
        this.option = option;
    }

    /** The AUDIT_STATUS_* bit. */
    public int mask() {
        return mask;
    }

    /** The auditctl option that sets it, or {@code null}. */
    public String option() {
        return option;
    }
}
