package org.canister.daemon.contid;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import org.canister.core.contid.AuditEvent;
import org.canister.core.contid.AuditRecord;
import org.canister.core.contid.AuditStamp;
import org.canister.core.contid.ContidRecords;

/**
 * Appends Canister's own audit events to a log file in auditd's text framing
 * ({@code type=<NAME> msg=audit(<sec>.<msec>:<serial>): <body>}, one line per record), on a writer
 * thread of its own.
 *
 * <h2>Why a thread and a bounded queue</h2>
 * Events are produced under the daemon's model lock (a set attempt on a FUSE thread, a drop while the
 * proc tracker applies an exit), and the order of the queue is the order of their stamps. File I/O
 * must never run under that lock: a slow disk would stall the proc tracker and every control file. So
 * producers only {@link #offer} (never blocking); the writer thread formats and writes. When the
 * queue is full the event is not written and is <em>counted</em> ({@link #lost()}, in {@code status});
 * as soon as the writer has room again it writes one {@code DAEMON_ERR op=lost} record saying how many
 * were lost, as auditd and the kernel do for their own losses. Nothing is dropped silently.
 *
 * <h2>Durability (fsync policy)</h2>
 * Each batch is one {@code write(2)} to a file opened {@code O_APPEND}: once written, a record
 * survives a crash of the daemon (kill -9), since it sits in the page cache. Against power loss the
 * writer calls {@code fdatasync} at most once per {@code fsyncIntervalMs} while events keep arriving,
 * and once at {@link #close()}: auditd's {@code flush = INCREMENTAL_ASYNC} with a time-based
 * frequency. An interval of 0 syncs after every batch (auditd {@code flush = SYNC}).
 *
 * <p>The file is created with mode 0600 and its directory with 0750 (as auditd's log), and is never
 * truncated. Rotation is not done here.
 */
public final class AuditLogWriter implements AutoCloseable {
    /** auditd's {@code AUDIT_DAEMON_ERR}: the daemon's own failures, known to stock ausearch. */
    public static final int DAEMON_ERR = 1209;

    private static final int BATCH = 1024;
    private static final long IDLE_POLL_MS = 100;

    private final Path file;
    private final ContidRecords.Naming naming;
    private final ArrayBlockingQueue<AuditEvent> queue;
    private final long fsyncIntervalNs;
    private final LongFunction<AuditStamp> lossStamps;
    private final PrintStream diagnostics;
    private final FileChannel channel;
    private final Thread thread;
    private final AtomicLong offered = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private final AtomicLong writeErrors = new AtomicLong();
    private final AtomicLong fsyncs = new AtomicLong();
    private final Object progress = new Object();
    /** Events the writer has taken from the queue and finished with (written or counted lost). */
    private long done;
    private long lostReported;
    private volatile boolean running = true;
    private volatile boolean closed;

    private AuditLogWriter(Path file, ContidRecords.Naming naming, int capacity, long fsyncIntervalMs,
                           LongFunction<AuditStamp> lossStamps, PrintStream diagnostics, FileChannel channel) {
        this.file = file;
        this.naming = naming;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.fsyncIntervalNs = TimeUnit.MILLISECONDS.toNanos(fsyncIntervalMs);
        this.lossStamps = lossStamps;
        this.diagnostics = diagnostics;
        this.channel = channel;
        this.thread = Thread.ofPlatform().name("canister-audit-log").daemon(true).unstarted(this::loop);
    }

    /** Opens the writer once the stamp source for its loss records exists. */
    @FunctionalInterface
    public interface Factory {
        AuditLogWriter open(LongFunction<AuditStamp> lossStamps) throws IOException;
    }

    /**
     * Open (creating it and its directories if needed) and start the writer thread.
     *
     * @param lossStamps  stamps for the {@code op=lost} record, called on the writer thread with the
     *                    wall clock (it must take the model lock around the daemon's stamp source)
     * @param diagnostics where write failures are reported for the operator
     * @throws IOException when the directory or file cannot be created or opened
     */
    public static AuditLogWriter open(Path file, ContidRecords.Naming naming, int capacity, long fsyncIntervalMs,
                                      LongFunction<AuditStamp> lossStamps, PrintStream diagnostics) throws IOException {
        Objects.requireNonNull(naming, "naming");
        Objects.requireNonNull(lossStamps, "lossStamps");
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            try {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-x---")));
            } catch (FileAlreadyExistsException e) {
                throw new IOException(dir + " exists and is not a directory", e);
            }
        }
        FileChannel ch = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        AuditLogWriter w = new AuditLogWriter(file, naming, capacity, fsyncIntervalMs, lossStamps, diagnostics, ch);
        w.thread.start();
        return w;
    }

    /** The log file. */
    public Path file() {
        return file;
    }

    /** The {@code type=} naming in use. */
    public ContidRecords.Naming naming() {
        return naming;
    }

    /**
     * Queue one event; never blocks. Call in stamp order (under the model lock, where stamps are made).
     *
     * @return false when the queue was full or the writer closed: the event is counted in {@link #lost()}
     */
    public boolean offer(AuditEvent event) {
        if (closed || !queue.offer(event)) {
            lost.incrementAndGet();
            return false;
        }
        offered.incrementAndGet();
        return true;
    }

    /** {@link #offer} each event in order. */
    public void offerAll(List<AuditEvent> events) {
        for (AuditEvent e : events) {
            offer(e);
        }
    }

    /**
     * Wait until every event offered before this call has been written (or counted lost).
     *
     * @return false on timeout
     */
    public boolean flush(long timeoutMs) throws InterruptedException {
        long target = offered.get();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        synchronized (progress) {
            while (done < target) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(progress, left);
            }
        }
        return true;
    }

    /** Events written to the file. */
    public long written() {
        return written.get();
    }

    /** Events not written: queue full, writer closed, or the write failed. */
    public long lost() {
        return lost.get();
    }

    /** Failed write(2)/fdatasync calls. */
    public long writeErrors() {
        return writeErrors.get();
    }

    /** fdatasync calls made. */
    public long fsyncs() {
        return fsyncs.get();
    }

    /** Events waiting for the writer. */
    public int queued() {
        return queue.size();
    }

    private void loop() {
        List<AuditEvent> batch = new ArrayList<>(BATCH);
        StringBuilder text = new StringBuilder(64 * 1024);
        long lastSync = System.nanoTime();
        boolean dirty = false;
        while (true) {
            batch.clear();
            try {
                AuditEvent first = queue.poll(IDLE_POLL_MS, TimeUnit.MILLISECONDS);
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, BATCH - 1);
                }
            } catch (InterruptedException e) {
                // close() interrupts only after running=false; drain what is left below.
            }
            if (batch.isEmpty() && !running && queue.isEmpty()) {
                break;
            }
            text.setLength(0);
            long lostNow = lost.get();
            if (lostNow > lostReported) {
                // Said as soon as there is room again: how many events never reached the file.
                AuditRecord r = new AuditRecord(DAEMON_ERR, "DAEMON_ERR", "op=lost events=" + (lostNow - lostReported)
                        + " total=" + lostNow + " file=" + quoted(file.toString()) + " res=0");
                text.append(ContidRecords.format(new AuditEvent(lossStamps.apply(System.currentTimeMillis()),
                        List.of(r)), ContidRecords.Naming.NAMES));
                lostReported = lostNow;
            }
            for (AuditEvent e : batch) {
                text.append(ContidRecords.format(e, naming));
            }
            if (!text.isEmpty()) {
                if (writeFully(text)) {
                    written.addAndGet(batch.size());
                    dirty = true;
                } else {
                    lost.addAndGet(batch.size());
                    // The loss record itself was not written either: say it again next time.
                    lostReported = Math.min(lostReported, lostNow);
                }
            }
            long now = System.nanoTime();
            if (dirty && (now - lastSync >= fsyncIntervalNs || !running)) {
                sync();
                lastSync = now;
                dirty = false;
            }
            synchronized (progress) {
                done += batch.size();
                progress.notifyAll();
            }
        }
        if (dirty) {
            sync();
        }
        synchronized (progress) {
            progress.notifyAll();
        }
    }

    private boolean writeFully(StringBuilder text) {
        ByteBuffer b = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
        try {
            while (b.hasRemaining()) {
                channel.write(b);
            }
            return true;
        } catch (IOException e) {
            writeErrors.incrementAndGet();
            diagnostics.println("canister: cannot append to " + file + ": " + e.getMessage()
                    + " (events are counted as lost; free space or fix permissions)");
            return false;
        }
    }

    private void sync() {
        try {
            channel.force(false);
            fsyncs.incrementAndGet();
        } catch (IOException e) {
            writeErrors.incrementAndGet();
            diagnostics.println("canister: fdatasync of " + file + " failed: " + e.getMessage());
        }
    }

    /** Write what is queued, fdatasync, close. Later offers are counted lost. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        running = false;
        try {
            thread.join(10_000);
            if (thread.isAlive()) {
                thread.interrupt();
                thread.join(2_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            channel.close();
        } catch (IOException e) {
            diagnostics.println("canister: closing " + file + " failed: " + e.getMessage());
        }
    }

    /** The file name as the kernel quotes untrusted strings. */
    private static String quoted(String s) {
        StringBuilder b = new StringBuilder();
        ContidRecords.appendUntrusted(b, s);
        return b.toString();
    }
}
