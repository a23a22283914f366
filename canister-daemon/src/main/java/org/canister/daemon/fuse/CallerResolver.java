package org.canister.daemon.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import org.canister.core.CanisterException;
import org.canister.core.Errno;
import org.canister.core.fs.Caller;
import org.canister.core.task.Credentials;

/**
 * Turns the thread id of a FUSE request ({@code fuse_context.pid}) into a {@link Caller} that can be
 * trusted for permission checks.
 *
 * <p>The pid in the FUSE request context is the calling <em>thread</em>; {@code /proc} can be read about
 * a pid that has already been reused. So, in this order:
 * <ol>
 *   <li>{@code /proc/<tid>/status} gives the thread group ({@code Tgid:}),</li>
 *   <li>{@code pidfd_open(tgid)} pins that process,</li>
 *   <li>{@code /proc/<tgid>/task/<tid>} must exist (the thread belongs to the pinned group),
 *       {@code /proc/<tgid>/status} gives uid/gid/CapEff/CapBnd, {@code /proc/<tgid>/stat} field 22 the
 *       start time, {@code /proc/<tgid>/ns/user} the user namespace,</li>
 *   <li>the pidfd is re-validated through {@code /proc/self/fdinfo/<pidfd>}: its {@code Pid:} line
 *       still shows {@code tgid} only while the pinned process has not been reaped, and a pid cannot
 *       be reused before that, so every file read in step 3 described the pinned process.</li>
 * </ol>
 * Any step failing means the caller exited while it was being identified: ESRCH.
 *
 * <p>Thread-safe (no mutable state); called from every FUSE loop thread.
 */
public final class CallerResolver {

    /** Opens and closes pidfds; the native half, kept apart so the /proc logic can be tested alone. */
    interface Pidfds {
        /** pidfd_open(pid, 0); throws CanisterException (ESRCH when no such process). */
        int open(int pid);

        void close(int fd);
    }

    /**
     * Inode of the initial user namespace: init_user_ns.ns.inum is fixed at PROC_USER_INIT_INO
     * (0xEFFFFFFD, include/linux/proc_ns.h), so it is what {@code /proc/1/ns/user} shows on a host,
     * without needing ptrace access to pid 1 (which sandboxes and LSMs may refuse).
     */
    public static final long PROC_USER_INIT_INO = 0xEFFFFFFDL;

    private final Path proc;
    private final Path selfFdinfo;
    private final Pidfds pidfds;
    private final long initUserNs;

    /** Reads the real {@code /proc}. */
    public CallerResolver() {
        this(Path.of("/proc"), new Pidfds() {
            // TEMPORARY: InterimNative until org.canister.linux.Libc.pidfdOpen/close are merged.
            @Override
            public int open(int pid) {
                return InterimNative.pidfdOpen(pid);
            }

            @Override
            public void close(int fd) {
                InterimNative.close(fd);
            }
        });
    }

    CallerResolver(Path proc, Pidfds pidfds) {
        this(proc, pidfds, PROC_USER_INIT_INO);
    }

    CallerResolver(Path proc, Pidfds pidfds, long initUserNs) {
        this.proc = Objects.requireNonNull(proc, "proc");
        this.selfFdinfo = proc.resolve("self").resolve("fdinfo");
        this.pidfds = Objects.requireNonNull(pidfds, "pidfds");
        this.initUserNs = initUserNs;
    }

    /**
     * Identify the process whose thread {@code tid} made the current request.
     *
     * @throws CanisterException ESRCH when the caller is gone (or {@code tid} is 0: a request without a
     *                           calling process), EACCES when /proc refuses to be read
     */
    public Caller resolve(int tid) {
        if (tid <= 0) {
            throw new CanisterException(Errno.ESRCH, "the request carries no calling process (pid " + tid + ")");
        }
        int tgid = field(read(proc.resolve(Integer.toString(tid)).resolve("status"), tid), "Tgid:", tid);
        int pidfd = pidfds.open(tgid);
        try {
            Path dir = proc.resolve(Integer.toString(tgid));
            if (!Files.isDirectory(dir.resolve("task").resolve(Integer.toString(tid)))) {
                throw gone(tid);
            }
            String status = read(dir.resolve("status"), tid);
            long startTime = startTime(read(dir.resolve("stat"), tid), tid);
            long userNs;
            try {
                userNs = nsInode(Files.readSymbolicLink(dir.resolve("ns").resolve("user")).toString());
            } catch (IOException e) {
                throw failure(e, tid);
            }
            Credentials creds = credentials(status, tid);
            if (pidfdPid(pidfd) != tgid) {
                throw gone(tid);
            }
            return new Caller(tid, tgid, startTime, creds, userNs, userNs == initUserNs);
        } finally {
            pidfds.close(pidfd);
        }
    }

    /** The {@code Pid:} line of the pidfd's fdinfo: the pid while the process is unreaped, else -1 (or absent). */
    private int pidfdPid(int pidfd) {
        String info;
        try {
            info = Files.readString(selfFdinfo.resolve(Integer.toString(pidfd)), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return -1;
        }
        int at = lineStart(info, "Pid:");
        return at < 0 ? -1 : parseIntAt(info, at + 4);
    }

    private String read(Path file, int tid) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw failure(e, tid);
        }
    }

    private static CanisterException failure(IOException e, int tid) {
        if (e instanceof AccessDeniedException) {
            return new CanisterException(Errno.EACCES, "cannot read /proc about caller " + tid + ": " + e.getMessage());
        }
        if (e instanceof NoSuchFileException) {
            return gone(tid);
        }
        // ESRCH is what reading /proc of a task that is exiting returns.
        return new CanisterException(Errno.ESRCH, "caller " + tid + " could not be identified: " + e.getMessage());
    }

    private static CanisterException gone(int tid) {
        return new CanisterException(Errno.ESRCH, "caller " + tid + " exited before it could be identified");
    }

    /**
     * Credentials from {@code /proc/<pid>/status}: {@code Uid:} and {@code Gid:} (real, effective, saved,
     * fs), {@code CapEff:} and {@code CapBnd:} (hex masks), as fs/proc/array.c prints them.
     */
    static Credentials credentials(String status, int tid) {
        int uidAt = lineStart(status, "Uid:");
        int gidAt = lineStart(status, "Gid:");
        int effAt = lineStart(status, "CapEff:");
        int bndAt = lineStart(status, "CapBnd:");
        if (uidAt < 0 || gidAt < 0 || effAt < 0 || bndAt < 0) {
            throw new CanisterException(Errno.ESRCH, "status of caller " + tid + " lacks Uid/Gid/CapEff/CapBnd");
        }
        long[] uids = numbers(status, uidAt + 4, 2, tid);
        long[] gids = numbers(status, gidAt + 4, 2, tid);
        return new Credentials((int) uids[0], (int) uids[1], (int) gids[0], (int) gids[1],
                hex(status, effAt + 7, tid), hex(status, bndAt + 7, tid));
    }

    /** Field 22 (starttime) of {@code /proc/<pid>/stat}, counted after the last ')' because comm may hold spaces and parentheses. */
    static long startTime(String stat, int tid) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new CanisterException(Errno.ESRCH, "malformed stat of caller " + tid);
        }
        // After ") " comes field 3 (state); starttime is field 22, i.e. the 20th token from there.
        int i = close + 1;
        int field = 2;
        int n = stat.length();
        while (i < n) {
            while (i < n && stat.charAt(i) == ' ') {
                i++;
            }
            field++;
            int start = i;
            while (i < n && stat.charAt(i) != ' ' && stat.charAt(i) != '\n') {
                i++;
            }
            if (field == 22) {
                try {
                    return Long.parseLong(stat, start, i, 10);
                } catch (NumberFormatException e) {
                    break;
                }
            }
        }
        throw new CanisterException(Errno.ESRCH, "stat of caller " + tid + " has no start time");
    }

    /** The inode in a namespace link target such as {@code user:[4026531837]}. */
    static long nsInode(String link) {
        int open = link.indexOf('[');
        int close = link.indexOf(']', open + 1);
        if (open < 0 || close < 0) {
            throw new CanisterException(Errno.EINVAL, "not a namespace link: " + link);
        }
        return Long.parseLong(link, open + 1, close, 10);
    }

    private static int field(String status, String key, int tid) {
        int at = lineStart(status, key);
        if (at < 0) {
            throw new CanisterException(Errno.ESRCH, "status of caller " + tid + " lacks " + key);
        }
        int v = parseIntAt(status, at + key.length());
        if (v <= 0) {
            throw new CanisterException(Errno.ESRCH, "status of caller " + tid + " has a bad " + key);
        }
        return v;
    }

    private static int lineStart(String text, String key) {
        if (text.startsWith(key)) {
            return 0;
        }
        int at = text.indexOf("\n" + key);
        return at < 0 ? -1 : at + 1;
    }

    private static int parseIntAt(String s, int i) {
        int n = s.length();
        while (i < n && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
            i++;
        }
        boolean negative = i < n && s.charAt(i) == '-';
        if (negative) {
            i++;
        }
        long v = 0;
        int digits = 0;
        while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9' && digits < 11) {
            v = v * 10 + (s.charAt(i++) - '0');
            digits++;
        }
        if (digits == 0) {
            return -1;
        }
        return (int) (negative ? -v : v);
    }

    private static long[] numbers(String s, int i, int count, int tid) {
        long[] out = new long[count];
        int n = s.length();
        for (int k = 0; k < count; k++) {
            while (i < n && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
                i++;
            }
            int start = i;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                i++;
            }
            if (start == i) {
                throw new CanisterException(Errno.ESRCH, "malformed id line in status of caller " + tid);
            }
            out[k] = Long.parseLong(s, start, i, 10);
        }
        return out;
    }

    private static long hex(String s, int i, int tid) {
        int n = s.length();
        while (i < n && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
            i++;
        }
        int start = i;
        while (i < n && Character.digit(s.charAt(i), 16) >= 0) {
            i++;
        }
        if (start == i) {
            throw new CanisterException(Errno.ESRCH, "malformed capability line in status of caller " + tid);
        }
        return Long.parseUnsignedLong(s, start, i, 16);
    }
}
