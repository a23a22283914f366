package org.canister.linux;

import static java.lang.foreign.MemoryLayout.paddingLayout;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.MemoryLayout.unionLayout;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.StructLayout;
import java.util.List;

/**
 * The C structs Canister reads and writes, laid out for x86_64 (LP64, little endian). Each layout is
 * named after its C type ({@code "struct sockaddr_nl"}) and each member after its C field, because
 * {@code StructLayoutTest} compiles a C file with gcc from exactly these names and compares every
 * {@code offsetof}/{@code sizeof} with the headers of the running system. Padding that C inserts
 * implicitly is explicit here; a layout that disagrees with the kernel's fails that test.
 *
 * <p>Decoders read fields with {@link #offset(GroupLayout, String)} resolved once into
 * {@code static final int}s, so the JIT sees constants.
 */
public final class Structs {
    private Structs() {
    }

    // ---- netlink: include/uapi/linux/netlink.h ----

    /** Must match struct sockaddr_nl: the address of a netlink socket (nl_pid 0 is the kernel). */
    public static final StructLayout SOCKADDR_NL = structLayout(
            JAVA_SHORT.withName("nl_family"),
            JAVA_SHORT.withName("nl_pad"),
            JAVA_INT.withName("nl_pid"),
            JAVA_INT.withName("nl_groups")).withName("struct sockaddr_nl");

    /** Must match struct nlmsghdr: every netlink message starts with it, aligned to NLMSG_ALIGNTO (4). */
    public static final StructLayout NLMSGHDR = structLayout(
            JAVA_INT.withName("nlmsg_len"),
            JAVA_SHORT.withName("nlmsg_type"),
            JAVA_SHORT.withName("nlmsg_flags"),
            JAVA_INT.withName("nlmsg_seq"),
            JAVA_INT.withName("nlmsg_pid")).withName("struct nlmsghdr");

    // ---- connector: include/uapi/linux/connector.h ----

    /** Must match struct cb_id: which connector user a message belongs to (CN_IDX_PROC/CN_VAL_PROC). */
    public static final StructLayout CB_ID = structLayout(
            JAVA_INT.withName("idx"),
            JAVA_INT.withName("val")).withName("struct cb_id");

    /** Must match struct cn_msg (without its flexible {@code data[]}); {@code len} is the payload length. */
    public static final StructLayout CN_MSG = structLayout(
            CB_ID.withName("id"),
            JAVA_INT.withName("seq"),
            JAVA_INT.withName("ack"),
            JAVA_SHORT.withName("len"),
            JAVA_SHORT.withName("flags")).withName("struct cn_msg");

    // ---- proc connector: include/uapi/linux/cn_proc.h ----

    /** Must match struct fork_proc_event (pid = thread id, tgid = process id, as the header explains). */
    public static final StructLayout FORK_PROC_EVENT = structLayout(
            JAVA_INT.withName("parent_pid"),
            JAVA_INT.withName("parent_tgid"),
            JAVA_INT.withName("child_pid"),
            JAVA_INT.withName("child_tgid")).withName("struct fork_proc_event");

    /** Must match struct exec_proc_event. */
    public static final StructLayout EXEC_PROC_EVENT = structLayout(
            JAVA_INT.withName("process_pid"),
            JAVA_INT.withName("process_tgid")).withName("struct exec_proc_event");

    /** Must match struct id_proc_event: {@code r}/{@code e} hold uids for PROC_EVENT_UID, gids for PROC_EVENT_GID. */
    public static final StructLayout ID_PROC_EVENT = structLayout(
            JAVA_INT.withName("process_pid"),
            JAVA_INT.withName("process_tgid"),
            unionLayout(JAVA_INT.withName("ruid"), JAVA_INT.withName("rgid")).withName("r"),
            unionLayout(JAVA_INT.withName("euid"), JAVA_INT.withName("egid")).withName("e"))
            .withName("struct id_proc_event");

    /** Must match struct comm_proc_event: {@code comm} is TASK_COMM_LEN (16) bytes, NUL-terminated. */
    public static final StructLayout COMM_PROC_EVENT = structLayout(
            JAVA_INT.withName("process_pid"),
            JAVA_INT.withName("process_tgid"),
            sequenceLayout(16, JAVA_BYTE).withName("comm")).withName("struct comm_proc_event");

    /** Must match struct exit_proc_event ({@code parent_*} exist since Linux 4.18). */
    public static final StructLayout EXIT_PROC_EVENT = structLayout(
            JAVA_INT.withName("process_pid"),
            JAVA_INT.withName("process_tgid"),
            JAVA_INT.withName("exit_code"),
            JAVA_INT.withName("exit_signal"),
            JAVA_INT.withName("parent_pid"),
            JAVA_INT.withName("parent_tgid")).withName("struct exit_proc_event");

    /**
     * Must match struct proc_event: {@code timestamp_ns} is {@code __aligned(8)} (ktime_get_ns(), i.e.
     * CLOCK_MONOTONIC), and the union {@code event_data} is last. Only the members Canister decodes are
     * named; the union is as large as its largest member (exit, 24 bytes), so sizeof is 40.
     */
    public static final StructLayout PROC_EVENT = structLayout(
            JAVA_INT.withName("what"),
            JAVA_INT.withName("cpu"),
            JAVA_LONG.withName("timestamp_ns"),
            unionLayout(
                    structLayout(JAVA_INT.withName("err")).withName("ack"),
                    FORK_PROC_EVENT.withName("fork"),
                    EXEC_PROC_EVENT.withName("exec"),
                    ID_PROC_EVENT.withName("id"),
                    COMM_PROC_EVENT.withName("comm"),
                    EXIT_PROC_EVENT.withName("exit")).withName("event_data")).withName("struct proc_event");

    // ---- fanotify: include/uapi/linux/fanotify.h ----

    /** Must match struct fanotify_event_metadata, FANOTIFY_METADATA_VERSION 3 ({@code mask} is an aligned u64). */
    public static final StructLayout FANOTIFY_EVENT_METADATA = structLayout(
            JAVA_INT.withName("event_len"),
            JAVA_BYTE.withName("vers"),
            JAVA_BYTE.withName("reserved"),
            JAVA_SHORT.withName("metadata_len"),
            JAVA_LONG.withName("mask"),
            JAVA_INT.withName("fd"),
            JAVA_INT.withName("pid")).withName("struct fanotify_event_metadata");

    /** Must match struct fanotify_response: written to the fanotify fd to answer a permission event. */
    public static final StructLayout FANOTIFY_RESPONSE = structLayout(
            JAVA_INT.withName("fd"),
            JAVA_INT.withName("response")).withName("struct fanotify_response");

    // ---- audit: include/uapi/linux/audit.h ----

    /**
     * Must match struct audit_status: 11 x u32. The C anonymous union {@code version}/{@code feature_bitmap}
     * is one u32, laid out here under the name {@code feature_bitmap}.
     */
    public static final StructLayout AUDIT_STATUS = structLayout(
            JAVA_INT.withName("mask"),
            JAVA_INT.withName("enabled"),
            JAVA_INT.withName("failure"),
            JAVA_INT.withName("pid"),
            JAVA_INT.withName("rate_limit"),
            JAVA_INT.withName("backlog_limit"),
            JAVA_INT.withName("lost"),
            JAVA_INT.withName("backlog"),
            JAVA_INT.withName("feature_bitmap"),
            JAVA_INT.withName("backlog_wait_time"),
            JAVA_INT.withName("backlog_wait_time_actual")).withName("struct audit_status");

    // ---- sockets and poll: sys/socket.h, bits/uio.h, poll.h ----

    /** Must match struct iovec. */
    public static final StructLayout IOVEC = structLayout(
            ADDRESS.withName("iov_base"),
            JAVA_LONG.withName("iov_len")).withName("struct iovec");

    /** Must match struct msghdr (glibc x86_64: socklen_t namelen, size_t iovlen and controllen). */
    public static final StructLayout MSGHDR = structLayout(
            ADDRESS.withName("msg_name"),
            JAVA_INT.withName("msg_namelen"),
            paddingLayout(4),
            ADDRESS.withName("msg_iov"),
            JAVA_LONG.withName("msg_iovlen"),
            ADDRESS.withName("msg_control"),
            JAVA_LONG.withName("msg_controllen"),
            JAVA_INT.withName("msg_flags"),
            paddingLayout(4)).withName("struct msghdr");

    /** Must match struct mmsghdr (sys/socket.h with _GNU_SOURCE): a msghdr and the datagram's length. */
    public static final StructLayout MMSGHDR = structLayout(
            MSGHDR.withName("msg_hdr"),
            JAVA_INT.withName("msg_len"),
            paddingLayout(4)).withName("struct mmsghdr");

    /** Must match struct cmsghdr; its data follows at CMSG_ALIGN(sizeof(struct cmsghdr)) = 16. */
    public static final StructLayout CMSGHDR = structLayout(
            JAVA_LONG.withName("cmsg_len"),
            JAVA_INT.withName("cmsg_level"),
            JAVA_INT.withName("cmsg_type")).withName("struct cmsghdr");

    /** Must match struct pollfd. */
    public static final StructLayout POLLFD = structLayout(
            JAVA_INT.withName("fd"),
            JAVA_SHORT.withName("events"),
            JAVA_SHORT.withName("revents")).withName("struct pollfd");

    // ---- libfuse3: fuse3/fuse.h, FUSE_USE_VERSION 31 ----

    /** Must match struct fuse_context: fuse@0 uid@8 gid@12 pid@16 private_data@24 umask@32, size 40. */
    public static final StructLayout FUSE_CONTEXT = structLayout(
            ADDRESS.withName("fuse"),
            JAVA_INT.withName("uid"),
            JAVA_INT.withName("gid"),
            JAVA_INT.withName("pid"),
            paddingLayout(4),
            ADDRESS.withName("private_data"),
            JAVA_INT.withName("umask"),
            paddingLayout(4)).withName("struct fuse_context");

    /** The layouts whose C definition comes from the kernel and libc headers (linux-libc-dev). */
    public static List<StructLayout> kernelStructs() {
        return List.of(SOCKADDR_NL, NLMSGHDR, CB_ID, CN_MSG, FORK_PROC_EVENT, EXEC_PROC_EVENT, ID_PROC_EVENT,
                COMM_PROC_EVENT, EXIT_PROC_EVENT, PROC_EVENT, FANOTIFY_EVENT_METADATA, FANOTIFY_RESPONSE,
                AUDIT_STATUS, IOVEC, MSGHDR, MMSGHDR, CMSGHDR, POLLFD);
    }

    /** The layouts whose C definition comes from libfuse3-dev. */
    public static List<StructLayout> fuseStructs() {
        return List.of(FUSE_CONTEXT);
    }

    /**
     * Byte offset of a member given as a dotted C path ({@code "event_data.fork.child_tgid"}).
     *
     * @throws IllegalArgumentException when the layout has no such member
     */
    public static int offset(GroupLayout layout, String dottedPath) {
        String[] names = dottedPath.split("\\.");
        PathElement[] path = new PathElement[names.length];
        for (int i = 0; i < names.length; i++) {
            path[i] = PathElement.groupElement(names[i]);
        }
        return Math.toIntExact(layout.byteOffset(path));
    }

    /** Size in bytes of a layout, as an int (every struct here is small). */
    public static int size(MemoryLayout layout) {
        return Math.toIntExact(layout.byteSize());
    }
}
