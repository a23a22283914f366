package org.canister.daemon.audit;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One audit log file with auditd's rotation and disk-space actions, written by the router thread
 * only.
 *
 * <h2>Writes and durability</h2>
 * Events are {@link #append appended} to a memory buffer and written with one {@code write(2)} per
 * router batch ({@link #flush}), on a file opened {@code O_APPEND}, mode 0600 in a 0750 directory
 * (as auditd's). Once {@code flush} returned, the records survive a crash of the daemon (they are
 * in the page cache); {@link #sync} ({@code fdatasync}) makes them survive a power loss, and the
 * router calls it at most once per {@code audit.fsync-interval-ms} while events arrive, and at close:
 * auditd's {@code flush = incremental_async} with a time-based frequency.
 *
 * <h2>Suspension and loss</h2>
 * While suspended (disk full, below {@code space_left} with action suspend, or at
 * {@code max_log_file} with action suspend) events are not written and are counted
 * ({@link #lost()}); the log checks once per second whether it may resume (space is back, or
 * someone rotated the file), and the first thing it writes then is the router's DAEMON_RESUME record
 * saying how many events it missed. A write that fails with ENOSPC is undone by truncating the file
 * back to its size before the write, so no partial record is ever left.
 */
public final class RotatingLog implements AutoCloseable {

    /** Builds the DAEMON_RESUME event written first when a suspended log resumes. */
    @FunctionalInterface
    public interface ResumeRecord {
        byte[] render(String cause, long lost, Path file);
    }

    private static final long RESUME_CHECK_NS = 1_000_000_000L;

    private final Path file;
    private final LogPolicy policy;
    private final DiskGuard disk;
    private final ResumeRecord resume;
    private final PrintStream diag;
    private FileChannel channel;
    private long size;
    private byte[] buf = new byte[64 * 1024];
    private int len;
    private int bufferedEvents;
    private boolean dirty;
    /** Why writing is suspended, or null. */
    private volatile String suspended;
    private long lostWhileSuspended;
    private long sizeAtSuspend;
    /** The {@code nowNs} of the flush in progress. */
    private long flushNs;
    private long lastResumeCheckNs = Long.MIN_VALUE;
    private boolean warnedMax;
    private boolean warnedLow;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong rotations = new AtomicLong();
    private final AtomicLong suspensions = new AtomicLong();

    private RotatingLog(Path file, LogPolicy policy, DiskGuard disk, ResumeRecord resume, PrintStream diag) {
        this.file = file;
        this.policy = policy;
        this.disk = disk;
        this.resume = resume;
        this.diag = diag;
    }

    /**
     * Opens (creating it and its directory) the log.
     *
     * @throws IOException when the directory or file cannot be created or opened
     */
    public static RotatingLog open(Path file, LogPolicy policy, DiskGuard disk, ResumeRecord resume, PrintStream diag)
            throws IOException {
        RotatingLog log = new RotatingLog(file, policy, disk, resume, diag);
        log.reopen();
        return log;
    }

    /** The file. */
    public Path file() {
        return file;
    }

    /** Queues one event's lines (written at the next {@link #flush}); counted lost while suspended. */
    public void append(byte[] event) {
        if (suspended != null) {
            lostWhileSuspended++;
            lost.incrementAndGet();
            return;
        }
        if (len + event.length > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + event.length));
        }
        System.arraycopy(event, 0, buf, len, event.length);
        len += event.length;
        bufferedEvents++;
    }

    /** Whether events wait in the buffer. */
    public boolean hasBuffered() {
        return len > 0;
    }

    /**
     * Writes the buffered events with one write, after applying the space and size rules; checks a
     * suspension for its end.
     */
    public void flush(long nowNs) {
        flushNs = nowNs;
        if (suspended != null) {
            maybeResume(nowNs);
            if (suspended != null) {
                return;
            }
        }
        if (len == 0) {
            return;
        }
        DiskGuard.Level level = disk.level(nowNs);
        if (level == DiskGuard.Level.FULL && policy.diskFullAction() == LogPolicy.FullAction.SUSPEND) {
            suspend("disk_full", "the file system of " + file + " has " + disk.usableBytes() + " bytes left");
            return;
        }
        if (level != DiskGuard.Level.OK) {
            switch (policy.spaceLeftAction()) {
                case SUSPEND -> {
                    suspend("space_left", "free space on the file system of " + file + " fell below space_left ("
                            + disk.usableBytes() + " bytes left)");
                    return;
                }
                case SYSLOG -> {
                    if (!warnedLow) {
                        warnedLow = true;
                        diag.println("canister: audit log " + file + ": free space below space_left ("
                                + disk.usableBytes() + " bytes left); free space or the log will fill the disk");
                    }
                }
                case IGNORE -> {
                }
            }
        } else {
            warnedLow = false;
        }
        if (policy.maxBytes() > 0 && size > 0 && size + len > policy.maxBytes() && !atMaxSize()) {
            return;
        }
        write(nowNs);
    }

    /** Applies max_log_file_action; false when the buffered events must not be written now. */
    private boolean atMaxSize() {
        switch (policy.maxAction()) {
            case ROTATE, KEEP_LOGS -> {
                try {
                    rotate();
                    return true;
                } catch (IOException e) {
                    errors.incrementAndGet();
                    diag.println("canister: cannot rotate " + file + ": " + e.getMessage() + " (writing on)");
                    return true;
                }
            }
            case SYSLOG -> {
                if (!warnedMax) {
                    warnedMax = true;
                    diag.println("canister: audit log " + file + " reached max_log_file (" + policy.maxBytes()
                            + " bytes); writing on (max_log_file_action=syslog)");
                }
                return true;
            }
            case SUSPEND -> {
                suspend("max_log_file", file + " reached max_log_file (" + policy.maxBytes() + " bytes); rotate or move it");
                return false;
            }
            default -> {
                return true;
            }
        }
    }

    private void write(long nowNs) {
        long before = size;
        ByteBuffer b = ByteBuffer.wrap(buf, 0, len);
        try {
            while (b.hasRemaining()) {
                size += channel.write(b);
            }
            written.addAndGet(bufferedEvents);
            dirty = true;
        } catch (IOException e) {
            errors.incrementAndGet();
            int failed = bufferedEvents;
            len = 0;
            bufferedEvents = 0;
            lost.addAndGet(failed);
            boolean noSpace = isNoSpace(e) || disk.recheck(nowNs) == DiskGuard.Level.FULL;
            undoPartial(before);
            if (noSpace && policy.diskFullAction() == LogPolicy.FullAction.SUSPEND) {
                suspend("disk_full", "writing " + file + " failed: " + e.getMessage());
                lostWhileSuspended += failed;
            } else {
                diag.println("canister: cannot append to " + file + ": " + e.getMessage() + " (" + failed
                        + " events counted as lost)");
            }
        }
        len = 0;
        bufferedEvents = 0;
    }

    private void undoPartial(long before) {
        try {
            if (channel.size() > before) {
                channel.truncate(before);
            }
            size = channel.size();
        } catch (IOException e) {
            size = before;
        }
    }

    private static boolean isNoSpace(IOException e) {
        String m = e.getMessage();
        return m != null && (m.contains("No space left") || m.contains("Disk quota exceeded"));
    }

    private void suspend(String cause, String why) {
        if (suspended == null) {
            suspensions.incrementAndGet();
            sizeAtSuspend = size;
            lastResumeCheckNs = flushNs;
            diag.println("canister: suspending audit log " + file + ": " + why + "; events are counted as lost until"
                    + " it can be written again");
        }
        suspended = cause;
        lost.addAndGet(bufferedEvents);
        lostWhileSuspended += bufferedEvents;
        len = 0;
        bufferedEvents = 0;
    }

    private void maybeResume(long nowNs) {
        if (lastResumeCheckNs != Long.MIN_VALUE && nowNs - lastResumeCheckNs < RESUME_CHECK_NS) {
            return;
        }
        lastResumeCheckNs = nowNs;
        String cause = suspended;
        boolean ok = switch (cause) {
            case "disk_full" -> disk.recheck(nowNs) != DiskGuard.Level.FULL && disk.usableBytes() >= policy.resumeBytes();
            case "space_left" -> disk.recheck(nowNs) == DiskGuard.Level.OK;
            // someone rotated, truncated or moved the file away since it filled up
            case "max_log_file" -> currentFileSize() < sizeAtSuspend;
            default -> false;
        };
        if (!ok) {
            return;
        }
        try {
            reopen();
        } catch (IOException e) {
            errors.incrementAndGet();
            return;
        }
        long missed = lostWhileSuspended;
        suspended = null;
        lostWhileSuspended = 0;
        warnedLow = false;
        diag.println("canister: audit log " + file + " resumed after " + cause + "; " + missed + " events were not written");
        append(resume.render(cause, missed, file));
    }

    private long currentFileSize() {
        try {
            return Files.size(file);
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }

    /** fdatasync when something was written since the last one. */
    public void sync() {
        if (!dirty || channel == null) {
            return;
        }
        try {
            channel.force(false);
            dirty = false;
        } catch (IOException e) {
            errors.incrementAndGet();
            diag.println("canister: fdatasync of " + file + " failed: " + e.getMessage());
        }
    }

    /**
     * auditd's rotate_logs: audit.log.(n-2) to audit.log.(n-1), ..., audit.log to audit.log.1, a new
     * audit.log; keep_logs shifts every numbered file up without deleting any. With num_logs below
     * 2, rotate keeps no old file (the log starts empty).
     */
    void rotate() throws IOException {
        sync();
        channel.close();
        channel = null;
        boolean keep = policy.maxAction() == LogPolicy.MaxAction.KEEP_LOGS;
        int n = policy.numLogs();
        if (!keep && n < 2) {
            Files.deleteIfExists(file);
        } else {
            int top = keep ? highestIndex() + 1 : n - 1;
            for (int i = top - 1; i >= 1; i--) {
                Path from = numbered(i);
                if (Files.exists(from)) {
                    Files.move(from, numbered(i + 1), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.move(file, numbered(1), StandardCopyOption.REPLACE_EXISTING);
        }
        rotations.incrementAndGet();
        warnedMax = false;
        reopen();
    }

    private int highestIndex() {
        int i = 1;
        while (Files.exists(numbered(i))) {
            i++;
        }
        return i - 1;
    }

    private Path numbered(int i) {
        return file.resolveSibling(file.getFileName() + "." + i);
    }

    private void reopen() throws IOException {
        if (channel != null) {
            channel.close();
        }
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            try {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-x---")));
            } catch (FileAlreadyExistsException e) {
                throw new IOException(dir + " exists and is not a directory", e);
            }
        }
        channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        size = channel.size();
    }

    /** Events written. */
    public long written() {
        return written.get();
    }

    /** Events not written (suspended, or a failed write). */
    public long lost() {
        return lost.get();
    }

    /** Failed writes, syncs, rotations. */
    public long errors() {
        return errors.get();
    }

    /** Rotations done. */
    public long rotations() {
        return rotations.get();
    }

    /** Times writing was suspended. */
    public long suspensions() {
        return suspensions.get();
    }

    /** Why writing is suspended now, or null. */
    public String suspendedCause() {
        return suspended;
    }

    /** Writes what is buffered (unless suspended), fdatasyncs, closes. */
    @Override
    public void close() {
        if (channel == null) {
            return;
        }
        if (suspended == null && len > 0) {
            write(System.nanoTime());
        }
        sync();
        try {
            channel.close();
        } catch (IOException e) {
            errors.incrementAndGet();
        }
        channel = null;
    }
}
