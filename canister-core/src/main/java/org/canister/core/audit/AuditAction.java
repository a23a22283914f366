package org.canister.core.audit;

/** Rule actions (include/uapi/linux/audit.h); AUDIT_POSSIBLE (1) is deprecated and refused by auditctl. */
public enum AuditAction {
    NEVER(0, "never"),
    POSSIBLE(1, "possible"),
    ALWAYS(2, "always");

    private final int number;
    private final String auditctlName;

    AuditAction(int number, String auditctlName) {
        this.number = number;
        this.auditctlName = auditctlName;
    }

    public int number() {
        return number;
    }

    public String auditctlName() {
        return auditctlName;
    }

    /** The action for its number, or {@code null}. */
    public static AuditAction of(int number) {
        for (AuditAction a : values()) {
            if (a.number == number) {
                return a;
            }
        }
        return null;
    }
}
