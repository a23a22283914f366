package org.canister.linux.proc;

/**
 * Constants of the kernel's process events connector, with their C names
 * ({@code include/uapi/linux/connector.h}, {@code include/uapi/linux/cn_proc.h});
 * {@code StructLayoutTest} checks each against the installed headers.
 */
public final class CnProc {
    private CnProc() {
    }

    /** cb_id of the proc connector; also its multicast group (bind with nl_groups = 1 << (CN_IDX_PROC - 1) = 1). */
    public static final int CN_IDX_PROC = 0x1;
    public static final int CN_VAL_PROC = 0x1;

    /** enum proc_cn_mcast_op: what a listener sends to start and stop receiving events. */
    public static final int PROC_CN_MCAST_LISTEN = 1;
    public static final int PROC_CN_MCAST_IGNORE = 2;

    /** enum what of struct proc_event. NONE is the acknowledgement of a LISTEN/IGNORE request. */
    public static final int PROC_EVENT_NONE = 0x0;
    public static final int PROC_EVENT_FORK = 0x1;
    public static final int PROC_EVENT_EXEC = 0x2;
    public static final int PROC_EVENT_UID = 0x4;
    public static final int PROC_EVENT_GID = 0x40;
    public static final int PROC_EVENT_SID = 0x80;
    public static final int PROC_EVENT_PTRACE = 0x100;
    public static final int PROC_EVENT_COMM = 0x200;
    public static final int PROC_EVENT_COREDUMP = 0x40000000;
    public static final int PROC_EVENT_EXIT = 0x80000000;
}
