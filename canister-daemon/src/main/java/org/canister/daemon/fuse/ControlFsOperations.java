package org.canister.daemon.fuse;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import org.canister.core.CanisterException;
import org.canister.core.Errno;
import org.canister.core.fs.Caller;
import org.canister.core.fs.ControlFs;
import org.canister.core.fs.DirNode;
import org.canister.core.fs.FileNode;
import org.canister.core.fs.Node;
import org.canister.core.fs.OpenFile;
import org.canister.core.fs.OpenFlags;
import org.cryptomator.jfuse.api.DirFiller;
import org.cryptomator.jfuse.api.FileInfo;
import org.cryptomator.jfuse.api.FuseConfig;
import org.cryptomator.jfuse.api.FuseConnInfo;
import org.cryptomator.jfuse.api.FuseOperations;
import org.cryptomator.jfuse.api.Stat;
import org.cryptomator.jfuse.api.Statvfs;

/**
 * The FUSE high-level operations over a {@link ControlFs}: every request resolves its path in the
 * model, asks the node, and turns a {@link CanisterException} into {@code -errno}, which the kernel
 * hands to the caller's system call unchanged.
 *
 * <p>FUSE rules this class follows (Linux fs/fuse, libfuse 3):
 * <ul>
 *   <li>No {@code default_permissions}: the kernel does no mode checks, so each node's {@code open}
 *       decides (a mode cannot say "holds CAP_AUDIT_CONTROL").</li>
 *   <li>O_TRUNC: with FUSE_CAP_ATOMIC_O_TRUNC (requested in {@link #init}) the kernel passes O_TRUNC
 *       to FUSE_OPEN and sends no setattr; the adapter then calls {@link OpenFile#truncate} at once, so
 *       {@code echo x > f} is seen the same as on a kernel without the capability, where a path
 *       truncate follows the open. {@code dd}, Python and Go open without O_TRUNC and see no truncate.</li>
 *   <li>{@code close(2)} returns what FLUSH returned; RELEASE's result is lost, so it never fails.</li>
 *   <li>An exception must never leave a FUSE upcall (it would end the JVM): everything is caught, and
 *       an unexpected one becomes EIO and is logged.</li>
 * </ul>
 * Open files are kept in a handle table keyed by {@code fuse_file_info.fh}; calls on one handle are
 * serialized (a process may share one fd between threads), different handles run in parallel.
 */
final class ControlFsOperations implements FuseOperations {
    private static final System.Logger LOG = System.getLogger(ControlFsOperations.class.getName());
    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;

    private final ControlFs fs;
    private final CallerSource callers;
    private final org.cryptomator.jfuse.api.Errno fuseErrno;
    private final Instant mountTime;
    private final Map<Long, Handle> handles = new ConcurrentHashMap<>();
    private final AtomicLong nextFh = new AtomicLong(1);
    private volatile boolean atomicOTrunc;
    private volatile boolean directIo;

    /** One open of a control file. */
    private record Handle(String path, FileNode node, OpenFile file, int flags) {
    }

    ControlFsOperations(ControlFs fs, CallerSource callers, org.cryptomator.jfuse.api.Errno fuseErrno,
                        Instant mountTime) {
        this.fs = Objects.requireNonNull(fs, "fs");
        this.callers = Objects.requireNonNull(callers, "callers");
        this.fuseErrno = fuseErrno;
        this.mountTime = Objects.requireNonNull(mountTime, "mountTime");
    }

    @Override
    public org.cryptomator.jfuse.api.Errno errno() {
        return fuseErrno;
    }

    @Override
    public Set<Operation> supportedOperations() {
        return EnumSet.of(Operation.INIT, Operation.GET_ATTR, Operation.STATFS,
                Operation.OPEN_DIR, Operation.READ_DIR, Operation.RELEASE_DIR,
                Operation.OPEN, Operation.CREATE, Operation.READ, Operation.WRITE, Operation.TRUNCATE,
                Operation.FLUSH, Operation.FSYNC, Operation.RELEASE);
    }

    /** Number of open file handles (released handles are forgotten). */
    int openHandles() {
        return handles.size();
    }

    /** True once the kernel agreed to pass O_TRUNC to open instead of a separate setattr. */
    boolean atomicOTrunc() {
        return atomicOTrunc;
    }

    /** True once libfuse was told to open every file with direct I/O. */
    boolean directIo() {
        return directIo;
    }

    @Override
    public void init(FuseConnInfo conn, FuseConfig cfg) {
        try {
            directIo = cfg != null && JfuseDirectIo.enable(cfg);
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.ERROR, "FUSE init: could not enable direct_io", t);
        }
        try {
            if ((conn.capable() & FuseConnInfo.FUSE_CAP_ATOMIC_O_TRUNC) != 0) {
                conn.setWant(conn.want() | FuseConnInfo.FUSE_CAP_ATOMIC_O_TRUNC);
                atomicOTrunc = true;
            }
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.WARNING, "FUSE init: could not request FUSE_CAP_ATOMIC_O_TRUNC", t);
        }
    }

    @Override
    public int getattr(String path, Stat stat, FileInfo fi) {
        return guard("getattr", path, () -> {
            Handle h = fi == null ? null : handles.get(fi.getFh());
            Node node = h != null && h.path.equals(path) ? h.node : fs.resolveExisting(path);
            fill(stat, node);
            return 0;
        });
    }

    private void fill(Stat stat, Node node) {
        switch (node) {
            case DirNode dir -> {
                stat.setMode(S_IFDIR | (dir.mode() & 07777));
                stat.setNLink((short) 2);
                stat.setSize(0);
            }
            case FileNode file -> {
                stat.setMode(S_IFREG | (file.mode() & 07777));
                stat.setNLink((short) 1);
                stat.setSize(Math.max(0, file.size()));
            }
        }
        stat.setUid(0);
        stat.setGid(0);
        stat.aTime().set(mountTime);
        stat.mTime().set(mountTime);
        stat.cTime().set(mountTime);
    }

    @Override
    public int statfs(String path, Statvfs statvfs) {
        return guard("statfs", path, () -> {
            statvfs.setBsize(4096);
            statvfs.setFrsize(4096);
            statvfs.setBlocks(0);
            statvfs.setBfree(0);
            statvfs.setBavail(0);
            statvfs.setNameMax(ControlFs.NAME_MAX);
            return 0;
        });
    }

    @Override
    public int opendir(String path, FileInfo fi) {
        return guard("opendir", path, () -> {
            if (!(fs.resolveExisting(path) instanceof DirNode)) {
                throw new CanisterException(Errno.ENOTDIR, path + " is a file, not a directory");
            }
            return 0;
        });
    }

    @Override
    public int readdir(String path, DirFiller filler, long offset, FileInfo fi, int flags) {
        return guard("readdir", path, () -> {
            if (!(fs.resolveExisting(path) instanceof DirNode dir)) {
                throw new CanisterException(Errno.ENOTDIR, path + " is a file, not a directory");
            }
            List<String> names = dir.list();
            // Offset 0 for every entry: libfuse collects the whole listing in one call per opendir and
            // serves the kernel's getdents from that buffer, so one readdir is one consistent snapshot.
            if (filler.fill(".", s -> { }, 0, 0) != 0 || filler.fill("..", s -> { }, 0, 0) != 0) {
                return -Errno.ENOMEM.number();
            }
            for (String name : names) {
                if (filler.fill(name, s -> { }, 0, 0) != 0) {
                    return -Errno.ENOMEM.number();
                }
            }
            return 0;
        });
    }

    @Override
    public int releasedir(String path, FileInfo fi) {
        return 0;
    }

    @Override
    public int open(String path, FileInfo fi) {
        return guard("open", path, () -> {
            Node node = fs.resolveExisting(path);
            if (!(node instanceof FileNode file)) {
                throw new CanisterException(Errno.EISDIR, path + " is a directory");
            }
            return register(path, file, fi);
        });
    }

    @Override
    public int create(String path, int mode, FileInfo fi) {
        return guard("create", path, () -> {
            int slash = path.lastIndexOf('/');
            String parentPath = slash <= 0 ? "/" : path.substring(0, slash);
            String name = path.substring(slash + 1);
            if (!(fs.resolveExisting(parentPath) instanceof DirNode dir)) {
                throw new CanisterException(Errno.ENOTDIR, parentPath + " is a file, not a directory");
            }
            FileNode file = dir.create(callers.current(), name, mode & 07777);
            return register(path, file, fi);
        });
    }

    /** Open {@code file} for the current caller, apply O_TRUNC, and store the handle in {@code fi}. */
    private int register(String path, FileNode file, FileInfo fi) {
        int flags = fi.getFlags();
        Caller caller = callers.current();
        OpenFile open = file.open(caller, flags);
        if (OpenFlags.truncates(flags)) {
            try {
                open.truncate(caller, 0);
            } catch (RuntimeException e) {
                releaseQuietly(path, open);
                throw e;
            }
        }
        long fh = nextFh.getAndIncrement();
        handles.put(fh, new Handle(path, file, open, flags));
        fi.setFh(fh);
        return 0;
    }

    @Override
    public int read(String path, ByteBuffer buf, long size, long offset, FileInfo fi) {
        return guard("read", path, () -> {
            Handle h = handle(fi);
            int want = (int) Math.min(size, buf.remaining());
            byte[] data;
            synchronized (h) {
                data = h.file.read(callers.current(), offset, want);
            }
            int n = Math.min(data.length, want);
            buf.put(data, 0, n);
            return n;
        });
    }

    @Override
    public int write(String path, ByteBuffer buf, long size, long offset, FileInfo fi) {
        return guard("write", path, () -> {
            Handle h = handle(fi);
            byte[] data = new byte[(int) Math.min(size, buf.remaining())];
            buf.get(data);
            int n;
            synchronized (h) {
                n = h.file.write(callers.current(), offset, data);
            }
            if (n < 0 || n > data.length) {
                LOG.log(System.Logger.Level.WARNING, "control file {0} claimed {1} of {2} bytes written",
                        path, n, data.length);
                return -Errno.EIO.number();
            }
            return n;
        });
    }

    @Override
    public int truncate(String path, long size, FileInfo fi) {
        return guard("truncate", path, () -> {
            if (size < 0) {
                throw new CanisterException(Errno.EINVAL, "negative size");
            }
            Handle h = fi == null ? null : handles.get(fi.getFh());
            if (h != null) {
                // ftruncate(2) on an open file.
                synchronized (h) {
                    h.file.truncate(callers.current(), size);
                }
                return 0;
            }
            // truncate(2) by path, or the setattr that follows an O_TRUNC open on a kernel without
            // atomic O_TRUNC: a short-lived open for writing, so the node checks permission and size
            // exactly as for an open file. It is released without flush: nothing is committed.
            Node node = fs.resolveExisting(path);
            if (!(node instanceof FileNode file)) {
                throw new CanisterException(Errno.EISDIR, path + " is a directory");
            }
            Caller caller = callers.current();
            OpenFile open = file.open(caller, OpenFlags.O_WRONLY);
            try {
                open.truncate(caller, size);
            } finally {
                releaseQuietly(path, open);
            }
            return 0;
        });
    }

    @Override
    public int flush(String path, FileInfo fi) {
        return guard("flush", path, () -> {
            Handle h = handle(fi);
            synchronized (h) {
                h.file.flush(callers.current());
            }
            return 0;
        });
    }

    @Override
    public int fsync(String path, int datasync, FileInfo fi) {
        // Control files have nothing to write back; a transaction commits at flush/release.
        return 0;
    }

    @Override
    public int release(String path, FileInfo fi) {
        Handle h = fi == null ? null : handles.remove(fi.getFh());
        if (h != null) {
            synchronized (h) {
                releaseQuietly(path, h.file);
            }
        }
        return 0;
    }

    private static void releaseQuietly(String path, OpenFile open) {
        try {
            open.release();
        } catch (Throwable t) {
            // release(2)'s result never reaches anyone (DESIGN.md, FUSE facts); log for the operator.
            LOG.log(System.Logger.Level.WARNING, "release of " + path + " failed", t);
        }
    }

    private Handle handle(FileInfo fi) {
        Handle h = fi == null ? null : handles.get(fi.getFh());
        if (h == null) {
            throw new CanisterException(Errno.EBADF, "unknown file handle");
        }
        return h;
    }

    /**
     * Run one operation: a CanisterException becomes its -errno, anything else -EIO (logged). Catches
     * Throwable on purpose: an exception escaping an FFM upcall terminates the JVM.
     */
    private static int guard(String op, String path, IntSupplier body) {
        try {
            return body.getAsInt();
        } catch (CanisterException e) {
            return e.errno() == null ? -Errno.EIO.number() : -e.errno().number();
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.ERROR, "FUSE " + op + " " + path + " failed unexpectedly", t);
            return -Errno.EIO.number();
        }
    }
}
