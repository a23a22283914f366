package org.canister.daemon.audit;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.canister.core.audit.AuditEvent;
import org.canister.core.audit.AuditLogFormat;
import org.canister.core.audit.CanisterTypes;
import org.canister.core.audit.DaemonRecords;
import org.canister.core.audit.annotate.SubjectChains;
import org.canister.core.audit.filter.EventFilter;
import org.canister.core.contid.ContidChain;

/**
 * The single writer of Canister's audit output: every source (the kernel reader, the contid
 * registry's CONTAINER_OP and drop events, the daemon's own loss records) {@link #submit}s
 * assembled events; one router thread renders each once and routes it to
 *
 * <ul>
 *   <li>the host log ({@code /var/log/canister/audit.log}: everything, or what its filters keep),</li>
 *   <li>the log of the subject's container, {@code containers/<leaf contid>/audit.log}, and
 *       optionally those of the containers it is nested in,</li>
 *   <li>{@code audit.sock} clients ({@link AuditSocketServer}).</li>
 * </ul>
 *
 * <h2>Nothing blocks the kernel reader</h2>
 * {@link #submit} applies the global drop rules (so dropped events never take queue room) and
 * offers to a bounded queue without waiting. When the queue is full (the disk stalls, the router
 * cannot keep up) the event is counted, and as soon as the router has room again it writes one
 * {@code DAEMON_ERR op=lost cause=queue_full events=<n>} record into the stream. The kernel reader
 * therefore never waits for a disk, and in unicast mode the kernel never waits for the reader.
 *
 * <h2>Durability</h2>
 * Each batch taken from the queue (up to 1024 events) is one {@code write(2)} per file; files are
 * fdatasynced at most once per {@code fsyncIntervalNs} while events arrive, and at close
 * (auditd's {@code flush = incremental_async}). See {@link RotatingLog}.
 */
public final class AuditRouter implements AutoCloseable {

    /**
     * How events are rendered and routed.
     *
     * @param naming             {@code type=} naming of Canister types
     * @param queueCapacity      events between the sources and the router thread
     * @param fsyncIntervalNs    at most one fdatasync per this interval while writing (0: every batch)
     * @param global             drop rules applied in {@link #submit}, before the queue
     * @param host               rules for the host log only
     * @param containers         rules for the container logs only
     * @param socket             rules for the socket only
     * @param containerAncestors also route to the logs of the enclosing containers
     * @param socketEoe          send EOE lines to the socket after events the kernel closed with EOE
     * @param priorityBoost      lower the router thread's nice value by this much (0: leave it)
     * @param batchDelayNs       after writing a batch, wait this long before taking the next (0: at once), so
     *                           a steady trickle is written in fewer, larger writes; the queue holds what
     *                           arrives meanwhile (closing does not wait for it)
     */
    public record Settings(CanisterTypes.Naming naming, int queueCapacity, long fsyncIntervalNs, EventFilter global,
                           EventFilter host, EventFilter containers, EventFilter socket, boolean containerAncestors,
                           boolean socketEoe, int priorityBoost, long batchDelayNs) {
    }

    /** Counters for status and metrics. */
    public record Stats(long submitted, long filtered, long queueDropped, long routed, int queued,
                        long hostWritten, long hostLost, long hostErrors, long hostRotations, String hostSuspended,
                        long containerWritten, long containerLost, long containerErrors, int containerLogsOpen,
                        int socketClients, long socketSent, long socketSlowDisconnects, long socketDropped,
                        long lossRecords) {
    }

    private record Routed(AuditEvent event, ContidChain subject) {
    }

    private static final int BATCH = 1024;
    private static final long IDLE_POLL_MS = 100;

    private final Settings settings;
    private final RotatingLog hostLog;
    private final ContainerLogs containerLogs;
    private final AuditSocketServer socket;
    private final DaemonStamps stamps;
    private final PrintStream diag;
    private final ArrayBlockingQueue<Routed> queue;
    private final Thread thread;
    private final AtomicLong submitted = new AtomicLong();
    private final AtomicLong filtered = new AtomicLong();
    private final AtomicLong queueDropped = new AtomicLong();
    private final AtomicLong routed = new AtomicLong();
    private final AtomicLong lossRecords = new AtomicLong();
    private final Object progress = new Object();
    private long done;
    private long dropsReported;
    private volatile boolean running = true;
    private volatile boolean closed;

    private AuditRouter(Settings settings, RotatingLog hostLog, ContainerLogs containerLogs, AuditSocketServer socket,
                        DaemonStamps stamps, PrintStream diag) {
        this.settings = settings;
        this.hostLog = hostLog;
        this.containerLogs = containerLogs;
        this.socket = socket;
        this.stamps = stamps;
        this.diag = diag;
        this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
        this.thread = Thread.ofPlatform().name("canister-audit-router").daemon(true).unstarted(this::loop);
    }

    /**
     * Starts the router over its sinks (any may be null: not configured). The router owns them
     * from now on and closes them.
     */
    public static AuditRouter start(Settings settings, RotatingLog hostLog, ContainerLogs containerLogs,
                                    AuditSocketServer socket, DaemonStamps stamps, PrintStream diag) {
        AuditRouter r = new AuditRouter(settings, hostLog, containerLogs, socket, stamps, diag);
        r.thread.start();
        return r;
    }

    /**
     * Queues an event whose subject chain the caller knows (the annotator's); never blocks.
     *
     * @param subject the subject's container chain, or null
     * @return false when the global rules dropped it or the queue was full (counted, reported)
     */
    public boolean submit(AuditEvent event, ContidChain subject) {
        AuditEvent kept = settings.global().apply(event, subject);
        if (kept == null) {
            filtered.incrementAndGet();
            return false;
        }
        if (closed || !queue.offer(new Routed(kept, subject))) {
            queueDropped.incrementAndGet();
            return false;
        }
        submitted.incrementAndGet();
        return true;
    }

    /** Queues an event whose subject is read from its own records (CONTAINER_OP, CONTAINER_ID). */
    public boolean submit(AuditEvent event) {
        return submit(event, SubjectChains.subjectOf(event));
    }

    /** {@link #submit(AuditEvent)} of each, in order. */
    public void submitAll(List<AuditEvent> events) {
        for (AuditEvent e : events) {
            submit(e);
        }
    }

    /**
     * Waits until every event submitted before this call has been routed (written, handed to the
     * socket clients, or counted lost).
     *
     * @return false on timeout
     */
    public boolean awaitRouted(long timeoutMs) throws InterruptedException {
        long target = submitted.get();
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

    private void loop() {
        Priority.boost(settings.priorityBoost(), "audit writer", diag);
        List<Routed> batch = new ArrayList<>(BATCH);
        long lastSync = System.nanoTime();
        boolean unsynced = false;
        while (true) {
            batch.clear();
            try {
                Routed first = queue.poll(IDLE_POLL_MS, TimeUnit.MILLISECONDS);
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, BATCH - 1);
                }
            } catch (InterruptedException e) {
                // close() interrupts only after running=false; what is left is drained below
            }
            if (batch.isEmpty() && !running && queue.isEmpty()) {
                break;
            }
            long nowNs = System.nanoTime();
            try {
                reportDrops();
                for (Routed r : batch) {
                    route(r);
                }
                if (hostLog != null) {
                    hostLog.flush(nowNs);
                }
                if (containerLogs != null) {
                    containerLogs.flush(nowNs);
                }
                unsynced |= !batch.isEmpty();
                if (unsynced && nowNs - lastSync >= settings.fsyncIntervalNs()) {
                    sync();
                    lastSync = nowNs;
                    unsynced = false;
                }
            } catch (RuntimeException e) {
                diag.println("canister: audit router: " + e);
            }
            routed.addAndGet(batch.size());
            synchronized (progress) {
                done += batch.size();
                progress.notifyAll();
            }
            if (!batch.isEmpty() && settings.batchDelayNs() > 0 && running && batch.size() < BATCH) {
                // Each batch costs a write(2) per file it touches (the host log and one per container); a short
                // wait lets the next batch gather more events for the same writes.
                java.util.concurrent.locks.LockSupport.parkNanos(settings.batchDelayNs());
            }
        }
        sync();
        synchronized (progress) {
            progress.notifyAll();
        }
    }

    /** When the queue overflowed since the last report: one DAEMON_ERR with the count, first in the batch. */
    private void reportDrops() {
        long dropped = queueDropped.get();
        if (dropped > dropsReported) {
            long n = dropped - dropsReported;
            dropsReported = dropped;
            AuditEvent loss = DaemonRecords.pipelineLoss(stamps.next(System.currentTimeMillis()), "queue_full", n);
            lossRecords.incrementAndGet();
            diag.println("canister: audit queue was full: " + n + " events were not written");
            route(new Routed(loss, null));
        }
    }

    private void route(Routed r) {
        AuditEvent event = r.event();
        ContidChain subject = r.subject();
        byte[] full = null;
        if (hostLog != null) {
            AuditEvent h = settings.host().apply(event, subject);
            if (h != null) {
                full = h == event ? render(event, false) : null;
                hostLog.append(full != null ? full : render(h, false));
            }
        }
        if (containerLogs != null && subject != null) {
            AuditEvent c = settings.containers().apply(event, subject);
            if (c != null) {
                byte[] bytes;
                if (c == event) {
                    full = full != null ? full : render(event, false);
                    bytes = full;
                } else {
                    bytes = render(c, false);
                }
                containerLogs.append(subject.leaf(), bytes);
                if (settings.containerAncestors()) {
                    for (int i = 1; i < subject.depth(); i++) {
                        containerLogs.append(subject.id(i), bytes);
                    }
                }
            }
        }
        if (socket != null && socket.hasClients()) {
            AuditEvent s = settings.socket().apply(event, subject);
            if (s != null) {
                boolean eoe = settings.socketEoe() && s.completion() == AuditEvent.Completion.EOE;
                byte[] bytes;
                if (s == event && !eoe) {
                    full = full != null ? full : render(event, false);
                    bytes = full;
                } else {
                    bytes = render(s, eoe);
                }
                socket.publish(bytes);
            }
        }
    }

    private byte[] render(AuditEvent e, boolean eoe) {
        return AuditLogFormat.eventBytes(e, settings.naming(), eoe);
    }

    /** The DAEMON_RESUME records resumed logs write first, stamped by {@code stamps}. */
    public static RotatingLog.ResumeRecord resumeRecords(DaemonStamps stamps, CanisterTypes.Naming naming) {
        return (cause, lost, file) -> AuditLogFormat.eventBytes(
                DaemonRecords.resumed(stamps.next(System.currentTimeMillis()), cause, lost, file.toString()), naming, false);
    }

    private void sync() {
        if (hostLog != null) {
            hostLog.sync();
        }
        if (containerLogs != null) {
            containerLogs.sync();
        }
    }

    /** Counters, from any thread. */
    public Stats stats() {
        return new Stats(submitted.get(), filtered.get(), queueDropped.get(), routed.get(), queue.size(),
                hostLog == null ? 0 : hostLog.written(), hostLog == null ? 0 : hostLog.lost(),
                hostLog == null ? 0 : hostLog.errors(), hostLog == null ? 0 : hostLog.rotations(),
                hostLog == null ? null : hostLog.suspendedCause(),
                containerLogs == null ? 0 : containerLogs.written(), containerLogs == null ? 0 : containerLogs.lost(),
                containerLogs == null ? 0 : containerLogs.errors(), containerLogs == null ? 0 : containerLogs.openCount(),
                socket == null ? 0 : socket.clients(), socket == null ? 0 : socket.sent(),
                socket == null ? 0 : socket.slowDisconnects(), socket == null ? 0 : socket.dropped(),
                lossRecords.get());
    }

    /** The host log, or null. */
    public RotatingLog hostLog() {
        return hostLog;
    }

    /** The container logs, or null. */
    public ContainerLogs containerLogs() {
        return containerLogs;
    }

    /** The socket server, or null. */
    public AuditSocketServer socket() {
        return socket;
    }

    /** Routes what is queued, fdatasyncs and closes every sink. Later submits are counted lost. Idempotent. */
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
        if (hostLog != null) {
            hostLog.close();
        }
        if (containerLogs != null) {
            containerLogs.close();
        }
        if (socket != null) {
            socket.close();
        }
    }

}
