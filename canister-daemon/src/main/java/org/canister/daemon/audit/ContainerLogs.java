package org.canister.daemon.audit;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The per-container logs {@code <dir>/<contid>/audit.log}, each a {@link RotatingLog} with the
 * host log's policy, at most {@code maxOpen} open at once (the least recently written is closed
 * first; reopening appends). Router thread only.
 */
public final class ContainerLogs implements AutoCloseable {
    private final Path dir;
    private final LogPolicy policy;
    private final DiskGuard disk;
    private final RotatingLog.ResumeRecord resume;
    private final PrintStream diag;
    private final int maxOpen;
    private final LinkedHashMap<Long, RotatingLog> open;
    private final List<RotatingLog> touched = new ArrayList<>();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong rotations = new AtomicLong();
    private long lostOfClosed;
    private long writtenOfClosed;
    private long errorsOfClosed;
    private long rotationsOfClosed;

    public ContainerLogs(Path dir, LogPolicy policy, DiskGuard disk, RotatingLog.ResumeRecord resume, PrintStream diag,
                         int maxOpen) {
        this.dir = dir;
        this.policy = policy;
        this.disk = disk;
        this.resume = resume;
        this.diag = diag;
        this.maxOpen = maxOpen;
        this.open = new LinkedHashMap<>(16, 0.75f, true);
    }

    /** The log file of one container. */
    public Path fileOf(long contid) {
        return dir.resolve(Long.toUnsignedString(contid)).resolve("audit.log");
    }

    /** Queues one event's lines for a container's log. */
    public void append(long contid, byte[] event) {
        RotatingLog log = open.get(contid);
        if (log == null) {
            if (open.size() >= maxOpen) {
                evictEldest();
            }
            try {
                log = RotatingLog.open(fileOf(contid), policy, disk, resume, diag);
            } catch (IOException e) {
                errorsOfClosed++;
                lostOfClosed++;
                publish();
                diag.println("canister: cannot open " + fileOf(contid) + ": " + e.getMessage());
                return;
            }
            open.put(contid, log);
        }
        if (!log.hasBuffered() && log.suspendedCause() == null) {
            touched.add(log);
        }
        log.append(event);
    }

    private void evictEldest() {
        Iterator<Map.Entry<Long, RotatingLog>> it = open.entrySet().iterator();
        RotatingLog eldest = it.next().getValue();
        it.remove();
        touched.remove(eldest);
        eldest.close();
        writtenOfClosed += eldest.written();
        lostOfClosed += eldest.lost();
        errorsOfClosed += eldest.errors();
        rotationsOfClosed += eldest.rotations();
    }

    /** Writes every log that got events since the last flush; lets suspended ones check for resumption. */
    public void flush(long nowNs) {
        for (RotatingLog log : touched) {
            log.flush(nowNs);
        }
        touched.clear();
        for (RotatingLog log : open.values()) {
            if (log.suspendedCause() != null) {
                log.flush(nowNs);
            }
        }
        publish();
    }

    /** fdatasync of every open log written since its last sync. */
    public void sync() {
        for (RotatingLog log : open.values()) {
            log.sync();
        }
    }

    private void publish() {
        long w = writtenOfClosed;
        long l = lostOfClosed;
        long e = errorsOfClosed;
        long r = rotationsOfClosed;
        for (RotatingLog log : open.values()) {
            w += log.written();
            l += log.lost();
            e += log.errors();
            r += log.rotations();
        }
        written.set(w);
        lost.set(l);
        errors.set(e);
        rotations.set(r);
    }

    /** Events written to container logs. */
    public long written() {
        return written.get();
    }

    /** Events container logs could not write. */
    public long lost() {
        return lost.get();
    }

    /** Failed opens, writes and syncs. */
    public long errors() {
        return errors.get();
    }

    /** Rotations of container logs. */
    public long rotations() {
        return rotations.get();
    }

    /** Logs open now. */
    public int openCount() {
        return open.size();
    }

    @Override
    public void close() {
        for (RotatingLog log : open.values()) {
            log.close();
        }
        publish();
        open.clear();
    }
}
