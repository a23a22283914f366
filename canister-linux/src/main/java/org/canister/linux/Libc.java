package org.canister.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The gateway to glibc: every system call Canister makes goes through a {@link MethodHandle} here
 * (Netty's {@code Native.java} shape). Each handle captures {@code errno} in the same downcall
 * ({@link Linker.Option#captureCallState}), so no other code on the thread can overwrite it in
 * between; each public wrapper is typed and turns {@code -1/errno} into
 * {@link ErrnoException}{@code (call, errno)}.
 *
 * <p>Conventions shared by the wrappers:
 * <ul>
 *   <li>{@code EINTR} is retried (a Java thread can be hit by a signal meant for the process).</li>
 *   <li>Reads, receives and sends that may be non-blocking return {@code -1} for
 *       {@code EAGAIN}/{@code EWOULDBLOCK} instead of throwing, so a drain loop ends without an
 *       exception; every other failure throws.</li>
 *   <li>No {@link MemorySegment} appears in this API: callers pass {@code int} fds, {@code byte[]},
 *       {@link NativeBuffer} or {@link String} paths. Short-lived native arguments (addresses,
 *       lengths, paths, the errno capture) live in a per-thread scratch area, so the hot paths do not
 *       allocate.</li>
 * </ul>
 *
 * <p>Constants carry their C names; {@code StructLayoutTest} checks each one against the headers.
 */
public final class Libc {
    private Libc() {
    }

    // ---- constants (names as in the C headers; values for x86_64) ----

    /** sys/socket.h address families. */
    public static final int AF_UNIX = 1;
    public static final int AF_NETLINK = 16;
    /** sys/socket.h socket types and type flags. */
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_SEQPACKET = 5;
    public static final int SOCK_NONBLOCK = 0x800;
    public static final int SOCK_CLOEXEC = 0x80000;
    /** asm-generic/socket.h options. */
    public static final int SOL_SOCKET = 1;
    public static final int SO_SNDBUF = 7;
    public static final int SO_RCVBUF = 8;
    public static final int SO_PASSCRED = 16;
    public static final int SO_PEERCRED = 17;
    public static final int SO_RCVBUFFORCE = 33;
    public static final int SCM_RIGHTS = 1;
    /** sys/socket.h message flags. */
    public static final int MSG_PEEK = 0x2;
    public static final int MSG_CTRUNC = 0x8;
    public static final int MSG_TRUNC = 0x20;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int MSG_CMSG_CLOEXEC = 0x40000000;
    /** linux/netlink.h protocols, socket options and message types. */
    public static final int NETLINK_AUDIT = 9;
    public static final int NETLINK_CONNECTOR = 11;
    public static final int SOL_NETLINK = 270;
    public static final int NETLINK_ADD_MEMBERSHIP = 1;
    public static final int NETLINK_NO_ENOBUFS = 5;
    public static final int NLMSG_NOOP = 1;
    public static final int NLMSG_ERROR = 2;
    public static final int NLMSG_DONE = 3;
    public static final int NLMSG_OVERRUN = 4;
    public static final int NLM_F_REQUEST = 0x1;
    public static final int NLM_F_ACK = 0x4;
    /** NLMSG_ALIGNTO: netlink messages in one datagram start at multiples of 4. */
    public static final int NLMSG_ALIGNTO = 4;
    /** poll.h events. */
    public static final int POLLIN = 0x1;
    public static final int POLLPRI = 0x2;
    public static final int POLLOUT = 0x4;
    public static final int POLLERR = 0x8;
    public static final int POLLHUP = 0x10;
    public static final int POLLNVAL = 0x20;
    /** fcntl.h open flags. */
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_DIRECTORY = 0x10000;
    public static final int O_NOFOLLOW = 0x20000;
    public static final int O_CLOEXEC = 0x80000;
    public static final int AT_FDCWD = -100;
    /** Syscall number of pidfd_open(2) on x86_64 (asm/unistd_64.h); glibc 2.36 has no wrapper. */
    public static final int SYS_pidfd_open = 434;
    /** x86_64 bpf(2). */
    public static final int SYS_bpf = 321;
    /** linux/fanotify.h: fanotify_init flags. */
    public static final int FAN_CLOEXEC = 0x1;
    public static final int FAN_NONBLOCK = 0x2;
    public static final int FAN_CLASS_NOTIF = 0x0;
    public static final int FAN_CLASS_CONTENT = 0x4;
    public static final int FAN_CLASS_PRE_CONTENT = 0x8;
    public static final int FAN_UNLIMITED_QUEUE = 0x10;
    public static final int FAN_UNLIMITED_MARKS = 0x20;
    public static final int FAN_ENABLE_AUDIT = 0x40;
    public static final int FAN_REPORT_PIDFD = 0x80;
    public static final int FAN_REPORT_TID = 0x100;
    /** linux/fanotify.h: fanotify_mark flags. */
    public static final int FAN_MARK_ADD = 0x1;
    public static final int FAN_MARK_REMOVE = 0x2;
    public static final int FAN_MARK_DONT_FOLLOW = 0x4;
    public static final int FAN_MARK_ONLYDIR = 0x8;
    public static final int FAN_MARK_INODE = 0x0;
    public static final int FAN_MARK_MOUNT = 0x10;
    public static final int FAN_MARK_FLUSH = 0x80;
    public static final int FAN_MARK_FILESYSTEM = 0x100;
    /** linux/fanotify.h: event mask bits (u64 in fanotify_mark and fanotify_event_metadata). */
    public static final long FAN_ACCESS = 0x1L;
    public static final long FAN_MODIFY = 0x2L;
    public static final long FAN_CLOSE_WRITE = 0x8L;
    public static final long FAN_CLOSE_NOWRITE = 0x10L;
    public static final long FAN_OPEN = 0x20L;
    public static final long FAN_OPEN_EXEC = 0x1000L;
    public static final long FAN_Q_OVERFLOW = 0x4000L;
    public static final long FAN_OPEN_PERM = 0x10000L;
    public static final long FAN_ACCESS_PERM = 0x20000L;
    public static final long FAN_OPEN_EXEC_PERM = 0x40000L;
    public static final long FAN_EVENT_ON_CHILD = 0x8000000L;
    public static final long FAN_ONDIR = 0x40000000L;
    /** linux/fanotify.h: responses, metadata version, the fd of an event without one. */
    public static final int FAN_ALLOW = 0x1;
    public static final int FAN_DENY = 0x2;
    public static final int FAN_AUDIT = 0x10;
    public static final int FANOTIFY_METADATA_VERSION = 3;
    public static final int FAN_NOFD = -1;

    /** errno values the wrappers branch on (asm-generic/errno*.h). */
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;
    private static final int ENAMETOOLONG = 36;

    /** PATH_MAX (linux/limits.h), including the terminating NUL. */
    private static final int PATH_MAX = 4096;
    /** Bytes copied through the per-thread scratch for byte[] reads and writes before an arena is used. */
    private static final int SCRATCH_IO = 4096;

    // ---- downcall handles ----

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(PathElement.groupElement("errno"));

    private static final MethodHandle SOCKET = errnoHandle("socket",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SOCKETPAIR = errnoHandle("socketpair",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle BIND = errnoHandle("bind",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKNAME = errnoHandle("getsockname",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SENDTO = errnoHandle("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECVFROM = errnoHandle("recvfrom",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle RECVMMSG = errnoHandle("recvmmsg",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle SENDMSG = errnoHandle("sendmsg",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECVMSG = errnoHandle("recvmsg",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = errnoHandle("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SETSOCKOPT = errnoHandle("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle READ = errnoHandle("read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = errnoHandle("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle CLOSE = errnoHandle("close",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    /** int openat(int dirfd, const char *path, int flags, ...): mode is the first variadic argument. */
    private static final MethodHandle OPENAT = errnoHandle("openat",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(3));
    private static final MethodHandle READLINK = errnoHandle("readlink",
            FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
    /** long syscall(long number, ...): every variadic argument is passed as a long, as glibc reads them. */
    private static final MethodHandle SYSCALL2 = errnoHandle("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(1));
    /** syscall(SYS_bpf, cmd, attr, size): three variadic longs. */
    private static final MethodHandle SYSCALL3 = errnoHandle("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(1));
    private static final MethodHandle FANOTIFY_INIT = errnoHandle("fanotify_init",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle FANOTIFY_MARK = errnoHandle("fanotify_mark",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS));
    private static final MethodHandle POLL = errnoHandle("poll",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SETPRIORITY = errnoHandle("setpriority",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    // These three cannot fail (POSIX), so they capture nothing.
    private static final MethodHandle GETPID = plainHandle("getpid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETTID = plainHandle("gettid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETEUID = plainHandle("geteuid", FunctionDescriptor.of(JAVA_INT));

    private static MethodHandle errnoHandle(String name, FunctionDescriptor descriptor, Linker.Option... more) {
        Linker.Option[] options = new Linker.Option[more.length + 1];
        options[0] = Linker.Option.captureCallState("errno");
        System.arraycopy(more, 0, options, 1, more.length);
        return LINKER.downcallHandle(symbol(name), descriptor, options);
    }

    private static MethodHandle plainHandle(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(name), descriptor);
    }

    private static MemorySegment symbol(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("glibc has no symbol " + name
                + "; Canister needs glibc 2.30 or later on x86_64"));
    }

    // ---- per-thread scratch ----

    /**
     * Native memory for the arguments of one call at a time on one thread. Every wrapper uses it for a
     * single downcall and never calls another wrapper while holding it, so no nesting can clobber it.
     */
    private static final class Scratch {
        private final Arena arena = Arena.ofAuto();
        final MemorySegment state = arena.allocate(CAPTURE_LAYOUT);
        /** Room for any sockaddr (sizeof(struct sockaddr_storage) = 128). */
        final MemorySegment sockaddr = arena.allocate(128, 8);
        final MemorySegment socklen = arena.allocate(JAVA_INT);
        final MemorySegment optval = arena.allocate(256, 8);
        final MemorySegment pollfd = arena.allocate(Structs.POLLFD);
        final MemorySegment path = arena.allocate(PATH_MAX, 8);
        final MemorySegment link = arena.allocate(PATH_MAX, 8);
        final MemorySegment io = arena.allocate(SCRATCH_IO, 8);
        final MemorySegment msghdr = arena.allocate(Structs.MSGHDR);
        final MemorySegment iovec = arena.allocate(Structs.IOVEC);
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static Scratch scratch() {
        return SCRATCH.get();
    }

    private static int errno(Scratch s) {
        return (int) ERRNO.get(s.state, 0L);
    }

    /** invokeExact declares Throwable; native calls throw nothing checked, so anything else is a bug. */
    private static RuntimeException unexpected(Throwable t) {
        if (t instanceof RuntimeException re) {
            return re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("native call failed unexpectedly", t);
    }

    /** Writes {@code path} as a NUL-terminated UTF-8 string into {@code dst}. */
    private static MemorySegment cString(MemorySegment dst, String path, String call) {
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        if (bytes.length >= dst.byteSize()) {
            throw new ErrnoException(call, ENAMETOOLONG);
        }
        MemorySegment.copy(bytes, 0, dst, JAVA_BYTE, 0, bytes.length);
        dst.set(JAVA_BYTE, bytes.length, (byte) 0);
        return dst;
    }

    /** Writes {@code path[0, len)} NUL-terminated into {@code dst}; ENAMETOOLONG as an exception (a bug). */
    private static MemorySegment cString(MemorySegment dst, byte[] path, int len) {
        if (len >= dst.byteSize()) {
            throw new ErrnoException("open", ENAMETOOLONG);
        }
        MemorySegment.copy(path, 0, dst, JAVA_BYTE, 0, len);
        dst.set(JAVA_BYTE, len, (byte) 0);
        return dst;
    }

    // ---- process identity ----

    /** getpid(2): the caller's thread-group id. */
    public static int getpid() {
        try {
            return (int) GETPID.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** gettid(2): the calling thread's id (what the proc connector and FUSE call "pid"). */
    public static int gettid() {
        try {
            return (int) GETTID.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** geteuid(2): 0 when running as root. */
    public static int geteuid() {
        try {
            return (int) GETEUID.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    // ---- sockets ----

    /** socket(2). Pass {@link #SOCK_CLOEXEC} in {@code type} unless the fd must survive exec. */
    public static int socket(int domain, int type, int protocol) {
        Scratch s = scratch();
        int r;
        try {
            r = (int) SOCKET.invokeExact(s.state, domain, type, protocol);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (r < 0) {
            throw new ErrnoException("socket", errno(s));
        }
        return r;
    }

    /** socketpair(2): two connected sockets, {@code [0]} and {@code [1]}. */
    public static int[] socketpair(int domain, int type, int protocol) {
        Scratch s = scratch();
        MemorySegment sv = s.optval;
        int r;
        try {
            r = (int) SOCKETPAIR.invokeExact(s.state, domain, type, protocol, sv);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (r < 0) {
            throw new ErrnoException("socketpair", errno(s));
        }
        return new int[] {sv.get(JAVA_INT, 0), sv.get(JAVA_INT, 4)};
    }

    /**
     * bind(2) a netlink socket to {@code struct sockaddr_nl{AF_NETLINK, 0, nlPid, nlGroups}}.
     *
     * @param nlPid    the port id to claim, or 0 to let the kernel assign one
     * @param nlGroups bitmask of multicast groups to join (group n is bit n-1; CN_IDX_PROC is 1)
     */
    public static void bindNetlink(int fd, int nlPid, int nlGroups) {
        Scratch s = scratch();
        MemorySegment addr = netlinkAddress(s.sockaddr, nlPid, nlGroups);
        int r;
        try {
            r = (int) BIND.invokeExact(s.state, fd, addr, Structs.size(Structs.SOCKADDR_NL));
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (r < 0) {
            throw new ErrnoException("bind", errno(s));
        }
    }

    /** getsockname(2) of a netlink socket: the port id ({@code nl_pid}) the kernel assigned. */
    public static int getsocknameNetlink(int fd) {
        Scratch s = scratch();
        s.sockaddr.fill((byte) 0);
        s.socklen.set(JAVA_INT, 0, (int) s.sockaddr.byteSize());
        int r;
        try {
            r = (int) GETSOCKNAME.invokeExact(s.state, fd, s.sockaddr, s.socklen);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (r < 0) {
            throw new ErrnoException("getsockname", errno(s));
        }
        if (s.sockaddr.get(JAVA_SHORT, NL_FAMILY) != AF_NETLINK) {
            throw new IllegalArgumentException("fd " + fd + " is not a netlink socket");
        }
        return s.sockaddr.get(JAVA_INT, NL_PID);
    }

    private static final long NL_FAMILY = Structs.offset(Structs.SOCKADDR_NL, "nl_family");
    private static final long NL_PID = Structs.offset(Structs.SOCKADDR_NL, "nl_pid");
    private static final long NL_GROUPS = Structs.offset(Structs.SOCKADDR_NL, "nl_groups");

    private static MemorySegment netlinkAddress(MemorySegment dst, int nlPid, int nlGroups) {
        MemorySegment addr = dst.asSlice(0, Structs.SOCKADDR_NL);
        addr.fill((byte) 0);
        addr.set(JAVA_SHORT, NL_FAMILY, (short) AF_NETLINK);
        addr.set(JAVA_INT, NL_PID, nlPid);
        addr.set(JAVA_INT, NL_GROUPS, nlGroups);
        return addr;
    }

    /**
     * sendto(2) the bytes between {@code buf}'s position and limit to a netlink address
     * (destPid 0, destGroups 0 is the kernel). Returns the bytes sent, or -1 for EAGAIN.
     */
    public static int sendtoNetlink(int fd, NativeBuffer buf, int flags, int destPid, int destGroups) {
        ByteBuffer b = buf.buffer();
        return sendto(fd, buf.segment().asSlice(b.position(), b.remaining()), flags, destPid, destGroups);
    }

    /** sendto(2) {@code msg[off, off+len)} to a netlink address; copies through native memory. */
    public static int sendtoNetlink(int fd, byte[] msg, int off, int len, int flags, int destPid, int destGroups) {
        Objects.checkFromIndexSize(off, len, msg.length);
        if (len <= SCRATCH_IO) {
            MemorySegment io = scratch().io;
            MemorySegment.copy(msg, off, io, JAVA_BYTE, 0, len);
            return sendto(fd, io.asSlice(0, len), flags, destPid, destGroups);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(len);
            MemorySegment.copy(msg, off, data, JAVA_BYTE, 0, len);
            return sendto(fd, data, flags, destPid, destGroups);
        }
    }

    private static int sendto(int fd, MemorySegment data, int flags, int destPid, int destGroups) {
        Scratch s = scratch();
        MemorySegment addr = netlinkAddress(s.sockaddr, destPid, destGroups);
        int addrLen = Structs.size(Structs.SOCKADDR_NL);
        while (true) {
            long r;
            try {
                r = (long) SENDTO.invokeExact(s.state, fd, data, data.byteSize(), flags, addr, addrLen);
            } catch (Throwable t) {
                throw unexpected(t);
            }
            if (r >= 0) {
                return (int) r;
            }
            int e = errno(s);
            if (e == EAGAIN) {
                return -1;
            }
            if (e != EINTR) {
                throw new ErrnoException("sendto", e);
            }
        }
    }

    /**
     * recvfrom(2) one datagram into {@code buf} (from offset 0, up to its capacity). Afterwards
     * {@code buf.buffer()} has position 0 and limit = the bytes stored, and {@link NativeBuffer#sourcePid()}
     * is the sender's {@code nl_pid} (0 = the kernel) for a netlink socket, -1 otherwise.
     *
     * @param flags e.g. {@link #MSG_DONTWAIT}; with {@link #MSG_TRUNC} the real datagram length is returned
     *              even when it was larger than the buffer
     * @return the datagram length, or -1 for EAGAIN (nothing queued on a non-blocking receive)
     * @throws ErrnoException e.g. ENOBUFS when the kernel dropped datagrams because the receive buffer was full
     */
    public static int recvfrom(int fd, NativeBuffer buf, int flags) {
        Scratch s = scratch();
        MemorySegment data = buf.segment();
        while (true) {
            s.sockaddr.fill((byte) 0);
            s.socklen.set(JAVA_INT, 0, (int) s.sockaddr.byteSize());
            long r;
            try {
                r = (long) RECVFROM.invokeExact(s.state, fd, data, data.byteSize(), flags, s.sockaddr, s.socklen);
            } catch (Throwable t) {
                throw unexpected(t);
            }
            if (r >= 0) {
                buf.buffer().clear().limit((int) Math.min(r, data.byteSize()));
                boolean netlink = s.socklen.get(JAVA_INT, 0) >= Structs.size(Structs.SOCKADDR_NL)
                        && s.sockaddr.get(JAVA_SHORT, NL_FAMILY) == AF_NETLINK;
                buf.sourcePid(netlink ? s.sockaddr.get(JAVA_INT, NL_PID) : -1);
                return (int) r;
            }
            int e = errno(s);
            if (e == EAGAIN) {
                buf.buffer().clear().limit(0);
                return -1;
            }
            if (e != EINTR) {
                throw new ErrnoException("recvfrom", e);
            }
        }
    }

    /**
     * recvmmsg(2): up to {@code batch.slots()} datagrams in one call, without a timeout. With
     * {@link #MSG_DONTWAIT} it returns what is queued; fewer than the slots means the queue is empty.
     *
     * @param flags e.g. {@link #MSG_DONTWAIT} | {@link #MSG_TRUNC} (then each length is the real one)
     * @return datagrams stored (see {@link DatagramBatch}), 0 for EAGAIN
     * @throws ErrnoException e.g. ENOBUFS when the kernel dropped datagrams because the receive buffer was full
     */
    public static int recvmmsg(int fd, DatagramBatch batch, int flags) {
        Scratch s = scratch();
        while (true) {
            batch.prepare();
            int r;
            try {
                r = (int) RECVMMSG.invokeExact(s.state, fd, batch.vector(), batch.slots(), flags, MemorySegment.NULL);
            } catch (Throwable t) {
                throw unexpected(t);
            }
            if (r >= 0) {
                batch.received(r);
                return r;
            }
            int e = errno(s);
            if (e == EAGAIN) {
                return 0;
            }
            if (e != EINTR) {
                throw new ErrnoException("recvmmsg", e);
            }
        }
    }

    /**
     * sendmsg(2) {@code data[off, off+len)} with the file descriptors {@code fds} attached as one
     * SCM_RIGHTS control message (none when {@code fds} is empty).
     *
     * @return the bytes sent, or -1 for EAGAIN
     */
    public static int sendmsg(int fd, byte[] data, int off, int len, int[] fds, int flags) {
        Objects.checkFromIndexSize(off, len, data.length);
        Scratch s = scratch();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment payload = arena.allocate(Math.max(len, 1));
            MemorySegment.copy(data, off, payload, JAVA_BYTE, 0, len);
            s.iovec.set(ADDRESS, IOV_BASE, payload);
            s.iovec.set(JAVA_LONG, IOV_LEN, len);
            s.msghdr.fill((byte) 0);
            s.msghdr.set(ADDRESS, MSG_IOV, s.iovec);
            s.msghdr.set(JAVA_LONG, MSG_IOVLEN, 1L);
            if (fds.length > 0) {
                int space = Cmsg.space(fds.length * Integer.BYTES);
                MemorySegment control = arena.allocate(space, 8);
                ByteBuffer cb = control.asByteBuffer().order(ByteOrder.nativeOrder());
                Cmsg.putRights(cb, 0, fds);
                s.msghdr.set(ADDRESS, MSG_CONTROL, control);
                s.msghdr.set(JAVA_LONG, MSG_CONTROLLEN, space);
            }
            while (true) {
                long r;
                try {
                    r = (long) SENDMSG.invokeExact(s.state, fd, s.msghdr, flags);
                } catch (Throwable t) {
                    throw unexpected(t);
                }
                if (r >= 0) {
                    return (int) r;
                }
                int e = errno(s);
                if (e == EAGAIN) {
                    return -1;
                }
                if (e != EINTR) {
                    throw new ErrnoException("sendmsg", e);
                }
            }
        }
    }

    /**
     * What {@link #recvmsg} received.
     *
     * @param length   bytes of data stored in the buffer
     * @param fds      file descriptors that arrived by SCM_RIGHTS, already close-on-exec
     *                 (MSG_CMSG_CLOEXEC); the caller owns and must close them
     * @param msgFlags the kernel's {@code msg_flags}, e.g. {@link #MSG_CTRUNC} when fds were dropped
     *                 because more arrived than {@code maxFds}
     */
    public record Received(int length, int[] fds, int msgFlags) {
    }

    private static final long IOV_BASE = Structs.offset(Structs.IOVEC, "iov_base");
    private static final long IOV_LEN = Structs.offset(Structs.IOVEC, "iov_len");
    private static final long MSG_IOV = Structs.offset(Structs.MSGHDR, "msg_iov");
    private static final long MSG_IOVLEN = Structs.offset(Structs.MSGHDR, "msg_iovlen");
    private static final long MSG_CONTROL = Structs.offset(Structs.MSGHDR, "msg_control");
    private static final long MSG_CONTROLLEN = Structs.offset(Structs.MSGHDR, "msg_controllen");
    private static final long MSG_FLAGS = Structs.offset(Structs.MSGHDR, "msg_flags");

    /**
     * recvmsg(2) into {@code buf} (position 0, limit = bytes stored afterwards), accepting up to
     * {@code maxFds} passed file descriptors. {@link #MSG_CMSG_CLOEXEC} is always added: received fds
     * must not leak into processes the daemon spawns.
     *
     * @return what arrived, or {@code null} for EAGAIN
     */
    public static Received recvmsg(int fd, NativeBuffer buf, int maxFds, int flags) {
        Scratch s = scratch();
        MemorySegment data = buf.segment();
        try (Arena arena = Arena.ofConfined()) {
            int space = maxFds > 0 ? Cmsg.space(maxFds * Integer.BYTES) : 0;
            MemorySegment control = space > 0 ? arena.allocate(space, 8) : MemorySegment.NULL;
            while (true) {
                s.iovec.set(ADDRESS, IOV_BASE, data);
                s.iovec.set(JAVA_LONG, IOV_LEN, data.byteSize());
                s.msghdr.fill((byte) 0);
                s.msghdr.set(ADDRESS, MSG_IOV, s.iovec);
                s.msghdr.set(JAVA_LONG, MSG_IOVLEN, 1L);
                s.msghdr.set(ADDRESS, MSG_CONTROL, control);
                s.msghdr.set(JAVA_LONG, MSG_CONTROLLEN, space);
                long r;
                try {
                    r = (long) RECVMSG.invokeExact(s.state, fd, s.msghdr, flags | MSG_CMSG_CLOEXEC);
                } catch (Throwable t) {
                    throw unexpected(t);
                }
                if (r >= 0) {
                    buf.buffer().clear().limit((int) Math.min(r, data.byteSize()));
                    buf.sourcePid(-1);
                    long controlLen = s.msghdr.get(JAVA_LONG, MSG_CONTROLLEN);
                    int[] fds = controlLen > 0
                            ? Cmsg.rights(control.asSlice(0, controlLen).asByteBuffer().order(ByteOrder.nativeOrder()))
                            : new int[0];
                    return new Received((int) r, fds, s.msghdr.get(JAVA_INT, MSG_FLAGS));
                }
                int e = errno(s);
                if (e == EAGAIN) {
                    buf.buffer().clear().limit(0);
                    return null;
                }
                if (e != EINTR) {
                    throw new ErrnoException("recvmsg", e);
                }
            }
        }
    }

    /** getsockopt(2) of an int-valued option (SO_RCVBUF reports twice the size that was set, as socket(7) says). */
    public static int getsockoptInt(int fd, int level, int option) {
        Scratch s = scratch();
        s.optval.set(JAVA_INT, 0, 0);
        s.socklen.set(JAVA_INT, 0, Integer.BYTES);
        int r;
        try {
            r = (int) GETSOCKOPT.invokeExact(s.state, fd, level, option, s.optval, s.socklen);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (r < 0) {
            throw new ErrnoException("getsockopt", errno(s));
        }
        return s.optval.get(JAVA_INT, 0);
    }

    /**
     * getsockopt(2) of a struct-valued option (e.g. SO_PEERCRED = struct ucred {pid, uid, gid}) into
     * {@code out}. Returns the option's length as the kernel reported it (at most 256 bytes are read).
     */
    public static int getsockopt(int fd, int level, int option, byte[] out) {
        Scratch s = scratch();
        int cap = (int) Math.min(out.length, s.optval.byteSize());
        s.optval.fill((byte) 0);
        s.socklen.set(JAVA_INT, 0, cap);
        int r;
        try {
            r = (int) GETSOCKOPT.invokeExact(s.state, fd, level, option, s.optval, s.socklen);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (r < 0) {
            throw new ErrnoException("getsockopt", errno(s));
        }
        int len = s.socklen.get(JAVA_INT, 0);
        MemorySegment.copy(s.optval, JAVA_BYTE, 0, out, 0, Math.min(len, cap));
        return len;
    }

    /** setsockopt(2) of an int-valued option. */
    public static void setsockoptInt(int fd, int level, int option, int value) {
        Scratch s = scratch();
        s.optval.set(JAVA_INT, 0, value);
        int r;
        try {
            r = (int) SETSOCKOPT.invokeExact(s.state, fd, level, option, s.optval, Integer.BYTES);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (r < 0) {
            throw new ErrnoException("setsockopt", errno(s));
        }
    }

    // ---- files ----

    /** open(2) (as openat(AT_FDCWD, ...)) without O_CREAT. The exception's call names the path. */
    public static int open(String path, int flags) {
        return open(path, flags, 0);
    }

    /** open(2) (as openat(AT_FDCWD, ...)); {@code mode} matters only with O_CREAT/O_TMPFILE. */
    public static int open(String path, int flags, int mode) {
        Scratch s = scratch();
        MemorySegment p = cString(s.path, path, "open " + path);
        while (true) {
            int r;
            try {
                r = (int) OPENAT.invokeExact(s.state, AT_FDCWD, p, flags, mode);
            } catch (Throwable t) {
                throw unexpected(t);
            }
            if (r >= 0) {
                return r;
            }
            int e = errno(s);
            if (e != EINTR) {
                throw new ErrnoException("open " + path, e);
            }
        }
    }

    /**
     * open(2) of the path in {@code path[0, len)} (UTF-8, no NUL) without throwing or allocating: for
     * hot paths such as {@code /proc} reads after every exec, where a vanished task (ENOENT, ESRCH) is
     * the common case and an exception per miss would cost more than the read.
     *
     * @return the descriptor, or {@code -errno}
     */
    public static int openNoThrow(byte[] path, int len, int flags) {
        Scratch s = scratch();
        MemorySegment p = cString(s.path, path, len);
        while (true) {
            int r;
            try {
                r = (int) OPENAT.invokeExact(s.state, AT_FDCWD, p, flags, 0);
            } catch (Throwable t) {
                throw unexpected(t);
            }
            if (r >= 0) {
                return r;
            }
            int e = errno(s);
            if (e != EINTR) {
                return -e;
            }
        }
    }

    /**
     * readlink(2) of the path in {@code path[0, len)} into {@code dst}, without throwing or allocating
     * (see {@link #openNoThrow}).
     *
     * @return the target's length in bytes, or {@code -errno} (ENAMETOOLONG when it does not fit {@code dst})
     */
    public static int readlinkNoThrow(byte[] path, int len, byte[] dst) {
        Scratch s = scratch();
        MemorySegment p = cString(s.path, path, len);
        long r;
        try {
            r = (long) READLINK.invokeExact(s.state, p, s.link, s.link.byteSize());
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (r < 0) {
            return -errno(s);
        }
        if (r >= s.link.byteSize() || r > dst.length) {
            return -ENAMETOOLONG;
        }
        MemorySegment.copy(s.link, JAVA_BYTE, 0, dst, 0, (int) r);
        return (int) r;
    }

    /**
     * read(2) into {@code buf} from offset 0 up to its capacity; afterwards its buffer has position 0
     * and limit = bytes read.
     *
     * @return bytes read (0 at end of file), or -1 for EAGAIN
     */
    public static int read(int fd, NativeBuffer buf) {
        MemorySegment data = buf.segment();
        int r = read(fd, data, data.byteSize());
        buf.buffer().clear().limit(Math.max(r, 0));
        return r;
    }

    /** read(2) into {@code dst[off, off+len)}. Returns bytes read (0 at EOF), or -1 for EAGAIN. */
    public static int read(int fd, byte[] dst, int off, int len) {
        Objects.checkFromIndexSize(off, len, dst.length);
        if (len <= SCRATCH_IO) {
            MemorySegment io = scratch().io;
            int r = read(fd, io, len);
            if (r > 0) {
                MemorySegment.copy(io, JAVA_BYTE, 0, dst, off, r);
            }
            return r;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment tmp = arena.allocate(len);
            int r = read(fd, tmp, len);
            if (r > 0) {
                MemorySegment.copy(tmp, JAVA_BYTE, 0, dst, off, r);
            }
            return r;
        }
    }

    private static int read(int fd, MemorySegment data, long len) {
        Scratch s = scratch();
        while (true) {
            long r;
            try {
                r = (long) READ.invokeExact(s.state, fd, data, len);
            } catch (Throwable t) {
                throw unexpected(t);
            }
            if (r >= 0) {
                return (int) r;
            }
            int e = errno(s);
            if (e == EAGAIN) {
                return -1;
            }
            if (e != EINTR) {
                throw new ErrnoException("read", e);
            }
        }
    }

    /** write(2) the bytes between {@code buf}'s position and limit. Returns bytes written, or -1 for EAGAIN. */
    public static int write(int fd, NativeBuffer buf) {
        ByteBuffer b = buf.buffer();
        return write(fd, buf.segment().asSlice(b.position(), b.remaining()));
    }

    /** write(2) {@code src[off, off+len)}. Returns bytes written, or -1 for EAGAIN. */
    public static int write(int fd, byte[] src, int off, int len) {
        Objects.checkFromIndexSize(off, len, src.length);
        if (len <= SCRATCH_IO) {
            MemorySegment io = scratch().io;
            MemorySegment.copy(src, off, io, JAVA_BYTE, 0, len);
            return write(fd, io.asSlice(0, len));
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment tmp = arena.allocate(len);
            MemorySegment.copy(src, off, tmp, JAVA_BYTE, 0, len);
            return write(fd, tmp);
        }
    }

    private static int write(int fd, MemorySegment data) {
        Scratch s = scratch();
        while (true) {
            long r;
            try {
                r = (long) WRITE.invokeExact(s.state, fd, data, data.byteSize());
            } catch (Throwable t) {
                throw unexpected(t);
            }
            if (r >= 0) {
                return (int) r;
            }
            int e = errno(s);
            if (e == EAGAIN) {
                return -1;
            }
            if (e != EINTR) {
                throw new ErrnoException("write", e);
            }
        }
    }

    /**
     * close(2). Not retried on EINTR: Linux has released the descriptor even then, and a retry could
     * close a descriptor another thread has just been given.
     */
    public static void close(int fd) {
        Scratch s = scratch();
        int r;
        try {
            r = (int) CLOSE.invokeExact(s.state, fd);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (r < 0) {
            int e = errno(s);
            if (e != EINTR) {
                throw new ErrnoException("close", e);
            }
        }
    }

    /** readlink(2): the target of a symbolic link (e.g. {@code /proc/1/ns/net} gives {@code "net:[4026531840]"}). */
    public static String readlink(String path) {
        Scratch s = scratch();
        MemorySegment p = cString(s.path, path, "readlink " + path);
        long r;
        try {
            r = (long) READLINK.invokeExact(s.state, p, s.link, s.link.byteSize());
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (r < 0) {
            throw new ErrnoException("readlink " + path, errno(s));
        }
        // readlink does not NUL-terminate; a result filling the buffer may have been cut short.
        if (r >= s.link.byteSize()) {
            throw new ErrnoException("readlink " + path, ENAMETOOLONG);
        }
        byte[] bytes = new byte[(int) r];
        MemorySegment.copy(s.link, JAVA_BYTE, 0, bytes, 0, bytes.length);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    // ---- pidfd, fanotify, poll ----

    /**
     * pidfd_open(2) through syscall(SYS_pidfd_open, pid, flags): a descriptor that names one process
     * incarnation, so a reused pid can never be mistaken for it (Linux 5.3).
     *
     * @throws ErrnoException ESRCH when no such process exists, EINVAL when {@code pid} is not a
     *                        thread-group leader (without PIDFD_THREAD)
     */
    public static int pidfdOpen(int pid, int flags) {
        Scratch s = scratch();
        long r;
        try {
            r = (long) SYSCALL2.invokeExact(s.state, (long) SYS_pidfd_open, (long) pid, (long) flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (r < 0) {
            throw new ErrnoException("pidfd_open", errno(s));
        }
        return (int) r;
    }

    /**
     * bpf(BPF_PROG_LOAD) of a small program: {@code insns} are struct bpf_insn bytes, the attr is laid
     * out by {@link org.canister.linux.bpf.BpfProgram#progLoadAttr}. Returns the program fd, which the
     * caller closes (nothing is attached).
     *
     * @throws ErrnoException e.g. EPERM (no CAP_BPF, or kernel lockdown for tracing/LSM programs),
     *                        EINVAL (program type or attach type unknown to this kernel)
     */
    public static int bpfProgLoad(int progType, int expectedAttachType, int attachBtfId, byte[] insns, String license) {
        Scratch s = scratch();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment code = arena.allocate(insns.length, 8);
            MemorySegment.copy(insns, 0, code, JAVA_BYTE, 0, insns.length);
            MemorySegment lic = arena.allocateFrom(license);
            byte[] attrBytes = org.canister.linux.bpf.BpfProgram.progLoadAttr(progType, insns.length / 8,
                    code.address(), lic.address(), expectedAttachType, attachBtfId);
            MemorySegment attr = arena.allocate(attrBytes.length, 8);
            MemorySegment.copy(attrBytes, 0, attr, JAVA_BYTE, 0, attrBytes.length);
            long r;
            try {
                r = (long) SYSCALL3.invokeExact(s.state, (long) SYS_bpf,
                        (long) org.canister.linux.bpf.BpfProgram.BPF_PROG_LOAD, attr.address(), (long) attrBytes.length);
            } catch (Throwable t) {
                throw unexpected(t);
            }
            if (r < 0) {
                throw new ErrnoException("bpf(BPF_PROG_LOAD)", errno(s));
            }
            return (int) r;
        }
    }

    /**
     * fanotify_init(2).
     *
     * @param flags       {@link #FAN_CLASS_CONTENT} (permission events) | {@link #FAN_CLOEXEC} | ...
     * @param eventFFlags open(2) flags of the event fds the kernel creates, e.g. {@code O_RDONLY | O_CLOEXEC}
     */
    public static int fanotifyInit(int flags, int eventFFlags) {
        Scratch s = scratch();
        int r;
        try {
            r = (int) FANOTIFY_INIT.invokeExact(s.state, flags, eventFFlags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (r < 0) {
            throw new ErrnoException("fanotify_init", errno(s));
        }
        return r;
    }

    /**
     * fanotify_mark(2).
     *
     * @param path  the object to mark (relative paths resolve against {@code dirfd}); {@code null}
     *              marks {@code dirfd} itself
     * @param dirfd {@link #AT_FDCWD} or a directory descriptor
     */
    public static void fanotifyMark(int fd, int flags, long mask, int dirfd, String path) {
        Scratch s = scratch();
        String call = "fanotify_mark " + (path == null ? "fd " + dirfd : path);
        MemorySegment p = path == null ? MemorySegment.NULL : cString(s.path, path, call);
        int r;
        try {
            r = (int) FANOTIFY_MARK.invokeExact(s.state, fd, flags, mask, dirfd, p);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (r < 0) {
            throw new ErrnoException(call, errno(s));
        }
    }

    private static final long POLLFD_FD = Structs.offset(Structs.POLLFD, "fd");
    private static final long POLLFD_EVENTS = Structs.offset(Structs.POLLFD, "events");
    private static final long POLLFD_REVENTS = Structs.offset(Structs.POLLFD, "revents");

    /** {@code PRIO_PROCESS} of sys/resource.h: with a thread id as {@code who}, Linux sets that thread's nice value. */
    public static final int PRIO_PROCESS = 0;

    /**
     * setpriority(2): the nice value of one thread ({@code which} {@link #PRIO_PROCESS}, {@code who} a tid,
     * 0 for the calling thread; on Linux the value is per thread), as auditd's {@code priority_boost}.
     *
     * @throws ErrnoException EACCES/EPERM when lowering the value needs CAP_SYS_NICE
     */
    public static void setpriority(int which, int who, int prio) {
        Scratch s = scratch();
        int r;
        try {
            r = (int) SETPRIORITY.invokeExact(s.state, which, who, prio);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (r != 0) {
            throw new ErrnoException("setpriority(" + which + ", " + who + ", " + prio + ")", errno(s));
        }
    }

    /**
     * poll(2) one descriptor.
     *
     * @param events    e.g. {@link #POLLIN}
     * @param timeoutMs 0 returns at once, negative waits forever; an EINTR restarts the full timeout
     * @return the returned events ({@code revents}; may include POLLERR/POLLHUP/POLLNVAL), or 0 on timeout
     */
    public static int poll(int fd, int events, int timeoutMs) {
        Scratch s = scratch();
        while (true) {
            s.pollfd.set(JAVA_INT, POLLFD_FD, fd);
            s.pollfd.set(JAVA_SHORT, POLLFD_EVENTS, (short) events);
            s.pollfd.set(JAVA_SHORT, POLLFD_REVENTS, (short) 0);
            int r;
            try {
                r = (int) POLL.invokeExact(s.state, s.pollfd, 1L, timeoutMs);
            } catch (Throwable t) {
                throw unexpected(t);
            }
            if (r > 0) {
                return s.pollfd.get(JAVA_SHORT, POLLFD_REVENTS) & 0xffff;
            }
            if (r == 0) {
                return 0;
            }
            int e = errno(s);
            if (e != EINTR) {
                throw new ErrnoException("poll", e);
            }
        }
    }
}
