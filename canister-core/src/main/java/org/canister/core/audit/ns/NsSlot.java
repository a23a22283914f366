package org.canister.core.audit.ns;

/**
 * One namespace reference of a task: the ten files of {@code /proc/<pid>/task/<tid>/ns/}. Eight name
 * the namespaces the task is in; {@code pid_for_children} and {@code time_for_children} name those its
 * future children will be in ({@code nsproxy->pid_ns_for_children}, {@code time_ns_for_children}),
 * which is where {@code unshare(CLONE_NEWPID)}, {@code unshare(CLONE_NEWTIME)} and {@code setns} into
 * a pid or time namespace take effect (namespaces(7); pid_namespaces(7)). The nsproxy holds a reference
 * on both, so a task keeps such a namespace alive, and the tracker counts it as a member.
 */
public enum NsSlot {
    CGROUP(NsType.CGROUP, "cgroup"),
    IPC(NsType.IPC, "ipc"),
    MNT(NsType.MNT, "mnt"),
    NET(NsType.NET, "net"),
    PID(NsType.PID, "pid"),
    PID_FOR_CHILDREN(NsType.PID, "pid_for_children"),
    TIME(NsType.TIME, "time"),
    TIME_FOR_CHILDREN(NsType.TIME, "time_for_children"),
    USER(NsType.USER, "user"),
    UTS(NsType.UTS, "uts");

    private static final NsSlot[] ALL = values();

    private final NsType type;
    private final String file;

    NsSlot(NsType type, String file) {
        this.type = type;
        this.file = file;
    }

    /** The namespace type this file names. */
    public NsType type() {
        return type;
    }

    /** The file name under {@code /proc/<pid>/task/<tid>/ns/}. */
    public String file() {
        return file;
    }

    /** True for {@code pid_for_children} and {@code time_for_children}. */
    public boolean forChildren() {
        return this == PID_FOR_CHILDREN || this == TIME_FOR_CHILDREN;
    }

    /** Every slot, in declaration order (a shared array: do not modify). */
    static NsSlot[] all() {
        return ALL;
    }
}
