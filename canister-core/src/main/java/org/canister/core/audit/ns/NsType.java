package org.canister.core.audit.ns;

/**
 * The eight namespace types of {@code /proc/<pid>/ns/} (namespaces(7)), with the {@code CLONE_NEW*}
 * flag that creates each (include/uapi/linux/sched.h). Declared in the spec's order (audit-contid.md
 * 6.3 req. 21: {@code nstype} is one of cgroup, ipc, mnt, net, pid, time, user, uts).
 */
public enum NsType {
    CGROUP("cgroup", 0x0200_0000L),
    IPC("ipc", 0x0800_0000L),
    MNT("mnt", 0x0002_0000L),
    NET("net", 0x4000_0000L),
    PID("pid", 0x2000_0000L),
    /**
     * CLONE_NEWTIME is 0x80, which in {@code clone(2)}'s first argument is part of the exit-signal byte:
     * only {@code unshare(2)}, {@code setns(2)} and {@code clone3(2)} can carry it.
     */
    TIME("time", 0x80L),
    USER("user", 0x1000_0000L),
    UTS("uts", 0x0400_0000L);

    private final String text;
    private final long cloneFlag;

    NsType(String text, long cloneFlag) {
        this.text = text;
        this.cloneFlag = cloneFlag;
    }

    /** The name as {@code /proc/<pid>/ns/} and the {@code nstype=} field write it. */
    public String text() {
        return text;
    }

    /** The {@code CLONE_NEW*} bit of this type. */
    public long cloneFlag() {
        return cloneFlag;
    }

    /** The type named {@code text} ({@code net}, ...), or null. */
    public static NsType of(String text) {
        for (NsType t : values()) {
            if (t.text.equals(text)) {
                return t;
            }
        }
        return null;
    }
}
