package org.canister.daemon.fuse;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.canister.core.CanisterException;
import org.canister.core.Errno;
import org.canister.core.fs.ControlFs;
import org.canister.linux.FuseContext;
import org.canister.linux.LibFuse;
import org.canister.linux.Libc;
import org.cryptomator.jfuse.api.Fuse;
import org.cryptomator.jfuse.api.FuseBuilder;
import org.cryptomator.jfuse.api.FuseMountFailedException;

/**
 * Serves a {@link ControlFs} as a FUSE filesystem (jfuse 0.7.3 over libfuse 3) until closed.
 *
 * <p>Mount options and why:
 * <ul>
 *   <li>{@code allow_other}, and deliberately not {@code default_permissions}: every user (container
 *       root mapped to a host uid included) reaches the files, and the nodes decide, since a mode
 *       cannot express "holds CAP_AUDIT_CONTROL" (DESIGN.md).</li>
 *   <li>direct I/O ({@code fuse_config.direct_io}, set at init by {@link JfuseDirectIo}): control files
 *       report size 0 and their content changes; without it the page cache would serve stale or empty
 *       reads.</li>
 *   <li>{@code entry_timeout=0,attr_timeout=0,negative_timeout=0}: {@code proc/<pid>} appears and
 *       disappears with the process, not a second later.</li>
 *   <li>{@code fsname=canister,subtype=canister}: the mount shows as {@code fuse.canister}, so a later
 *       start recognises its own stale mount.</li>
 * </ul>
 * The FUSE loop runs on jfuse's threads (libfuse's multi-threaded loop); nodes must be thread-safe.
 *
 * <p>Before mounting, the mount point is cleared of a stale mount: a FUSE mount whose daemon died
 * ({@code stat} fails with ENOTCONN, e.g. after {@code kill -9}) or an earlier Canister mount that no
 * longer answers is force-aborted and lazily unmounted. A live filesystem of anyone else there is an
 * error (EBUSY), as is a live Canister mount (another daemon is serving it).
 */
public final class FuseServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(FuseServer.class.getName());

    /**
     * libfuse 3 on Debian/Ubuntu amd64 (Temurin does not search /lib/x86_64-linux-gnu itself), or the
     * path of the system property {@code canister.libfuse3}; the same one {@link LibFuse} binds
     * {@code fuse_get_context} from.
     */
    public static final String LIBFUSE = LibFuse.libraryPath();
    /** The FUSE subtype this server mounts with; its mounts show as {@code fuse.canister}. */
    public static final String FS_TYPE = "fuse.canister";

    static final String MOUNT_OPTIONS = "allow_other,fsname=canister,subtype=canister,"
            + "entry_timeout=0,attr_timeout=0,negative_timeout=0";
    private static final long PROBE_TIMEOUT_MS = 2000;
    private static final long COMMAND_TIMEOUT_MS = 10_000;

    private final Path mountPoint;
    private final Fuse fuse;
    private final ControlFsOperations operations;
    private boolean closed;

    private FuseServer(Path mountPoint, Fuse fuse, ControlFsOperations operations) {
        this.mountPoint = mountPoint;
        this.fuse = fuse;
        this.operations = operations;
    }

    /**
     * Mount {@code fs} at {@code mountPoint} (created if missing), identifying callers from the FUSE
     * request context with a {@link CallerResolver}.
     *
     * @throws CanisterException with the errno and a sentence naming the cause and the fix: ENOENT
     *                           (no /dev/fuse, no libfuse3), EPERM (not root), EBUSY (mount point in use),
     *                           EIO (libfuse refused to mount)
     */
    public static FuseServer mount(ControlFs fs, Path mountPoint) {
        return mount(fs, mountPoint, fuseCallers(new CallerResolver()));
    }

    /** Like {@link #mount(ControlFs, Path)} with a caller source of your own (tests, benchmarks). */
    public static FuseServer mount(ControlFs fs, Path mountPoint, CallerSource callers) {
        return mount(fs, mountPoint, callers, Path.of("/dev/fuse"), Path.of(LibFuse.libraryPath()));
    }

    /** The production caller source: {@code fuse_get_context()->pid} resolved through /proc and a pidfd. */
    static CallerSource fuseCallers(CallerResolver resolver) {
        return () -> {
            FuseContext ctx = LibFuse.context();
            if (ctx == null) {
                throw new CanisterException(Errno.EIO, "no FUSE request context on this thread");
            }
            return resolver.resolve(ctx.pid());
        };
    }

    static FuseServer mount(ControlFs fs, Path mountPoint, CallerSource callers, Path devFuse, Path libfuse) {
        Objects.requireNonNull(fs, "fs");
        Objects.requireNonNull(callers, "callers");
        preflight(devFuse, libfuse);
        Path mp = canonical(mountPoint);
        recoverMountPoint(mp);
        try {
            Files.createDirectories(mp);
        } catch (IOException e) {
            throw new CanisterException(Errno.EACCES, "cannot create the mount point " + mp + ": " + e.getMessage());
        }
        if (!Files.isDirectory(mp, LinkOption.NOFOLLOW_LINKS)) {
            throw new CanisterException(Errno.ENOTDIR, "the mount point " + mp + " is not a directory; choose another --mount");
        }
        FuseBuilder builder;
        try {
            builder = Fuse.builder();
        } catch (UnsupportedOperationException e) {
            throw new CanisterException(Errno.ENOSYS, "jfuse does not support this platform (" + System.getProperty("os.arch")
                    + "): Canister needs Linux on amd64");
        }
        builder.setLibraryPath(libfuse.toString());
        ControlFsOperations ops = new ControlFsOperations(fs, callers, builder.errno(), Instant.now());
        Fuse fuse;
        try {
            fuse = builder.build(ops);
        } catch (UnsatisfiedLinkError e) {
            throw new CanisterException(Errno.ENOENT, "cannot load " + libfuse + " (" + e.getMessage()
                    + "): install libfuse3 with apt-get install fuse3");
        }
        try {
            fuse.mount("canisterd", mp, "-o", MOUNT_OPTIONS);
        } catch (FuseMountFailedException | RuntimeException e) {
            closeQuietly(fuse);
            throw new CanisterException(Errno.EIO, "libfuse could not mount the control filesystem at " + mp + ": "
                    + e.getMessage() + " (its own message is on stderr)");
        }
        FuseServer server = new FuseServer(mp, fuse, ops);
        if (!ops.directIo()) {
            server.close();
            throw new CanisterException(Errno.EIO, "libfuse did not accept direct_io for the control filesystem;"
                    + " reads would be served from a stale page cache (jfuse " + Fuse.class.getPackage().getImplementationVersion()
                    + " with libfuse at " + libfuse + ")");
        }
        LOG.log(System.Logger.Level.INFO, "control filesystem mounted at {0}", mp);
        return server;
    }

    /** Where the filesystem is mounted (canonical path). */
    public Path mountPoint() {
        return mountPoint;
    }

    /** True when the kernel passes O_TRUNC to open (FUSE_CAP_ATOMIC_O_TRUNC was granted at init). */
    public boolean atomicOTrunc() {
        return operations.atomicOTrunc();
    }

    /** Open control-file handles (for status counters and tests). */
    public int openHandles() {
        return operations.openHandles();
    }

    /**
     * Unmount and stop the FUSE loop. A graceful {@code fusermount3 -u} first; when files are still open
     * (EBUSY), the connection is aborted ({@code umount -f} runs FUSE's umount_begin, so blocked callers
     * get ENOTCONN and the loop ends) and the mount detached lazily. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (isMounted(mountPoint)) {
            if (run("fusermount3", "-u", mountPoint.toString()) != 0 && isMounted(mountPoint)) {
                forceDetach(mountPoint);
            }
        }
        closeQuietly(fuse);
        LOG.log(System.Logger.Level.INFO, "control filesystem at {0} unmounted", mountPoint);
    }

    private static void closeQuietly(Fuse fuse) {
        try {
            fuse.close();
        } catch (TimeoutException e) {
            LOG.log(System.Logger.Level.WARNING, "the FUSE loop did not stop within 10 s", e);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "closing jfuse failed", e);
        }
    }

    // ---------------------------------------------------------------- preflight and stale mounts

    private static void preflight(Path devFuse, Path libfuse) {
        if (!Files.exists(devFuse)) {
            throw new CanisterException(Errno.ENOENT, devFuse + " is missing: load the FUSE module with"
                    + " 'modprobe fuse' (in a container, pass the device: --device /dev/fuse)");
        }
        if (!Files.exists(libfuse)) {
            throw new CanisterException(Errno.ENOENT, libfuse + " is missing: install libfuse3 with"
                    + " 'apt-get install fuse3' (scripts/install-deps does it)");
        }
        int euid = effectiveUid();
        if (euid != 0) {
            throw new CanisterException(Errno.EPERM, "canisterd must run as root to serve the control filesystem"
                    + " to every user (allow_other), but runs as uid " + euid + ": start it with sudo");
        }
    }

    /** Effective uid of this process. */
    static int effectiveUid() {
        return Libc.geteuid();
    }

    /** The absolute path as mountinfo shows it: symlinks of the parent resolved, the leaf kept. */
    static Path canonical(Path mountPoint) {
        Path abs = mountPoint.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null) {
            throw new CanisterException(Errno.EBUSY, "cannot mount the control filesystem on /");
        }
        try {
            return parent.toRealPath().resolve(abs.getFileName());
        } catch (IOException e) {
            return abs; // parent does not exist yet: createDirectories makes it, no symlink to resolve
        }
    }

    private enum Probe { LIVE, DEAD, FAILED, HUNG }

    /** Clear stale mounts at {@code mp}; throw EBUSY when something alive is mounted there. */
    static void recoverMountPoint(Path mp) {
        for (int round = 0; round < 8; round++) {
            MountTable.Mount top;
            try {
                top = MountTable.topAt(MountTable.read(), mp.toString());
            } catch (IOException e) {
                throw new CanisterException(Errno.EIO, "cannot read /proc/self/mountinfo: " + e.getMessage());
            }
            if (top == null) {
                return;
            }
            if (!top.isFuse()) {
                throw busy(mp, top);
            }
            boolean ours = top.fsType().equals(FS_TYPE);
            Probe probe = probe(mp);
            switch (probe) {
                case LIVE -> throw ours
                        ? new CanisterException(Errno.EBUSY, "another canisterd is already serving " + mp
                                + ": stop it first (systemctl stop canister) or choose another --mount")
                        : busy(mp, top);
                case DEAD -> {
                    if (!ours) {
                        // Only what Canister mounted is Canister's to unmount (DESIGN.md safety rules).
                        throw new CanisterException(Errno.EBUSY, "a dead " + top.fsType() + " mount that is not "
                                + "Canister's is at " + mp + ": unmount it with 'fusermount3 -u -z " + mp
                                + "' or choose another --mount");
                    }
                    LOG.log(System.Logger.Level.WARNING, "recovering a dead Canister mount at {0}", mp);
                }
                case FAILED, HUNG -> {
                    if (!ours) {
                        throw busy(mp, top);
                    }
                    LOG.log(System.Logger.Level.WARNING, "recovering a stale Canister mount at {0} ({1})", mp, probe);
                }
            }
            forceDetach(mp);
        }
        throw new CanisterException(Errno.EBUSY, "could not clear the stale mounts stacked at " + mp
                + ": unmount them with 'fusermount3 -u -z " + mp + "'");
    }

    private static CanisterException busy(Path mp, MountTable.Mount m) {
        return new CanisterException(Errno.EBUSY, "the mount point " + mp + " is busy: a " + m.fsType()
                + " filesystem (" + m.source() + ") is mounted there; unmount it or choose another --mount");
    }

    /**
     * stat the mount point in a helper thread: a FUSE mount whose daemon is stopped (not dead) would
     * block the caller forever. ENOTCONN (the daemon died, the kernel aborted the connection) is DEAD.
     */
    private static Probe probe(Path mp) {
        CompletableFuture<Probe> result = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("canister-mount-probe").start(() -> {
            try {
                Files.readAttributes(mp, BasicFileAttributes.class);
                result.complete(Probe.LIVE);
            } catch (IOException e) {
                String reason = String.valueOf(e.getMessage());
                result.complete(reason.contains("not connected") ? Probe.DEAD : Probe.FAILED);
            } catch (RuntimeException e) {
                result.complete(Probe.FAILED);
            }
        });
        try {
            return result.get(PROBE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return Probe.HUNG; // the thread stays blocked until the abort below ends the request
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CanisterException(Errno.EINTR, "interrupted while probing " + mp);
        } catch (ExecutionException e) {
            return Probe.FAILED;
        }
    }

    /**
     * Abort the FUSE connection and detach the mount: {@code umount -f} calls the filesystem's
     * umount_begin, which for FUSE is fuse_abort_conn (pending and blocked requests fail with ENOTCONN,
     * the daemon's /dev/fuse reads end), then a lazy unmount removes it from the tree even while
     * files are open.
     */
    private static void forceDetach(Path mp) {
        run("umount", "-i", "-f", mp.toString());
        if (!isMounted(mp)) {
            return;
        }
        if (run("fusermount3", "-u", "-z", mp.toString()) != 0 && isMounted(mp)) {
            run("umount", "-i", "-l", mp.toString());
        }
    }

    /** True when a FUSE mount of ours is the topmost mount at {@code mp}. */
    static boolean isMounted(Path mp) {
        try {
            MountTable.Mount top = MountTable.topAt(MountTable.read(), mp.toString());
            return top != null && top.fsType().equals(FS_TYPE);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Run a command, return its exit status (-1 when it could not run or did not finish within 10 s);
     * its output goes to the log. The output is drained on a separate thread so a command that keeps
     * its pipe open cannot block the daemon past the timeout.
     */
    private static int run(String... command) {
        String cmd = String.join(" ", command);
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            CompletableFuture<String> out = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try (InputStream in = p.getInputStream()) {
                    out.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8).trim());
                } catch (IOException e) {
                    out.complete(e.getMessage());
                }
            });
            if (!p.waitFor(COMMAND_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                LOG.log(System.Logger.Level.WARNING, "{0} did not finish within 10 s", cmd);
                return -1;
            }
            if (p.exitValue() != 0) {
                LOG.log(System.Logger.Level.DEBUG, "{0} exited {1}: {2}", cmd, p.exitValue(), out.getNow(""));
            }
            return p.exitValue();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "{0} could not run: {1}", cmd, e.getMessage());
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
