package org.canister.daemon.fuse;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import org.canister.core.CanisterException;
import org.canister.core.Errno;
import org.canister.core.fs.Caller;
import org.canister.core.task.Credentials;
import org.canister.linux.ErrnoException;
import org.canister.linux.Libc;
import org.canister.linux.proc.ProcFs;
import org.canister.linux.proc.ProcStatus;

/**
 * Turns the thread id of a FUSE request ({@code fuse_context.pid}) into a {@link Caller} that can be
 * trusted for permission checks.
 *
 * <p>The pid in the FUSE request context is the calling <em>thread</em>, and {@code /proc} can be read
 * about a pid that has already been reused. So, in this order:
 * <ol>
 *   <li>{@code /proc/<tid>/status} gives the thread group ({@code Tgid:}),</li>
 *   <li>{@code pidfd_open(tgid)} pins that process,</li>
 *   <li>{@code /proc/<tgid>/task/<tid>} must exist (the thread belongs to the pinned group),
 *       {@code /proc/<tgid>/status} gives uid/gid/CapEff/CapBnd, {@code /proc/<tgid>/stat} field 22 the
 *       start time, {@code /proc/<tgid>/ns/user} the user namespace,</li>
 *   <li>the pidfd is polled: it is not readable while the pinned process is alive, and a pid is not
 *       reused while its process is alive, so every file read in step 3 described the pinned process.</li>
 * </ol>
 * Any step failing means the caller exited while it was being identified: ESRCH.
 *
 * <p>Thread-safe (no mutable state); called from every FUSE loop thread.
 */
public final class CallerResolver {
    /**
     * Inode of the initial user namespace: init_user_ns.ns.inum is fixed at PROC_USER_INIT_INO
     * (0xEFFFFFFD, include/linux/proc_ns.h), so it is what {@code /proc/1/ns/user} shows on a host,
     * without needing ptrace access to pid 1 (which sandboxes and LSMs may refuse).
     */
    public static final long PROC_USER_INIT_INO = 0xEFFFFFFDL;

    /** The pidfd half, apart so tests can make a caller die between the reads and the re-validation. */
    interface Pidfds {
        /** pidfd_open(pid, 0). */
        int open(int pid);

        /** True when the process has exited (the pidfd polls readable). */
        boolean exited(int pidfd);

        void close(int pidfd);
    }

    /** The real pidfds of canister-linux's {@link Libc}. */
    static final Pidfds LIBC = new Pidfds() {
        @Override
        public int open(int pid) {
            return Libc.pidfdOpen(pid, 0);
        }

        @Override
        public boolean exited(int pidfd) {
            // pidfd_poll: POLLIN once the thread group has exited (zombie or reaped).
            return (Libc.poll(pidfd, Libc.POLLIN, 0) & (Libc.POLLIN | Libc.POLLHUP | Libc.POLLERR)) != 0;
        }

        @Override
        public void close(int pidfd) {
            Libc.close(pidfd);
        }
    };

    private final Path proc;
    private final Pidfds pidfds;
    private final long initUserNs;

    /** Reads the real {@code /proc}. */
    public CallerResolver() {
        this(Path.of("/proc"), LIBC, PROC_USER_INIT_INO);
    }

    CallerResolver(Path proc, Pidfds pidfds, long initUserNs) {
        this.proc = Objects.requireNonNull(proc, "proc");
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
        int tgid = status(proc.resolve(Integer.toString(tid)).resolve("status"), tid).tgid();
        if (tgid <= 0) {
            throw gone(tid);
        }
        int pidfd;
        try {
            pidfd = pidfds.open(tgid);
        } catch (ErrnoException e) {
            throw e.errno() == Errno.ESRCH.number() ? gone(tid)
                    : new CanisterException(Errno.EIO, "cannot pin caller " + tid + ": " + e.getMessage());
        }
        try {
            Path dir = proc.resolve(Integer.toString(tgid));
            if (!Files.isDirectory(dir.resolve("task").resolve(Integer.toString(tid)))) {
                throw gone(tid);
            }
            ProcStatus status = status(dir.resolve("status"), tid);
            byte[] stat = read(dir.resolve("stat"), tid);
            long startTime;
            long userNs;
            try {
                startTime = ProcFs.parseStartTime(stat, stat.length);
                userNs = ProcFs.parseNamespaceLink(Files.readSymbolicLink(dir.resolve("ns").resolve("user")).toString());
            } catch (IllegalArgumentException e) {
                throw new CanisterException(Errno.ESRCH, "caller " + tid + " could not be identified: " + e.getMessage());
            } catch (IOException e) {
                throw failure(e, tid);
            }
            if (status.uid() < 0 || status.gid() < 0 || status.tgid() != tgid) {
                throw gone(tid);
            }
            if (pidfds.exited(pidfd)) {
                throw gone(tid);
            }
            Credentials creds = status.credentials();
            return new Caller(tid, tgid, startTime, creds, userNs, userNs == initUserNs);
        } finally {
            pidfds.close(pidfd);
        }
    }

    private ProcStatus status(Path file, int tid) {
        byte[] b = read(file, tid);
        return ProcFs.parseStatus(b, b.length);
    }

    private static byte[] read(Path file, int tid) {
        try {
            return Files.readAllBytes(file);
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
}
