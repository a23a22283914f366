package org.canister.daemon.doctor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.canister.linux.ErrnoException;
import org.canister.linux.Libc;
import org.canister.linux.NativeBuffer;
import org.canister.linux.bpf.Btf;
import org.canister.linux.bpf.BpfProgram;
import org.canister.linux.proc.ProcConnector;

/**
 * Probes every kernel facility and tool Canister rides on, by using it the way the daemon will (open
 * the socket, load the program), and reports works / does not with the errno. Each probe cleans up
 * after itself: sockets and program fds are closed, nothing is attached or marked.
 */
public final class Doctor {
    private static final int NETLINK_AUDIT = 9;
    private static final int AUDIT_GET = 1000;

    private Doctor() {
    }

    /** All probes, in the order {@code canister doctor} prints them. */
    public static List<Facility> probeAll() {
        List<Facility> out = new ArrayList<>();
        out.add(auditNetlink());
        out.add(procConnector());
        out.add(fanotifyPermissionEvents());
        out.add(cgroupV2());
        out.add(cgroupBpfSockAddr());
        out.add(bpfLsm());
        out.add(fuse());
        out.add(Tools.version("swtpm", "swtpm", Tools.PATH, "--version", "apt-get install swtpm swtpm-tools"));
        out.add(Tools.version("evmctl", "evmctl", Tools.PATH, "--version", "apt-get install ima-evm-utils"));
        out.add(Tools.version("runc", "runc", Tools.PATH, "--version", "apt-get install runc"));
        return out;
    }

    static String errno(ErrnoException e) {
        return e.getMessage();
    }

    /** AUDIT_GET over NETLINK_AUDIT: needs CAP_AUDIT_CONTROL in the initial user and pid namespaces. */
    static Facility auditNetlink() {
        String name = "audit netlink";
        int fd = -1;
        try (NativeBuffer buf = NativeBuffer.allocate(8192)) {
            fd = Libc.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, NETLINK_AUDIT);
            Libc.bindNetlink(fd, 0, 0);
            byte[] req = new byte[16];
            ByteBuffer h = ByteBuffer.wrap(req).order(ByteOrder.nativeOrder());
            h.putInt(0, 16).putShort(4, (short) AUDIT_GET).putShort(6, (short) Libc.NLM_F_REQUEST).putInt(8, 1);
            Libc.sendtoNetlink(fd, req, 0, req.length, 0, 0, 0);
            for (int tries = 0; tries < 8; tries++) {
                if (Libc.poll(fd, Libc.POLLIN, 2000) == 0) {
                    return Facility.fails(name, "no reply to AUDIT_GET within 2 s");
                }
                int n = Libc.recvfrom(fd, buf, 0);
                ByteBuffer b = buf.buffer().order(ByteOrder.nativeOrder());
                if (n < 16) {
                    continue;
                }
                int type = b.getShort(4) & 0xffff;
                if (type == Libc.NLMSG_ERROR) {
                    int err = -b.getInt(16);
                    if (err != 0) {
                        throw new ErrnoException("AUDIT_GET", err);
                    }
                    continue; // an ack; the status follows
                }
                if (type == AUDIT_GET && n >= 16 + 8) {
                    int enabled = b.getInt(16 + 4);
                    int pid = b.getInt(16 + 12);
                    return Facility.works(name, "AUDIT_GET: enabled=" + enabled + " pid=" + pid
                            + (pid != 0 ? " (another audit daemon is registered)" : ""));
                }
            }
            return Facility.fails(name, "no AUDIT_GET reply among the kernel's messages");
        } catch (ErrnoException e) {
            return Facility.fails(name, errno(e));
        } finally {
            closeQuietly(fd);
        }
    }

    static Facility procConnector() {
        try (ProcConnector c = ProcConnector.open()) {
            return Facility.works("proc connector", "NETLINK_CONNECTOR/CN_IDX_PROC listening, receive buffer "
                    + c.receiveBufferBytes() + " bytes");
        } catch (ErrnoException e) {
            return Facility.fails("proc connector", errno(e));
        }
    }

    /** fanotify_init(FAN_CLASS_CONTENT) is refused (EINVAL) without CONFIG_FANOTIFY_ACCESS_PERMISSIONS. */
    static Facility fanotifyPermissionEvents() {
        String name = "fanotify permission events";
        int fd = -1;
        try {
            fd = Libc.fanotifyInit(Libc.FAN_CLASS_CONTENT | Libc.FAN_CLOEXEC, Libc.O_RDONLY | Libc.O_CLOEXEC);
            return Facility.works(name, "fanotify_init(FAN_CLASS_CONTENT) accepted");
        } catch (ErrnoException e) {
            return Facility.fails(name, errno(e));
        } finally {
            closeQuietly(fd);
        }
    }

    /** The cgroup v2 hierarchy (unified or hybrid layout), from /proc/self/mounts. */
    public static Path cgroupV2Mount() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/mounts"))) {
                String[] f = l.split(" ");
                if (f.length > 2 && f[2].equals("cgroup2")) {
                    return Path.of(f[1]);
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    static Facility cgroupV2() {
        Path p = cgroupV2Mount();
        if (p == null) {
            return Facility.fails("cgroup v2 mount", "no cgroup2 filesystem in /proc/self/mounts (mount -t cgroup2 none /sys/fs/cgroup/unified)");
        }
        return Facility.works("cgroup v2 mount", p.toString());
    }

    static Facility cgroupBpfSockAddr() {
        String name = "cgroup-BPF sock_addr load";
        try {
            int fd = Libc.bpfProgLoad(BpfProgram.PROG_TYPE_CGROUP_SOCK_ADDR, BpfProgram.ATTACH_CGROUP_INET4_CONNECT,
                    0, BpfProgram.returnConstant(1), "GPL");
            closeQuietly(fd);
            return Facility.works(name, "BPF_PROG_TYPE_CGROUP_SOCK_ADDR (cgroup/connect4) loads; nothing attached");
        } catch (ErrnoException e) {
            return Facility.fails(name, errno(e));
        }
    }

    /** A BPF_PROG_TYPE_LSM program on bpf_lsm_socket_connect; kernel lockdown refuses it with EPERM. */
    static Facility bpfLsm() {
        String name = "BPF LSM load";
        String lsms = "";
        try {
            lsms = Files.readString(Path.of("/sys/kernel/security/lsm")).strip();
        } catch (IOException ignored) {
            // securityfs not mounted: the load attempt still tells
        }
        int btfId;
        try {
            btfId = Btf.findType(Files.readAllBytes(Path.of("/sys/kernel/btf/vmlinux")), Btf.KIND_FUNC,
                    "bpf_lsm_socket_connect");
        } catch (IOException | IllegalArgumentException e) {
            return Facility.fails(name, "no kernel BTF (/sys/kernel/btf/vmlinux): " + e.getMessage()
                    + "; Checmate falls back to cgroup sock_addr programs");
        }
        if (btfId < 0) {
            return Facility.fails(name, "kernel BTF has no bpf_lsm_socket_connect (CONFIG_BPF_LSM off); "
                    + "Checmate falls back to cgroup sock_addr programs");
        }
        try {
            int fd = Libc.bpfProgLoad(BpfProgram.PROG_TYPE_LSM, BpfProgram.ATTACH_LSM_MAC, btfId,
                    BpfProgram.returnConstant(0), "GPL");
            closeQuietly(fd);
            return Facility.works(name, "BPF_PROG_TYPE_LSM loads (active LSMs: " + lsms + ")");
        } catch (ErrnoException e) {
            String lockdown = "";
            try {
                lockdown = "; lockdown " + Files.readString(Path.of("/sys/kernel/security/lockdown")).strip();
            } catch (IOException ignored) {
                // no lockdown file
            }
            return Facility.fails(name, errno(e) + lockdown + "; Checmate falls back to cgroup sock_addr programs");
        }
    }

    static Facility fuse() {
        String name = "FUSE";
        int fd = -1;
        try {
            fd = Libc.open("/dev/fuse", Libc.O_RDWR | Libc.O_CLOEXEC);
        } catch (ErrnoException e) {
            return Facility.fails(name, "open /dev/fuse: " + e.errnoName() + " (modprobe fuse, or run where /dev/fuse exists)");
        } finally {
            closeQuietly(fd);
        }
        if (!Files.isExecutable(Path.of("/usr/bin/fusermount3")) && !Files.isExecutable(Path.of("/bin/fusermount3"))) {
            return Facility.fails(name, "/dev/fuse opens but fusermount3 is missing (apt-get install fuse3)");
        }
        String why = org.canister.linux.LibFuse.unavailableReason();
        if (why != null) {
            return Facility.fails(name, why);
        }
        return Facility.works(name, "/dev/fuse opens; libfuse3 at " + org.canister.linux.LibFuse.libraryPath());
    }

    private static void closeQuietly(int fd) {
        if (fd >= 0) {
            try {
                Libc.close(fd);
            } catch (ErrnoException ignored) {
                // probe cleanup
            }
        }
    }
}
