package org.canister.core.audit;

/**
 * The kernel rule lists (AUDIT_FILTER_*, include/uapi/linux/audit.h). The names are auditctl's
 * ({@code -a always,exit}); ENTRY, WATCH and URING_EXIT are not accepted by auditctl 3.0.9 but may
 * appear in a kernel listing.
 */
public enum AuditFilter {
    USER(0x00, "user"),
    TASK(0x01, "task"),
    ENTRY(0x02, "entry"),
    WATCH(0x03, "watch"),
    EXIT(0x04, "exit"),
    EXCLUDE(0x05, "exclude"),
    FILESYSTEM(0x06, "filesystem"),
    URING_EXIT(0x07, "uring");

    /** AUDIT_FILTER_PREPEND: add at the front of the list ({@code -A}). */
    public static final int PREPEND = 0x10;
    /** The bits of {@code audit_rule_data.flags} that name the list. */
    public static final int MASK = 0x07;

    private final int number;
    private final String auditctlName;

    AuditFilter(int number, String auditctlName) {
        this.number = number;
        this.auditctlName = auditctlName;
    }

    public int number() {
        return number;
    }

    public String auditctlName() {
        return auditctlName;
    }

    /** Whether auditctl 3.0.9 accepts this list name in {@code -a list,action}. */
    public boolean acceptedByAuditctl() {
        return this == USER || this == TASK || this == EXIT || this == EXCLUDE || this == FILESYSTEM;
    }

    /** The list for {@code flags & MASK}. */
    public static AuditFilter of(int number) {
        return values()[number & MASK];
    }

    /** The list for an auditctl name, or {@code null}. */
    public static AuditFilter ofName(String name) {
        for (AuditFilter f : values()) {
            if (f.acceptedByAuditctl() && f.auditctlName.equals(name)) {
                return f;
            }
        }
        return null;
    }
}
