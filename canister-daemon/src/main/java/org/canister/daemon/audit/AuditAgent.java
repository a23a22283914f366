package org.canister.daemon.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.function.LongPredicate;
import org.canister.core.audit.AuditEvent;
import org.canister.core.audit.AuditFields;
import org.canister.core.audit.AuditRecord;
import org.canister.core.audit.AuditTypes;
import org.canister.core.audit.DaemonRecords;
import org.canister.core.audit.EventAssembler;
import org.canister.core.audit.annotate.ContidAnnotator;
import org.canister.core.audit.ns.NamespaceAuditRules;
import org.canister.core.audit.ns.NamespaceTracker;
import org.canister.core.audit.ns.NsView;
import org.canister.daemon.agent.Agent;
import org.canister.daemon.nsaudit.ProcNamespaceReader;
import org.canister.linux.audit.AuditNetlink;
import org.canister.linux.audit.AuditStatus;

/**
 * The kernel audit reader: netlink records → {@link EventAssembler} (EOE, last-record types, the
 * end-of-event timeout driven by {@code nowNs}) → {@link ContidAnnotator} under the model lock (a
 * few field reads per event) → the router, whose global drop rules run before its queue.
 *
 * <h2>Loss accounting (spec req. 16)</h2>
 * <ul>
 *   <li>the kernel's {@code lost} counter is polled with AUDIT_GET on a <em>second</em> socket every
 *       {@code lostPollNs} (at most 5 s): the event socket may be full, and a request there would
 *       queue behind the backlog (auditbeat PR #7561 moved its poller to a separate client for that
 *       reason);</li>
 *   <li>receive overruns (datagrams the kernel dropped because the socket was full, which its
 *       {@code lost} counter does not count) are read from the socket's {@code sk_drops}
 *       ({@code /proc/net/netlink}) with the same period, and ENOBUFS reports are counted too;</li>
 *   <li>whenever either grows, one {@code DAEMON_ERR op=lost kernel_lost=<delta>
 *       socket_overruns=<delta> res=0} event goes into the stream, stamped by the daemon.</li>
 * </ul>
 *
 * <h2>Namespace records (spec/audit-contid.md 6.3)</h2>
 * With a {@link NamespaceTracker}, each assembled event whose SYSCALL carries the
 * {@value NamespaceAuditRules#KEY} key is completed in three steps: the tracker names the tasks to read
 * (under the model lock: it reads the task table), {@code /proc/<tid>/ns/*} are {@code stat}ed
 * <em>outside</em> the lock (file system calls must not hold up the proc connector and the FUSE threads),
 * then, under the lock again, the tracker's NS_CREATE / NS_CHANGE / NS_DESTROY records are appended to
 * that event (they carry its stamp, req. 21) before it is annotated and routed. Events of the key that
 * changed no namespace (every glibc {@code pthread_create} is a clone3) are kept as the kernel sent them:
 * the NS records are auxiliary to the syscall event, and dropping the kernel's own event is left to
 * {@code audit.filters}. Standalone NS_DESTROY {@code cause=exit} events (the last member of a namespace
 * exited; the proc connector reports exits to the table on another thread) are taken from the tracker in
 * every lock hold of this agent and at least every {@value #NS_EXIT_POLL_MS} ms when idle.
 *
 * <p>Runs on one agent thread; the counters are readable from any thread.
 */
public final class AuditAgent implements Agent {
    private static final int POLL_TIMEOUT_MS = 100;
    /** Longest wait for the proc tracker before events are annotated with what the table has. */
    static final int MAX_HOLD_MS = 1000;
    /** How often standalone NS_DESTROY events are collected while no kernel event arrives. */
    static final int NS_EXIT_POLL_MS = 100;

    private final AuditNetlink events;
    private final AuditNetlink control;
    private final EventAssembler assembler;
    private final ContidAnnotator annotator;
    private final Lock lock;
    private final DaemonStamps stamps;
    private final AuditRouter router;
    private final long lostPollNs;
    private final int priorityBoost;
    private final java.io.PrintStream diag;
    private final long batchDelayNs;
    private volatile Runnable onPoll = () -> { };
    private final NamespaceTracker nsTracker;
    private final ProcNamespaceReader nsReader;
    /** Per batch: index in {@link #out} of each canister-ns event, and the views read for it. */
    private final List<Integer> nsIndex = new ArrayList<>();
    private final List<int[]> nsTids = new ArrayList<>();
    private final List<Map<Integer, NsView>> nsViews = new ArrayList<>();
    private final List<AuditEvent> nsExits = new ArrayList<>();
    private long nextNsExitPollNs;
    private boolean boosted;
    /** Assembled events waiting until the task table can attribute them. */
    private final AttributionGate<AuditEvent> gate;
    /** The events released by the gate, being annotated and routed. */
    private final List<AuditEvent> out = new ArrayList<>(256);
    private final List<ContidAnnotator.Result> annotated = new ArrayList<>(256);
    private long nowNs;
    private long nextLostPollNs;
    private boolean polled;
    private long lastKernelLost = -1;
    private long lastEnobufs;
    private long lastDrops = -1;

    private final AtomicLong recordsReceived = new AtomicLong();
    private final AtomicLong eventsAssembled = new AtomicLong();
    private final AtomicLong eventsAnnotated = new AtomicLong();
    private final AtomicLong kernelLost = new AtomicLong();
    private final AtomicLong overruns = new AtomicLong();
    private final AtomicLong lossRecords = new AtomicLong();
    private final AtomicLong lostPollErrors = new AtomicLong();
    private volatile long holdTimeouts;
    private final AtomicLong readerErrorLoss = new AtomicLong();
    private volatile long kernelBacklog;
    private volatile EventAssembler.Stats assemblerStats;
    private volatile ContidAnnotator.Stats annotatorStats;
    private volatile NamespaceTracker.Stats nsStats;
    private final AtomicLong nsEvents = new AtomicLong();
    private final AtomicLong nsExitEvents = new AtomicLong();

    /**
     * @param events     the socket records arrive on (registered daemon or multicast reader)
     * @param control    a second socket for AUDIT_GET polling, or null to not poll
     * @param annotator  used under {@code lock}, which guards the task table it reads
     * @param lostPollNs    period of the {@code lost} poll
     * @param priorityBoost lower the reader thread's nice value by this much at its first duty cycle
     * @param nsTracker     namespace tracking attached to the table {@code lock} guards, or null for none
     * @param nsReader      reads {@code /proc/<tid>/ns}; required with {@code nsTracker}
     * @param batchDelayNs  sleep after a read that drained the socket (0: none), see {@link #doWork}
     * @param trackerCaughtUpTo whether the proc tracker has applied every connector event sent before a
     *                      {@link System#nanoTime}; null: annotate at once (see {@link #release})
     */
    public AuditAgent(AuditNetlink events, AuditNetlink control, long eoeTimeoutNs, ContidAnnotator annotator,
                      Lock lock, DaemonStamps stamps, AuditRouter router, long lostPollNs, int priorityBoost,
                      java.io.PrintStream diag, NamespaceTracker nsTracker, ProcNamespaceReader nsReader,
                      long batchDelayNs, LongPredicate trackerCaughtUpTo) {
        if (nsTracker != null && nsReader == null) {
            throw new IllegalArgumentException("a namespace tracker needs a ProcNamespaceReader");
        }
        this.nsTracker = nsTracker;
        this.nsReader = nsReader;
        this.events = events;
        this.control = control;
        this.gate = new AttributionGate<>(trackerCaughtUpTo, MAX_HOLD_MS * 1_000_000L);
        this.assembler = new EventAssembler(gate::add, eoeTimeoutNs, EventAssembler.DEFAULT_MAX_IN_FLIGHT);
        this.annotator = annotator;
        this.lock = lock;
        this.stamps = stamps;
        this.router = router;
        this.lostPollNs = lostPollNs;
        this.priorityBoost = priorityBoost;
        this.diag = diag;
        this.batchDelayNs = batchDelayNs;
    }

    @Override
    public int doWork(long nowNs) {
        if (!boosted) {
            boosted = true;
            Priority.boost(priorityBoost, "audit reader", diag);
        }
        this.nowNs = nowNs;
        // While events wait for the proc tracker, look again within a millisecond.
        int n = events.receive(this::onRecord, gate.isEmpty() ? POLL_TIMEOUT_MS : 1);
        assembler.poll(nowNs);
        long received = System.nanoTime();
        gate.mark(received);
        out.clear();
        int published = gate.release(received, false, out) > 0 ? publishOrReport() : 0;
        published += pollNsExits(nowNs);
        checkLoss(nowNs);
        assemblerStats = assembler.stats();
        holdTimeouts = gate.timeouts();
        if (n > 0 && batchDelayNs > 0 && events.drained()) {
            // Batching (audit.batch-delay-us). Awake, the reader would take each record as kauditd sends it:
            // a wakeup, a lock hold and a writer hand-off per record, and (being boosted) it preempts kauditd
            // on every send. Sleeping a little after each drained read lets records collect in the socket
            // (its buffer holds seconds of them) and be handled as one batch. Under load the read does not
            // drain (MAX_DATAGRAMS_PER_RECEIVE), and no sleep slows it down.
            java.util.concurrent.locks.LockSupport.parkNanos(batchDelayNs);
        }
        return n + published;
    }

    private void onRecord(AuditRecord r) {
        recordsReceived.incrementAndGet();
        assembler.accept(r, nowNs);
    }

    /**
     * {@link #publish}, and when it fails (a bug: the annotator or a sink threw) the released events are
     * not silently gone: one {@code DAEMON_ERR op=lost cause=reader_error events=<n>} says how many, and
     * the error goes on to the agent runner, which reports it.
     */
    private int publishOrReport() {
        try {
            return publish();
        } catch (RuntimeException | Error e) {
            int n = out.size();
            out.clear();
            readerErrorLoss.addAndGet(n);
            router.submit(DaemonRecords.pipelineLoss(stamps.next(System.currentTimeMillis()), "reader_error", n));
            throw e;
        }
    }

    /** Events lost because annotating or routing them threw. */
    public long readerErrorLoss() {
        return readerErrorLoss.get();
    }

    /**
     * Annotates the released events ({@link #out}) in one lock hold, then routes them outside it. With namespace
     * tracking and canister-ns events in the batch, the tasks to read are named in a first, short hold
     * and {@code /proc} is read between the two.
     */
    private int publish() {
        if (out.isEmpty()) {
            return 0;
        }
        annotated.clear();
        boolean nsBatch = nsTracker != null && nameNsTasks();
        if (nsBatch) {
            // stat(2) of /proc/<tid>/ns/* without the model lock (ProcNamespaceReader: ~10 calls per task)
            for (int[] tids : nsTids) {
                nsViews.add(nsReader.readAll(tids));
            }
        }
        lock.lock();
        try {
            if (nsBatch) {
                for (int i = 0; i < nsIndex.size(); i++) {
                    int at = nsIndex.get(i);
                    AuditEvent e = out.get(at);
                    List<AuditRecord> added = nsTracker.onSyscall(e.first(AuditTypes.SYSCALL), nsViews.get(i));
                    if (!added.isEmpty()) {
                        List<AuditRecord> all = new ArrayList<>(e.records().size() + added.size());
                        all.addAll(e.records());
                        all.addAll(added);
                        out.set(at, e.withRecords(all));
                        nsEvents.incrementAndGet();
                    }
                }
            }
            for (AuditEvent e : out) {
                stamps.observeKernelLocked(e.stamp());
                annotated.add(annotator.annotate(e));
            }
            annotatorStats = annotator.stats();
            takeNsExitsLocked();
        } finally {
            lock.unlock();
            nsIndex.clear();
            nsTids.clear();
            nsViews.clear();
        }
        int n = out.size();
        out.clear();
        eventsAssembled.addAndGet(n);
        for (ContidAnnotator.Result r : annotated) {
            if (r.added() > 0) {
                eventsAnnotated.incrementAndGet();
            }
            router.submit(r.event(), r.subject());
        }
        annotated.clear();
        return n + routeNsExits();
    }

    /**
     * Finds the canister-ns events of the batch and, under the lock, asks the tracker which tasks to read.
     *
     * @return whether any was found
     */
    private boolean nameNsTasks() {
        for (int i = 0; i < out.size(); i++) {
            AuditRecord sc = out.get(i).first(AuditTypes.SYSCALL);
            if (sc != null && hasNsKey(sc)) {
                nsIndex.add(i);
            }
        }
        if (nsIndex.isEmpty()) {
            return false;
        }
        lock.lock();
        try {
            for (int at : nsIndex) {
                nsTids.add(nsTracker.tasksToRead(out.get(at).first(AuditTypes.SYSCALL)));
            }
        } finally {
            lock.unlock();
        }
        return true;
    }

    /**
     * Whether the SYSCALL record carries the {@value NamespaceAuditRules#KEY} key: alone it is quoted
     * ({@code key="canister-ns"}); with several keys the kernel joins them with {@code \x01} and logs hex
     * (kernel/auditsc.c audit_log_key, AUDIT_KEY_SEPARATOR).
     */
    static boolean hasNsKey(AuditRecord syscall) {
        String raw = syscall.field("key");
        if (raw == null || raw.equals("(null)")) {
            return false;
        }
        String key = AuditFields.decodeUntrusted(raw);
        if (key == null) {
            return false;
        }
        for (String k : key.split("\u0001", -1)) {
            if (k.equals(NamespaceAuditRules.KEY)) {
                return true;
            }
        }
        return false;
    }

    /** Collects the tracker's standalone exit events; the caller holds the lock. */
    private void takeNsExitsLocked() {
        if (nsTracker == null) {
            return;
        }
        // the tracker's stamp function is DaemonStamps.next, which takes the (reentrant) model lock again
        nsExits.addAll(nsTracker.takePendingEvents(System.currentTimeMillis()));
        nsStats = nsTracker.stats();
    }

    private int routeNsExits() {
        int n = nsExits.size();
        for (AuditEvent e : nsExits) {
            router.submit(e);
        }
        nsExits.clear();
        nsExitEvents.addAndGet(n);
        return n;
    }

    /** When no kernel event came for a while, still collects standalone NS_DESTROY events of exits. */
    private int pollNsExits(long nowNs) {
        if (nsTracker == null || nowNs - nextNsExitPollNs < 0) {
            return 0;
        }
        nextNsExitPollNs = nowNs + NS_EXIT_POLL_MS * 1_000_000L;
        lock.lock();
        try {
            takeNsExitsLocked();
        } finally {
            lock.unlock();
        }
        return routeNsExits();
    }

    /** Runs {@code action} on the reader thread with every {@code lost} poll (before the first event too). */
    public void onPoll(Runnable action) {
        this.onPoll = action;
    }

    private void checkLoss(long nowNs) {
        long lostDelta = 0;
        boolean due = !polled || nowNs - nextLostPollNs >= 0;
        if (due) {
            polled = true;
            nextLostPollNs = nowNs + lostPollNs;
            onPoll.run();
        }
        if (due && control != null) {
            try {
                AuditStatus st = control.status();
                kernelBacklog = st.backlog();
                if (lastKernelLost >= 0) {
                    // lost is a u32 that only grows (until someone resets it): take the difference mod 2^32
                    lostDelta = (st.lost() - lastKernelLost) & 0xFFFF_FFFFL;
                    if (st.lost() < lastKernelLost && lostDelta > (1L << 31)) {
                        lostDelta = st.lost(); // reset (auditctl --reset-lost) rather than a wrap
                    }
                }
                lastKernelLost = st.lost();
            } catch (RuntimeException e) {
                lostPollErrors.incrementAndGet();
            }
        }
        // Datagrams the kernel dropped for the event socket: sk_drops when /proc says (every datagram,
        // also with NETLINK_NO_ENOBUFS), else the ENOBUFS reports (one per congestion episode).
        long ovDelta = 0;
        long enobufs = events.counters().overruns();
        if (enobufs > lastEnobufs) {
            ovDelta = enobufs - lastEnobufs;
            lastEnobufs = enobufs;
        }
        if (due) {
            long drops = events.kernelDrops();
            if (drops >= 0) {
                ovDelta = Math.max(ovDelta, lastDrops < 0 ? 0 : drops - lastDrops);
                lastDrops = drops;
            }
        }
        if (lostDelta > 0 || ovDelta > 0) {
            kernelLost.addAndGet(lostDelta);
            overruns.addAndGet(ovDelta);
            lossRecords.incrementAndGet();
            router.submit(DaemonRecords.kernelLoss(stamps.next(System.currentTimeMillis()), lostDelta, ovDelta));
        }
    }

    @Override
    public String name() {
        return "audit";
    }

    /** Emits the events still open (shutdown) and routes them. */
    @Override
    public void close() {
        assembler.flush();
        out.clear();
        if (gate.release(System.nanoTime(), true, out) > 0) {
            publishOrReport();
        }
        assemblerStats = assembler.stats();
    }

    /** Events annotated without waiting longer for the proc tracker (it was behind for {@value #MAX_HOLD_MS} ms). */
    public long holdTimeouts() {
        return holdTimeouts;
    }

    /** Records read from the kernel. */
    public long recordsReceived() {
        return recordsReceived.get();
    }

    /** Events assembled and handed on. */
    public long eventsAssembled() {
        return eventsAssembled.get();
    }

    /** Events that got at least one CONTAINER_ID. */
    public long eventsAnnotated() {
        return eventsAnnotated.get();
    }

    /** Growth of the kernel's {@code lost} counter since start. */
    public long kernelLost() {
        return kernelLost.get();
    }

    /** Receive overruns (ENOBUFS) since start. */
    public long overruns() {
        return overruns.get();
    }

    /** DAEMON_ERR op=lost records emitted. */
    public long lossRecords() {
        return lossRecords.get();
    }

    /** AUDIT_GET polls that failed. */
    public long lostPollErrors() {
        return lostPollErrors.get();
    }

    /** The kernel's backlog at the last poll. */
    public long kernelBacklog() {
        return kernelBacklog;
    }

    /** Assembler counters at the end of the last duty cycle, or null before the first. */
    public EventAssembler.Stats assemblerStats() {
        return assemblerStats;
    }

    /** Tracker counters at the last lock hold of this agent, or null without namespace tracking (or before). */
    public NamespaceTracker.Stats namespaceStats() {
        return nsStats;
    }

    /** Kernel events that got NS_CREATE, NS_CHANGE or NS_DESTROY records. */
    public long namespaceEvents() {
        return nsEvents.get();
    }

    /** Standalone NS_DESTROY {@code cause=exit} events routed. */
    public long namespaceExitEvents() {
        return nsExitEvents.get();
    }

    /** Annotator counters after the last annotation, or null before the first. */
    public ContidAnnotator.Stats annotatorStats() {
        return annotatorStats;
    }
}
