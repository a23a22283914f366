package org.canister.daemon.contid;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.canister.core.CanisterException;
import org.canister.core.audit.AuditEvent;
import org.canister.core.contid.ContidObject;
import org.canister.core.contid.ContidOutcome;
import org.canister.core.contid.ContidRegistry;
import org.canister.core.contid.ContidSettings;
import org.canister.core.contid.ContidState;
import org.canister.core.contid.ContidValue;
import org.canister.core.contid.LoginIds;
import org.canister.core.contid.StampSource;
import org.canister.core.fs.Caller;
import org.canister.core.fs.FileNode;
import org.canister.core.fs.ProcDirectory;
import org.canister.core.fs.PsTable;
import org.canister.core.fs.TaskRef;
import org.canister.core.task.Credentials;
import org.canister.core.task.Task;
import org.canister.core.task.TaskEvent;
import org.canister.core.task.TaskListener;
import org.canister.core.task.TaskSnapshot;
import org.canister.core.task.TaskTable;
import org.canister.daemon.agent.Agent;
import org.canister.daemon.agent.AgentRunner;
import org.canister.daemon.audit.AuditRouter;
import org.canister.daemon.audit.AuditService;
import org.canister.daemon.audit.ContidEventSink;
import org.canister.daemon.audit.DaemonStamps;
import org.canister.daemon.config.CanisterConfig;
import org.canister.linux.proc.ProcFs;

/**
 * Audit container IDs in the running daemon: the {@link ContidRegistry} over the daemon's
 * {@link TaskTable}, its control files, its audit log and its restart-safe state.
 *
 * <ul>
 * <li><b>Files</b> (per task, in {@code proc/<pid>/} and {@code proc/<pid>/task/<tid>/}):
 *     {@value #CONTAINERID_FILE} and {@value #CAPCONTID_FILE} (0600, ghak90 v11), and
 *     {@value #RUNTIME_FILE} and {@value #CAP_RUNTIME_FILE} (0200, Canister: a writer acting for the
 *     runtime that spawned it, see {@link ContidFiles}); at the root {@value #CONTAINERS_FILE} (0400), the registered containers.</li>
 * <li><b>Records</b>: every set and capcontid attempt's events are queued for the audit router ({@link ContidEventSink})
 *     while the model lock is still held, so the log is in stamp order. Drops are produced while the
 *     proc tracker applies exit events: a {@link TaskListener} added right after the registry's takes
 *     them in the same call ({@link ContidRegistry#takePendingEvents}), so each is queued once, at
 *     once, without polling, and the tracker never waits for the disk.</li>
 * <li><b>State</b> ({@link ContidStateStore}): saved when {@link ContidRegistry#stateVersion()} moved,
 *     by an agent that looks every 25 ms: within 50 ms after a set, a drop or a release (changes a
 *     restart must not lose), within 1 s after other changes (a labelled process ended), and never more
 *     often than 20 times the last save's duration apart (at most ~5% of a core on huge registries);
 *     and at close. At start the saved state is decoded and reconciled with the table seeded from
 *     {@code /proc}: the drops of containers whose members died while the daemon was down are written
 *     and flushed, then the reconciled state is saved at once, so a second restart does not repeat them.</li>
 * </ul>
 *
 * <p>Crash windows (kill -9), documented rather than hidden: a set accepted less than ~50 ms before
 * the crash may be missing from the saved state (the restarted daemon does not know that label); a
 * drop written less than ~50 ms before the crash may be written again at restart.
 */
public final class ContidService implements AutoCloseable {
    /** v11 {@code /proc/<pid>/audit_containerid}. */
    public static final String CONTAINERID_FILE = "audit_containerid";
    /** v11 {@code /proc/<pid>/audit_capcontainerid}. */
    public static final String CAPCONTID_FILE = "audit_capcontainerid";
    /** Canister: a set by an OCI hook (or {@code canister contid set}) acting for its parent runtime. */
    public static final String RUNTIME_FILE = "audit_containerid_runtime";
    /** Canister: {@value #CAPCONTID_FILE} written by a helper acting for its parent, as {@value #RUNTIME_FILE}. */
    public static final String CAP_RUNTIME_FILE = "audit_capcontainerid_runtime";
    /** Canister: the registered containers, for {@code canister oci-hook} poststop and operators. */
    public static final String CONTAINERS_FILE = "contids";

    /** Tasks started this long before a save are trusted to be in the table (proc connector lag). */
    static final long SAVE_MARGIN_TICKS = 2L * HostClock.CLOCK_TICKS_PER_SECOND;
    private static final long TICK_NS = TimeUnit.MILLISECONDS.toNanos(25);
    private static final long URGENT_SAVE_NS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long LAZY_SAVE_NS = TimeUnit.SECONDS.toNanos(1);

    private final TaskTable tasks;
    private final ReentrantLock lock;
    private final PrintStream log;
    private final StampSource stamps;
    private final ContidRegistry registry;
    private final ContidEventSink auditLog;
    private final ContidStateStore store;
    private final boolean runtimeFile;
    private final String bootId;
    private final long ticksBase;
    private final long ticksBaseNs;
    private final AtomicLong saves = new AtomicLong();
    private final AtomicLong saveErrors = new AtomicLong();
    private final AtomicLong restartDrops = new AtomicLong();
    private final AtomicLong runtimeSets = new AtomicLong();
    private volatile java.util.function.IntConsumer writerRefresher = tgid -> { };
    private volatile String stateRejected;
    private AgentRunner saver;
    private long savedVersion = Long.MIN_VALUE;
    private long savedSets = -1;
    private long savedDrops = -1;
    private int savedRegistered = -1;
    private long lastSaveNs;
    private long lastSaveDurationNs;
    private long lastSaveErrorLogNs;
    private boolean saveOnClose = true;
    /** The router started for a standalone service, closed with it; null inside the daemon. */
    private AuditRouter ownedRouter;
    private boolean closed;

    private ContidService(TaskTable tasks, ReentrantLock lock, PrintStream log, ContidSettings settings,
                          StampSource stamps, ContidEventSink auditLog, ContidStateStore store, boolean runtimeFile)
            throws IOException {
        this.tasks = tasks;
        this.lock = lock;
        this.log = log;
        this.store = store;
        this.runtimeFile = runtimeFile;
        this.bootId = HostClock.bootId();
        this.ticksBase = HostClock.nowTicks();
        this.ticksBaseNs = System.nanoTime();
        this.stamps = stamps;
        this.auditLog = auditLog;
        ContidRegistry r;
        lock.lock();
        try {
            r = ContidRegistry.attach(tasks, stamps, settings);
            // Added after the registry's own listener: when an exit makes a container drop, the registry
            // has queued the drop by the time this runs, in the same apply call, under the same lock.
            tasks.addListener(new TaskListener() {
                @Override
                public void onTaskExit(Task task, boolean processEnded, long timeNs) {
                    queueDrops();
                }
            });
        } finally {
            lock.unlock();
        }
        this.registry = r;
    }

    /**
     * Start the service over a table the proc tracker has seeded and not yet started to update: attach
     * the registry, restore and reconcile the saved state (writing the drops of
     * containers that ended while the daemon was down), save, and start the saver agent. Started on its
     * own like this, the service has an audit router of its own (the configured logs, no socket), closed
     * with it.
     *
     * @throws IllegalStateException with a sentence naming the path and the fix when the log or the state
     *                               directory cannot be used
     */
    public static ContidService start(CanisterConfig config, TaskTable tasks, ReentrantLock lock, PrintStream log) {
        StampSource stamps = new StampSource();
        AuditRouter router = AuditService.startLogRouter(config, DaemonStamps.of(stamps, lock), log);
        try {
            ContidService s = start(config, tasks, lock, log, stamps, ContidEventSink.of(router,
                    config.daemon().logDir().resolve(config.audit().logFile())));
            s.ownedRouter = router;
            return s;
        } catch (RuntimeException e) {
            router.close();
            throw e;
        }
    }

    /**
     * {@link #start(CanisterConfig, TaskTable, ReentrantLock, PrintStream)} inside the daemon: the
     * registry stamps its records from {@code stamps} (shared with the audit pipeline) and hands them to
     * the audit router ({@code auditLog}), the single writer of the audit logs.
     */
    public static ContidService start(CanisterConfig config, TaskTable tasks, ReentrantLock lock, PrintStream log,
                                      StampSource stamps, ContidEventSink auditLog) {
        Objects.requireNonNull(config, "config");
        Path stateFile = config.daemon().stateDir().resolve(config.contid().stateFile());
        ContidSettings settings = new ContidSettings(nsfsDev(), config.contid().maxContainers());
        ContidService s;
        try {
            s = new ContidService(tasks, lock, log, settings, stamps, auditLog, new ContidStateStore(stateFile),
                    config.contid().runtimeFile());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the boot id or clock from /proc (" + e.getMessage() + ")", e);
        }
        try {
            s.restore();
            s.saver = new AgentRunner(s.new Saver(), TICK_NS, t -> log.println("canister: contid saver: " + t)).start();
            return s;
        } catch (RuntimeException e) {
            s.saveOnClose = false;
            s.close();
            throw e;
        }
    }

    /**
     * Add the per-task files to {@code proc/} and the CONTID column to {@code ps}. Call before the
     * filesystem is mounted.
     */
    public void install(ProcDirectory proc, PsTable ps) {
        proc.addTaskFile(ContidFiles.provider(this, CONTAINERID_FILE, ContidFiles.Kind.CONTAINERID));
        proc.addTaskFile(ContidFiles.provider(this, CAPCONTID_FILE, ContidFiles.Kind.CAPCONTID));
        if (runtimeFile) {
            proc.addTaskFile(ContidFiles.provider(this, RUNTIME_FILE, ContidFiles.Kind.RUNTIME));
            proc.addTaskFile(ContidFiles.provider(this, CAP_RUNTIME_FILE, ContidFiles.Kind.CAP_RUNTIME));
        }
        ps.setContidColumn(t -> {
            String chain = ContidRegistry.chainOf(t);
            return chain == null ? "" : chain;
        });
    }

    /** The root file {@value #CONTAINERS_FILE}. */
    public FileNode containersFile() {
        return ContidFiles.containers(this);
    }

    /** Counters for the {@code status} file. */
    public void addCounters(Map<String, Object> counters) {
        ContidRegistry.Stats st;
        lock.lock();
        try {
            st = registry.stats();
        } finally {
            lock.unlock();
        }
        counters.put("contid_registered", st.registered());
        counters.put("contid_sets_accepted", st.setsAccepted());
        counters.put("contid_sets_refused", st.setsRefused());
        counters.put("contid_runtime_sets", runtimeSets.get());
        counters.put("contid_drops", st.drops());
        counters.put("contid_restart_drops", restartDrops.get());
        counters.put("contid_anomalies", st.anomalies());
        counters.put("contid_state_saves", saves.get());
        counters.put("contid_state_save_errors", saveErrors.get());
        if (stateRejected != null) {
            counters.put("contid_state_rejected", stateRejected);
        }
    }

    /** The registry; read or call it only while holding the model lock. */
    public ContidRegistry registry() {
        return registry;
    }

    /** Where the registry's events go (the audit router). */
    public ContidEventSink auditLog() {
        return auditLog;
    }

    /** The state file. */
    public Path stateFile() {
        return store.file();
    }

    /**
     * For tests that stand for {@code kill -9}: {@link #close()} will neither take pending drops nor
     * save, so the state on disk is whatever the saver last wrote.
     */
    public void skipSaveOnCloseForTest() {
        saveOnClose = false;
    }

    // ------------------------------------------------------------------ operations for the files

    /**
     * Makes the table's comm, exe and credentials of the writer current before a set is judged and
     * recorded: the proc tracker defers the {@code /proc} read after an exec (tasks.exec-read-delay-ms),
     * and a runtime hook typically writes within milliseconds of its own exec. Called without the lock.
     *
     * @param refresher re-reads one process from {@code /proc} into the table ({@code ProcTrackerAgent::refreshNow})
     */
    public void refreshWriterWith(java.util.function.IntConsumer refresher) {
        this.writerRefresher = Objects.requireNonNull(refresher, "refresher");
    }

    private void refreshWriter(Caller writer, boolean forRuntime) {
        writerRefresher.accept(writer.tgid());
        if (forRuntime) {
            int parent;
            lock.lock();
            try {
                Task self = tasks.process(writer.tgid());
                parent = self == null ? 0 : self.ppid();
            } finally {
                lock.unlock();
            }
            if (parent > 1) {
                writerRefresher.accept(parent);
            }
        }
    }

    /** One write to {@code audit_containerid} or, when {@code forRuntime}, {@code audit_containerid_runtime}. */
    ContidOutcome set(Caller writer, LoginIds login, TaskRef target, long contid, boolean forRuntime) {
        refreshWriter(writer, forRuntime);
        List<TaskSnapshot> fresh = readTarget(target, forRuntime);
        long now = System.currentTimeMillis();
        lock.lock();
        try {
            for (TaskSnapshot s : fresh) {
                Task t = tasks.task(s.tid());
                if (t != null && t.tgid() == s.tgid() && (t.startTime() == s.startTime() || t.startTimeGuessed())) {
                    tasks.apply(new TaskEvent.Refresh(System.nanoTime(), s));
                }
            }
            ContidOutcome o;
            Caller runtime = forRuntime ? runtimeOf(writer, target) : null;
            if (runtime != null) {
                runtimeSets.incrementAndGet();
                o = registry.setThreadGroup(runtime, login, target.tid(), target.startTime(), contid, now);
            } else {
                o = registry.set(writer, login, target.tid(), target.startTime(), contid, now);
            }
            auditLog.offerAll(o.events());
            return o;
        } finally {
            lock.unlock();
        }
    }

    /**
     * What {@code /proc} shows now for the target and, for a runtime write, the other threads of its
     * group. The proc connector's fork event carries no namespaces and an exec read keeps the table's,
     * so a task cloned into new namespaces (runc init) holds its parent's in the table until
     * {@code /proc} is read. A set is when they start to matter (its NS_INFO record, the per-netns
     * container lists of NETFILTER_PKT annotation), so they are read here, outside the lock, and applied
     * as refreshes of the same incarnation just before the set; descendants then inherit them at fork.
     */
    private static List<TaskSnapshot> readTarget(TaskRef target, boolean wholeGroup) {
        List<TaskSnapshot> out = new ArrayList<>(1);
        try (ProcFs proc = new ProcFs()) { // its native buffer is freed at once, not left to the GC
            TaskSnapshot s = proc.read(target.tgid(), target.tid());
            if (s != null && (target.startTime() < 0 || s.startTime() == target.startTime())) {
                out.add(s);
            }
            if (wholeGroup) {
                try (var tids = Files.list(Path.of("/proc", Integer.toString(target.tgid()), "task"))) {
                    for (Path p : (Iterable<Path>) tids::iterator) {
                        int tid = Integer.parseInt(p.getFileName().toString());
                        TaskSnapshot th = tid == target.tid() ? null : proc.read(target.tgid(), tid);
                        if (th != null) {
                            out.add(th);
                        }
                    }
                } catch (IOException | NumberFormatException e) {
                    // gone meanwhile: the set itself answers ESRCH
                }
            }
        }
        return out;
    }

    /**
     * The runtime a writer acts for through {@value #RUNTIME_FILE}, or null when the rule does not apply
     * (the write is then judged as the writer's own, exactly as {@value #CONTAINERID_FILE} would).
     *
     * <p>The rule: the writer holds CAP_AUDIT_CONTROL in the initial user namespace itself (capcontid,
     * a delegation to nested orchestrators, is not enough), its parent process R is alive and is not
     * init, and the target is a child of R. The set is then judged and recorded as R's, with the
     * writer's credentials: R is the orchestrator (owner, EXDEV and nesting checks), and the target may
     * run several threads ({@link ContidRegistry#setThreadGroup}).
     */
    private Caller runtimeOf(Caller writer, TaskRef target) {
        if (!writer.capableInInitNs(Credentials.CAP_AUDIT_CONTROL)) {
            return null;
        }
        Task self = tasks.process(writer.tgid());
        if (self == null || self.ppidProvisional() || self.ppid() <= 1) {
            return null;
        }
        Task runtime = tasks.process(self.ppid());
        Task t = tasks.task(target.tid());
        if (runtime == null || !runtime.isAlive() || t == null || t.ppid() != runtime.tgid()
                || t.tgid() == runtime.tgid()) {
            return null;
        }
        return new Caller(runtime.tgid(), runtime.tgid(), runtime.startTime(), writer.creds(), writer.userNs(),
                writer.initUserNs());
    }

    /** One write to {@code audit_capcontainerid} or, when {@code forRuntime}, {@code audit_capcontainerid_runtime}. */
    ContidOutcome setCapContid(Caller writer, TaskRef target, int value, boolean forRuntime) {
        refreshWriter(writer, forRuntime);
        long now = System.currentTimeMillis();
        lock.lock();
        try {
            Caller runtime = forRuntime ? runtimeOf(writer, target) : null;
            ContidOutcome o = registry.setCapContid(runtime != null ? runtime : writer, target.tid(),
                    target.startTime(), value, now);
            auditLog.offerAll(o.events());
            return o;
        } finally {
            lock.unlock();
        }
    }

    long read(Caller reader, TaskRef target) {
        lock.lock();
        try {
            return registry.read(reader, target.tid(), target.startTime());
        } finally {
            lock.unlock();
        }
    }

    int readCapContid(Caller reader, TaskRef target) {
        lock.lock();
        try {
            return registry.readCapContid(reader, target.tid(), target.startTime());
        } finally {
            lock.unlock();
        }
    }

    /**
     * The {@value #CONTAINERS_FILE} text, for a reader allowed to read container IDs (CAP_AUDIT_CONTROL
     * in the initial user namespace, or capcontid; EPERM otherwise, as a read of
     * {@value #CONTAINERID_FILE}).
     */
    String containersText(Caller reader) {
        List<ContidObject> objs;
        lock.lock();
        try {
            if (!mayRead(reader)) {
                throw new CanisterException(org.canister.core.Errno.EPERM, "listing container IDs needs "
                        + "CAP_AUDIT_CONTROL in the initial user namespace or audit_capcontainerid=1");
            }
            objs = registry.objects();
            StringBuilder b = new StringBuilder(64 + 64 * objs.size());
            b.append("CONTID\tCHAIN\tOWNER\tMEMBERS\tNESTED\tSTATE\n");
            objs.sort((x, y) -> Long.compareUnsigned(x.id(), y.id()));
            for (ContidObject o : objs) {
                b.append(ContidValue.format(o.id())).append('\t').append(o.chain()).append('\t')
                        .append(o.owner().pid()).append(':').append(o.owner().startTime()).append('\t')
                        .append(o.memberCount()).append('\t').append(o.nestedCount()).append('\t')
                        .append(o.isDropped() ? "dropped" : "live").append('\n');
            }
            return b.toString();
        } finally {
            lock.unlock();
        }
    }

    private boolean mayRead(Caller c) {
        if (c.capableInInitNs(Credentials.CAP_AUDIT_CONTROL)) {
            return true;
        }
        Task p = tasks.process(c.tgid());
        Task t = tasks.task(c.tid());
        return (p != null && p.capContid()) || (t != null && t.tgid() == c.tgid() && t.capContid());
    }

    // ------------------------------------------------------------------ drops, stamps, state

    /** Under the model lock: queue the drops the registry produced since the last call. */
    private void queueDrops() {
        List<AuditEvent> drops = registry.takePendingEvents(System.currentTimeMillis());
        if (!drops.isEmpty()) {
            auditLog.offerAll(drops);
        }
    }

    /** CLOCK_BOOTTIME in clock ticks, from CLOCK_MONOTONIC since start (they differ only by suspend time). */
    private long nowTicks() {
        return ticksBase + (System.nanoTime() - ticksBaseNs) / (1_000_000_000L / HostClock.CLOCK_TICKS_PER_SECOND);
    }

    private void restore() {
        ContidState saved;
        try {
            saved = store.load();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the contid state " + store.file() + " (" + e.getMessage()
                    + "); fix its permissions, or move it away to start with an empty registry", e);
        } catch (CanisterException e) {
            try {
                Path aside = store.setAside(System.currentTimeMillis());
                stateRejected = aside.toString();
                log.println("canister: the contid state " + store.file() + " is unreadable (" + e.getMessage()
                        + "); moved it to " + aside + " and started with an empty registry: containers labelled "
                        + "before this start are no longer known");
            } catch (IOException io) {
                throw new IllegalStateException("the contid state " + store.file() + " is unreadable ("
                        + e.getMessage() + ") and cannot be moved aside (" + io.getMessage() + "); move it away", io);
            }
            saved = null;
        }
        if (saved != null) {
            List<AuditEvent> drops;
            lock.lock();
            try {
                drops = registry.reconcile(saved, bootId, System.currentTimeMillis());
                auditLog.offerAll(drops);
            } finally {
                lock.unlock();
            }
            restartDrops.addAndGet(drops.size());
            if (!drops.isEmpty()) {
                log.println("canister: " + drops.size() + " container(s) ended while the daemon was down; "
                        + "their drop records are in " + auditLog.file());
            }
            // The drops must be in the log before the state that says they happened (a crash in
            // between repeats them rather than losing them).
            try {
                auditLog.flush(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (!saveNow(System.nanoTime())) {
            throw new IllegalStateException("cannot write the contid state " + store.file()
                    + "; make daemon.state-dir writable by root (or choose another with --state-dir)");
        }
    }

    /** Save now if anything changed since the last save; true when the state on disk is current. */
    private boolean saveNow(long nowNs) {
        return save(nowNs, true);
    }

    /**
     * Save when the state version moved and the interval for that kind of change has passed (or
     * {@code force}). The snapshot is taken under the lock; encoding and I/O run outside it.
     */
    private boolean save(long nowNs, boolean force) {
        ContidState snap;
        long version;
        ContidRegistry.Stats st;
        lock.lock();
        try {
            version = registry.stateVersion();
            if (version == savedVersion) {
                return true;
            }
            st = registry.stats();
            if (!force) {
                boolean urgent = st.setsAccepted() != savedSets || st.drops() != savedDrops
                        || st.registered() != savedRegistered;
                long gap = Math.max(urgent ? URGENT_SAVE_NS : LAZY_SAVE_NS, 20 * lastSaveDurationNs);
                if (nowNs - lastSaveNs < gap) {
                    return false;
                }
            }
            snap = registry.snapshot(bootId, Math.max(0, nowTicks() - SAVE_MARGIN_TICKS));
        } finally {
            lock.unlock();
        }
        long t0 = System.nanoTime();
        try {
            store.save(snap);
        } catch (IOException | RuntimeException e) {
            saveErrors.incrementAndGet();
            lastSaveNs = nowNs;
            if (nowNs - lastSaveErrorLogNs > TimeUnit.MINUTES.toNanos(1) || lastSaveErrorLogNs == 0) {
                lastSaveErrorLogNs = nowNs;
                log.println("canister: cannot save the contid state to " + store.file() + ": " + e.getMessage()
                        + " (retrying; a restart now would forget recent labels)");
            }
            return false;
        }
        lastSaveDurationNs = System.nanoTime() - t0;
        lastSaveNs = nowNs;
        savedVersion = version;
        savedSets = st.setsAccepted();
        savedDrops = st.drops();
        savedRegistered = st.registered();
        saves.incrementAndGet();
        return true;
    }

    /** Looks at the state version every 25 ms and saves per the policy in the class comment. */
    private final class Saver implements Agent {
        @Override
        public int doWork(long nowNs) {
            save(nowNs, false);
            return 0;
        }

        @Override
        public String name() {
            return "contid-saver";
        }
    }

    /**
     * Stop saving, queue the last drops, save the state (unless a test stands for kill -9), write and
     * fsync the log. Call after the proc tracker stopped. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (saver != null) {
            saver.close();
        }
        if (saveOnClose) {
            lock.lock();
            try {
                queueDrops();
            } finally {
                lock.unlock();
            }
            saveNow(System.nanoTime());
        }
        if (ownedRouter != null) {
            ownedRouter.close();
        }
    }

    /** The nsfs device as NS_INFO prints it ({@code %02x:%02x}, e.g. {@code 00:04}), or null. */
    static String nsfsDev() {
        try {
            Object dev = Files.getAttribute(Path.of("/proc/self/ns/net"), "unix:dev");
            return formatDev(((Number) dev).longValue());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** glibc {@code major()}/{@code minor()} of a {@code dev_t}, printed as the kernel's {@code %02x:%02x}. */
    static String formatDev(long dev) {
        long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
        long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
        return String.format("%02x:%02x", major, minor);
    }
}
