package org.canister.daemon.audit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The free space of the file system holding the logs, checked at most once per second (time is a
 * parameter), as auditd checks {@code space_left} and {@code disk_full} before writing.
 *
 * <ul>
 *   <li>{@link Level#FULL}: fewer than {@code fullBytes} usable (or statfs failed): a write would
 *       fail with ENOSPC or leave a partial record.</li>
 *   <li>{@link Level#LOW}: fewer than {@code spaceLeftBytes} usable (auditd's {@code space_left}).</li>
 *   <li>{@link Level#OK}: otherwise.</li>
 * </ul>
 * Usable space is what an unprivileged writer may use ({@code f_bavail}); root could use the
 * reserved blocks too, but those are the file system's reserve, not the log's.
 */
public final class DiskGuard {

    /** Where the space stands. */
    public enum Level { OK, LOW, FULL }

    /** Usable bytes of a directory's file system. */
    @FunctionalInterface
    public interface FreeSpace {
        long usableBytes(Path dir) throws IOException;

        /** The real file system ({@code statfs f_bavail * f_bsize}). */
        FreeSpace STATFS = dir -> Files.getFileStore(dir).getUsableSpace();
    }

    private static final long CHECK_PERIOD_NS = 1_000_000_000L;

    private final Path dir;
    private final FreeSpace free;
    private final long spaceLeftBytes;
    private final long fullBytes;
    private long lastCheckNs = Long.MIN_VALUE;
    private long usable = Long.MAX_VALUE;
    private volatile Level level = Level.OK;

    public DiskGuard(Path dir, FreeSpace free, long spaceLeftBytes, long fullBytes) {
        this.dir = dir;
        this.free = free;
        this.spaceLeftBytes = spaceLeftBytes;
        this.fullBytes = fullBytes;
    }

    /** The level at {@code nowNs}, re-reading the file system when the last look is a second old. */
    public Level level(long nowNs) {
        if (lastCheckNs == Long.MIN_VALUE || nowNs - lastCheckNs >= CHECK_PERIOD_NS) {
            recheck(nowNs);
        }
        return level;
    }

    /** Reads the file system now (after a write failed with ENOSPC). */
    public Level recheck(long nowNs) {
        lastCheckNs = nowNs;
        try {
            usable = free.usableBytes(dir);
        } catch (IOException | RuntimeException e) {
            usable = 0;
        }
        level = usable < fullBytes ? Level.FULL : usable < spaceLeftBytes ? Level.LOW : Level.OK;
        return level;
    }

    /** Usable bytes at the last check. */
    public long usableBytes() {
        return usable;
    }

    /** The level at the last check (for status, from any thread). */
    public Level lastLevel() {
        return level;
    }

    /** The directory whose file system is watched. */
    public Path dir() {
        return dir;
    }
}
