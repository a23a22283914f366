package org.canister.core.task;

/**
 * Identity of a task from {@code /proc/<pid>/status}: real and effective uid/gid, effective
 * ({@code CapEff}) and bounding ({@code CapBnd}) capability sets as 64-bit masks, and the inode of
 * its user namespace is kept in {@link Namespaces}. Interned by {@link TaskTable}.
 */
public record Credentials(int uid, int euid, int gid, int egid, long capEff, long capBnd) {
    public static final Credentials UNKNOWN = new Credentials(-1, -1, -1, -1, 0, 0);

    /** CAP_AUDIT_CONTROL is capability 30 (include/uapi/linux/capability.h). */
    public static final int CAP_AUDIT_CONTROL = 30;

    public boolean hasEffective(int capability) {
        return (capEff & (1L << capability)) != 0;
    }
}
