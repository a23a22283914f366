package org.canister.daemon.audit;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import org.canister.core.CanisterException;
import org.canister.core.audit.AuditEvent;
import org.canister.core.audit.AuditRule;
import org.canister.core.audit.AuditRuleCommand;
import org.canister.core.audit.AuditRules;
import org.canister.core.audit.AuditStatusField;
import org.canister.core.audit.CanisterTypes;
import org.canister.core.audit.EventAssembler;
import org.canister.core.audit.annotate.ContidAnnotator;
import org.canister.core.audit.annotate.NetnsContainers;
import org.canister.core.audit.filter.EventFilter;
import org.canister.core.audit.ns.NamespaceAuditRules;
import org.canister.core.audit.ns.NamespaceTracker;
import org.canister.core.contid.ContidRegistry;
import org.canister.core.task.TaskTable;
import org.canister.daemon.agent.AgentRunner;
import org.canister.daemon.config.CanisterConfig;
import org.canister.daemon.nsaudit.ProcNamespaceReader;
import org.canister.linux.ErrnoException;
import org.canister.linux.audit.AuditNetlink;
import org.canister.linux.audit.AuditStatus;
import org.canister.linux.audit.HostAuditFacts;
import org.canister.linux.audit.KernelAuditState;
import org.canister.linux.proc.ProcFs;

/**
 * The audit pipeline in the running daemon: the kernel link (registered audit daemon or multicast
 * reader), the rules file, the {@link AuditAgent} on its own thread, the {@link AuditRouter} and its
 * sinks, and the metrics endpoint.
 *
 * <h2>Kernel state (DESIGN.md "Safety rules")</h2>
 * Everything is changed through one {@link KernelAuditState} and undone by {@link #close()}:
 * registration (unicast: AUDIT_SET pid, undone last, once no rule and no enabled flag of ours is left
 * to make records for a reader that is gone),
 * {@code backlog_limit} and {@code backlog_wait_time} (unicast only; multicast leaves auditd's
 * settings alone), {@code enabled} (set to 1 while running when it was 0, restored on exit: Canister
 * never leaves audit enabled), and the rules file's rules (deleted; rules loaded before it that it
 * deleted are re-added in their order, and written to the restore file before they are deleted).
 * A rules file with {@code -e 2} is refused unless {@code audit.allow-immutable}: it would lock audit
 * until reboot, and nothing could be restored.
 *
 * <p>Startup order: sinks, router, the event socket (unicast: register; EEXIST fails with the hint
 * to use multicast mode), undoing a killed daemon's leftovers, the snapshot, backlog settings,
 * {@code enabled}, rules, then the reader thread. Close restores the kernel (rules deleted,
 * settings back) while the reader still drains, then stops the reader and unregisters. Three
 * sockets: events, the reader's {@code lost} poller, and one for settings and rules.
 *
 * <h2>Namespace records ({@code audit.namespace-records}, spec/audit-contid.md 6.3)</h2>
 * When on (the default; never in mode off), the {@link NamespaceAuditRules} are added after the rules
 * file's (so a {@code -D} there cannot delete them), through the same {@link KernelAuditState} and the
 * restore file, and deleted on exit like the others; a {@link NamespaceTracker} is attached to the task
 * table under the model lock (after the table was seeded) and handed to the {@link AuditAgent}.
 *
 * <h2>NETFILTER_PKT (spec/audit-contid.md 6.2 req. 10)</h2>
 * Given the contid registry, the annotator lists the containers of a packet's netns (a
 * {@link NetnsContainers} index attached to the table under the model lock): the host netns, read from
 * this daemon's {@code /proc/self/ns/net} (the daemon runs in the initial one, as the proc connector
 * requires), or the netns a mark names under {@code audit.netfilter-mark-netns}.
 */
public final class AuditService implements AutoCloseable {

    private final CanisterConfig config;
    private final CanisterConfig.Audit settings;
    private final DaemonStamps stamps;
    private final PrintStream log;
    private AuditRouter router;
    /** The reader's second socket: AUDIT_GET polls of the lost counter (agent thread only). */
    private AuditNetlink control;
    /** The socket kernel settings and rules are changed and restored through (startup and close only). */
    private AuditNetlink stateSocket;
    private AuditNetlink events;
    private KernelAuditState state;
    private AuditAgent agent;
    private AgentRunner runner;
    private MetricsServer metrics;
    private String metricsError;
    private Path rulesLoaded;
    private int rulesAdded;
    private NamespaceTracker nsTracker;
    private int nsRulesAdded;
    private KernelRestoreFile restoreFile;
    private boolean ownsRestoreFile;
    private boolean closed;

    /** Under {@code daemon.run-dir}: what to undo in the kernel if this daemon is killed (see {@link KernelRestoreFile}). */
    public static final String RESTORE_FILE = "audit-kernel.restore";

    private java.util.function.LongPredicate trackerCaughtUpTo;

    private AuditService(CanisterConfig config, DaemonStamps stamps, PrintStream log) {
        this.config = config;
        this.settings = config.audit();
        this.stamps = stamps;
        this.log = log;
    }

    /**
     * Starts the whole pipeline: {@link #open} then {@link #startKernel}.
     *
     * @throws IllegalStateException one sentence naming the cause and the fix; whatever was set up is undone
     */
    public static AuditService start(CanisterConfig config, TaskTable tasks, Lock lock, DaemonStamps stamps,
                                     PrintStream log) {
        AuditService s = open(config, stamps, log);
        try {
            s.startKernel(tasks, lock);
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /**
     * Starts the writer side: the router with its sinks, and the metrics endpoint. Other sources (the
     * contid registry) may submit from now on; the kernel reader starts with {@link #startKernel}.
     *
     * @param stamps stamps for the daemon's own records (shared with the contid registry)
     * @throws IllegalStateException one sentence naming the cause and the fix; whatever was set up is undone
     */
    public static AuditService open(CanisterConfig config, DaemonStamps stamps, PrintStream log) {
        AuditService s = new AuditService(config, stamps, log);
        try {
            s.router = startRouter(config, stamps, log);
            s.startMetrics(config);
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /**
     * Connects to the kernel (unless {@code audit.mode: off}), loads the rules and starts the reader.
     *
     * @param tasks the process tree the annotator reads, under {@code lock}
     * @throws IllegalStateException one sentence naming the cause and the fix (the caller closes)
     */
    public void startKernel(TaskTable tasks, Lock lock) {
        startKernel(tasks, lock, null, null);
    }

    /**
     * {@link #startKernel(TaskTable, Lock)}, with the reader waiting for the proc tracker before it annotates,
     * and NETFILTER_PKT attribution from the registry's labels.
     *
     * @param registry   the contid registry over {@code tasks}, or null to leave NETFILTER_PKT records alone
     * @param caughtUpTo whether the tracker has applied every connector event sent before a nanoTime
     *                   ({@code TrackerProgress::caughtUpTo}); null: do not wait
     */
    public void startKernel(TaskTable tasks, Lock lock, ContidRegistry registry, java.util.function.LongPredicate caughtUpTo) {
        this.trackerCaughtUpTo = caughtUpTo;
        restoreFile = new KernelRestoreFile(config.daemon().runDir().resolve(RESTORE_FILE));
        if (!settings.mode().equals("off")) {
            startKernelLink(tasks, lock, stamps, registry);
        } else {
            undoLeftovers();
        }
    }

    /** Mode off still undoes what a killed daemon (in another mode) left in the kernel. */
    private void undoLeftovers() {
        KernelRestoreFile.Pending left = restoreFile.read();
        if (left.isEmpty()) {
            return;
        }
        try (AuditNetlink c = AuditNetlink.open()) {
            reportUndone(left, KernelRestoreFile.undo(left, c));
            restoreFile.delete();
        } catch (ErrnoException | IOException e) {
            log.println("canister: cannot undo the kernel audit changes listed in " + restoreFile.file() + ": "
                    + e.getMessage());
        }
    }

    private void reportUndone(KernelRestoreFile.Pending left, List<String> failures) {
        log.println("canister: a previous canisterd was stopped without restoring kernel audit state; "
                + left.summary() + (failures.isEmpty() ? "" : " (failures: " + failures + ")"));
    }

    private void startMetrics(CanisterConfig config) {
        int port = config.metrics().port();
        if (port > 0) {
            try {
                metrics = MetricsServer.start(config.metrics().bind(), port, this::metricsText);
            } catch (IOException e) {
                // Metrics are an aid, not the audit trail: say so and run on.
                metricsError = "cannot serve metrics on " + config.metrics().bind() + ":" + port + ": " + e.getMessage();
                log.println("canister: " + metricsError + " (set metrics.port to a free port, or 0)");
            }
        }
    }

    /** The host log file, whether or not it is enabled. */
    public Path hostLogFile() {
        return config.daemon().logDir().resolve(settings.logFile());
    }

    /** The router and its sinks as configured (also used alone, e.g. by tests). */
    public static AuditRouter startRouter(CanisterConfig config, DaemonStamps stamps, PrintStream log) {
        return startRouter(config, stamps, log, true);
    }

    /**
     * The router with the configured logs but no {@code audit.sock}: for a component started on its own
     * (a contid service in a test or tool), which must not take the daemon's socket.
     */
    public static AuditRouter startLogRouter(CanisterConfig config, DaemonStamps stamps, PrintStream log) {
        return startRouter(config, stamps, log, false);
    }

    private static AuditRouter startRouter(CanisterConfig config, DaemonStamps stamps, PrintStream log, boolean serveSocket) {
        CanisterConfig.Audit a = config.audit();
        CanisterTypes.Naming naming = a.canisterNaming();
        Path logDir = config.daemon().logDir();
        LogPolicy policy = LogPolicy.of(a);
        RotatingLog.ResumeRecord resume = AuditRouter.resumeRecords(stamps, naming);
        RotatingLog host = null;
        ContainerLogs containers = null;
        AuditSocketServer socket = null;
        try {
            createDir(logDir);
            DiskGuard disk = new DiskGuard(logDir, DiskGuard.FreeSpace.STATFS, policy.spaceLeftBytes(), policy.fullBytes());
            if (a.hostLog().enabled()) {
                Path file = logDir.resolve(a.logFile());
                try {
                    host = RotatingLog.open(file, policy, disk, resume, log);
                } catch (IOException e) {
                    throw new IllegalStateException("cannot open the audit log " + file + " (" + e.getMessage()
                            + "); fix its directory's permissions or choose another with --log-dir or audit.log-file", e);
                }
            }
            if (a.containerLogs().enabled()) {
                containers = new ContainerLogs(logDir.resolve(a.containerLogs().dir()), policy, disk, resume, log,
                        a.containerLogs().maxOpen());
            }
            if (serveSocket && a.socket().enabled()) {
                Path path = config.daemon().runDir().resolve(a.socket().path());
                try {
                    socket = AuditSocketServer.open(path, mode(a.socket().mode()), a.socket().clientQueue(), log);
                } catch (IOException e) {
                    throw new IllegalStateException("cannot serve " + path + ": " + e.getMessage()
                            + "; stop the other daemon, or set audit.socket.path (or enabled: false)", e);
                }
            }
        } catch (RuntimeException e) {
            if (host != null) {
                host.close();
            }
            if (containers != null) {
                containers.close();
            }
            throw e;
        }
        AuditRouter.Settings rs = new AuditRouter.Settings(naming, a.queueCapacity(),
                TimeUnit.MILLISECONDS.toNanos(a.fsyncIntervalMs()), filter(a.filters(), "audit.filters"),
                filter(a.hostLog().filters(), "audit.host-log.filters"),
                filter(a.containerLogs().filters(), "audit.container-logs.filters"),
                filter(a.socket().filters(), "audit.socket.filters"), a.containerLogs().ancestors(), a.socket().eoe(),
                a.priorityBoost(), TimeUnit.MICROSECONDS.toNanos(a.batchDelayUs()));
        return AuditRouter.start(rs, host, containers, socket, stamps, log);
    }

    private void startKernelLink(TaskTable tasks, Lock lock, DaemonStamps stamps, ContidRegistry registry) {
        CanisterConfig.Audit a = settings;
        List<AuditRuleCommand> rules = readRules(a);
        try {
            control = AuditNetlink.open();
            stateSocket = AuditNetlink.open();
            if (a.mode().equals("unicast")) {
                events = AuditNetlink.open();
                events.setReceiveBuffer(a.receiveBuffer());
                try {
                    events.registerAsDaemon();
                } catch (ErrnoException e) {
                    if (e.errno() == 17) {
                        throw new IllegalStateException(e.getMessage() + ": another audit daemon holds the kernel's"
                                + " unicast link; stop it, or set audit.mode: multicast in the config to read beside it", e);
                    }
                    throw e;
                }
            } else {
                events = AuditNetlink.openMulticastReader(a.receiveBuffer());
            }
            // Without it, one overflow marks the socket congested and the kernel then drops every record
            // for us until the receive queue has been drained completely: measured on 6.18 at ~1800
            // exec/s on 2 CPUs, 6,014 consecutive events were lost that way, only 1,333 records of them
            // counted by the kernel's lost counter. Drops are still counted (sk_drops, see AuditAgent).
            events.setNoEnobufs();
        } catch (ErrnoException e) {
            throw new IllegalStateException("cannot talk to the kernel audit subsystem (" + e.getMessage()
                    + "); Canister needs CAP_AUDIT_CONTROL and CAP_AUDIT_READ in the initial namespaces, or set audit.mode: off", e);
        }
        // From here on this daemon owns the kernel settings: first undo what a killed one left, then
        // remember the state to restore.
        KernelRestoreFile.Pending left = restoreFile.read();
        if (!left.isEmpty()) {
            reportUndone(left, KernelRestoreFile.undo(left, stateSocket));
        }
        AuditStatus found;
        try {
            state = KernelAuditState.snapshot(stateSocket);
            found = state.original();
        } catch (ErrnoException e) {
            throw new IllegalStateException("AUDIT_GET failed: " + e.getMessage(), e);
        }
        if (found.enabled() == 2 && !rules.isEmpty()) {
            throw new IllegalStateException("kernel audit is locked (enabled 2, auditctl -e 2 was run): rules cannot be"
                    + " loaded until reboot; remove the rules file or reboot");
        }
        try {
            EnumSet<AuditStatusField> aboutToSet = EnumSet.noneOf(AuditStatusField.class);
            List<AuditRule> aboutToAdd = new ArrayList<>();
            boolean unicast = a.mode().equals("unicast");
            if (unicast && a.backlogLimit() >= 0) {
                aboutToSet.add(AuditStatusField.BACKLOG_LIMIT);
            }
            if (unicast && a.backlogWaitTime() >= 0) {
                aboutToSet.add(AuditStatusField.BACKLOG_WAIT_TIME);
            }
            if (found.enabled() == 0) {
                aboutToSet.add(AuditStatusField.ENABLED);
            }
            for (AuditRuleCommand c : rules) {
                if (c instanceof AuditRuleCommand.SetStatus st) {
                    aboutToSet.add(st.field());
                } else if (c instanceof AuditRuleCommand.AddRule ar) {
                    aboutToAdd.add(ar.rule());
                }
            }
            List<AuditRule> nsRules = a.namespaceRecords() ? NamespaceAuditRules.rules() : List.of();
            aboutToAdd.addAll(nsRules);
            saveRestore(aboutToSet, aboutToAdd, List.of());
            ownsRestoreFile = true;
            // A -D or -d in the rules file deletes rules loaded before us: they are written down before
            // they go, or a kill -9 would lose them (re-added in order by the next start's undo).
            state.journal(removing -> saveRestore(aboutToSet, aboutToAdd, removing));
            if (unicast && a.backlogLimit() >= 0) {
                state.set(AuditStatusField.BACKLOG_LIMIT, a.backlogLimit());
            }
            if (unicast && a.backlogWaitTime() >= 0) {
                state.set(AuditStatusField.BACKLOG_WAIT_TIME, a.backlogWaitTime());
            }
            if (found.enabled() == 0) {
                state.set(AuditStatusField.ENABLED, 1);
            }
            if (!rules.isEmpty()) {
                for (String note : state.apply(rules)) {
                    log.println("canister: " + note);
                }
                rulesAdded = state.addedRules().size();
            }
            for (AuditRule r : nsRules) {
                try {
                    state.addRule(r);
                    nsRulesAdded++;
                } catch (ErrnoException e) {
                    if (e.errno() != 17) {
                        throw e;
                    }
                    // EEXIST: the rules file (or someone else) loaded the same rule; it serves us as is and,
                    // not being ours, stays on exit
                    log.println("canister: namespace rule already loaded, kept as found: " + r);
                }
            }
            saveRestore(EnumSet.noneOf(AuditStatusField.class), List.of(), List.of());
            state.journal(removing -> saveRestore(EnumSet.noneOf(AuditStatusField.class), List.of(), removing));
        } catch (ErrnoException e) {
            throw new IllegalStateException("kernel audit setup failed: " + e.getMessage(), e);
        }
        ContidAnnotator annotator = new ContidAnnotator(tasks, a.containerIdPosition().equals("before")
                ? ContidAnnotator.Placement.BEFORE : ContidAnnotator.Placement.AFTER, netfilter(tasks, lock, registry));
        setClockOffsets(annotator);
        ProcNamespaceReader nsReader = null;
        if (a.namespaceRecords()) {
            nsReader = new ProcNamespaceReader();
            ProcNamespaceReader reader = nsReader;
            long nsfsDev = reader.nsfsDev();
            lock.lock();
            try {
                // seeded tasks are stat'ed once (all ten ns files, time included); later ones inherit
                nsTracker = NamespaceTracker.attach(tasks, nsfsDev, ContidRegistry::chainOf, stamps::next,
                        t -> reader.read(t.tid()), NamespaceTracker.DEFAULT_MAX_PENDING);
            } finally {
                lock.unlock();
            }
        }
        agent = new AuditAgent(events, control, TimeUnit.MILLISECONDS.toNanos(a.endOfEventTimeoutMs()), annotator, lock,
                stamps, router, TimeUnit.MILLISECONDS.toNanos(a.lostPollMs()), a.priorityBoost(), log, nsTracker,
                nsReader, TimeUnit.MICROSECONDS.toNanos(a.batchDelayUs()), trackerCaughtUpTo);
        // Re-read the clock offsets with every lost poll: a wall-clock step (NTP) would otherwise skew the
        // pid-reuse rule. On the reader thread, the annotator's only user.
        agent.onPoll(() -> setClockOffsets(annotator));
        runner = new AgentRunner(agent, 0, t -> log.println("canister: audit reader: " + t)).start();
        log.println("canister: audit " + a.mode() + (events.isRegisteredDaemon() ? " (registered audit daemon)" : "")
                + ", receive buffer " + events.receiveBufferBytes() + " bytes"
                + (rulesLoaded != null ? ", " + rulesAdded + " rules from " + rulesLoaded : ", no rules file")
                + (nsTracker != null ? ", namespace records on (" + nsRulesAdded + " canister-ns rules, "
                        + nsTracker.stats().live() + " namespaces seeded)" : ""));
    }

    /**
     * Gives the annotator the offsets that place a record's wall-clock stamp on the task table's clocks,
     * so a late record of an exited task whose pid was reused goes to its own incarnation: CLOCK_BOOTTIME
     * from {@code /proc/uptime} (the clock of stat field 22, 10 ms resolution), CLOCK_MONOTONIC from
     * {@link System#nanoTime()} (the clock of the proc connector's timestamps). Without them (logged) only
     * {@code ppid=} tells incarnations apart.
     */
    private volatile boolean clockWarned;

    private void setClockOffsets(ContidAnnotator annotator) {
        try {
            String uptime = Files.readString(Path.of("/proc/uptime"), StandardCharsets.US_ASCII).strip();
            long monoMs = System.nanoTime() / 1_000_000;
            long wallMs = System.currentTimeMillis();
            String first = uptime.split("\\s+")[0];
            int dot = first.indexOf('.');
            long bootMs = dot < 0 ? Long.parseLong(first) * 1000
                    : Long.parseLong(first.substring(0, dot)) * 1000
                            + Long.parseLong((first.substring(dot + 1) + "000").substring(0, 3));
            annotator.clockOffsets(wallMs - bootMs, wallMs - monoMs);
        } catch (IOException | RuntimeException e) {
            if (!clockWarned) {
                clockWarned = true;
                log.println("canister: records of reused pids are told apart by ppid only: cannot read /proc/uptime ("
                        + e + ")");
            }
        }
    }

    /** NETFILTER_PKT attribution, or null without a registry or when the host netns cannot be read (logged). */
    private ContidAnnotator.Netfilter netfilter(TaskTable tasks, Lock lock, ContidRegistry registry) {
        if (registry == null) {
            return null;
        }
        long hostNetns;
        try {
            hostNetns = ProcFs.parseNamespaceLink(Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString());
        } catch (IOException | IllegalArgumentException e) {
            log.println("canister: NETFILTER_PKT records stay unannotated: cannot read /proc/self/ns/net (" + e + ")");
            return null;
        }
        lock.lock();
        try {
            return new ContidAnnotator.Netfilter(NetnsContainers.attach(tasks, registry), hostNetns,
                    settings.netfilterMarkNetns());
        } finally {
            lock.unlock();
        }
    }

    /** The rules file's commands; a missing default file means no rules, a missing explicit one is an error. */
    private List<AuditRuleCommand> readRules(CanisterConfig.Audit a) {
        Path file = a.rulesFile();
        if (!Files.exists(file)) {
            return List.of();
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the audit rules " + file + ": " + e.getMessage(), e);
        }
        List<AuditRuleCommand> commands;
        try {
            commands = AuditRules.parse(text, new HostAuditFacts());
        } catch (CanisterException e) {
            throw new IllegalStateException(file + ": " + e.getMessage() + " (" + e.errno().name() + ")", e);
        }
        for (AuditRuleCommand c : commands) {
            if (c instanceof AuditRuleCommand.SetStatus s && s.field() == AuditStatusField.ENABLED && s.value() == 2
                    && !a.allowImmutable()) {
                throw new IllegalStateException(file + " line " + s.line() + ": -e 2 would lock kernel audit until reboot,"
                        + " so Canister could not restore it on exit; remove it, or set audit.allow-immutable: true");
            }
        }
        rulesLoaded = file;
        return commands;
    }

    private void saveRestore(EnumSet<AuditStatusField> aboutToSet, List<AuditRule> aboutToAdd, List<byte[]> aboutToRemove) {
        try {
            restoreFile.save(state, aboutToSet, aboutToAdd, aboutToRemove);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + restoreFile.file() + " (" + e.getMessage() + "), which lets"
                    + " a restarted daemon undo kernel audit changes if this one is killed; make daemon.run-dir writable", e);
        }
    }

    private static EventFilter filter(List<String> lines, String key) {
        return EventFilter.parse(lines, key);
    }

    private static Set<PosixFilePermission> mode(String octal) {
        int m = Integer.parseInt(octal, 8);
        StringBuilder b = new StringBuilder(9);
        String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            b.append((m & (1 << (8 - i))) != 0 ? rwx.charAt(i) : '-');
        }
        return PosixFilePermissions.fromString(b.toString());
    }

    private static void createDir(Path dir) {
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-x---")));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the log directory " + dir + ": " + e.getMessage()
                    + "; choose another with --log-dir", e);
        }
    }

    /** Queues an event from any source (the contid registry's records); never blocks. */
    public boolean submit(AuditEvent event) {
        return router.submit(event);
    }

    /** The router (the single writer of the audit logs and socket). */
    public AuditRouter router() {
        return router;
    }

    /** The kernel reader, or null in mode off. */
    public AuditAgent agent() {
        return agent;
    }

    /** The metrics endpoint, or null. */
    public MetricsServer metrics() {
        return metrics;
    }

    /** Counters for the daemon's {@code status} file. */
    public void addCounters(Map<String, Object> counters) {
        AuditRouter.Stats s = router.stats();
        counters.put("audit_mode", settings.mode());
        if (agent != null) {
            counters.put("audit_records_received", agent.recordsReceived());
            counters.put("audit_events_assembled", agent.eventsAssembled());
            counters.put("audit_events_annotated", agent.eventsAnnotated());
            counters.put("audit_kernel_lost", agent.kernelLost());
            counters.put("audit_socket_overruns", agent.overruns());
            counters.put("audit_kernel_backlog", agent.kernelBacklog());
            counters.put("audit_reader_errors", runner.errors());
            counters.put("audit_reader_error_loss", agent.readerErrorLoss());
            counters.put("audit_attribution_hold_timeouts", agent.holdTimeouts());
            NamespaceTracker.Stats ns = agent.namespaceStats();
            if (ns != null) {
                counters.put("audit_ns_live", ns.live());
                counters.put("audit_ns_tracked_tasks", ns.trackedTasks());
                counters.put("audit_ns_created", ns.created());
                counters.put("audit_ns_changed", ns.changed());
                counters.put("audit_ns_destroyed", ns.destroyed());
                counters.put("audit_ns_unobserved", ns.unobserved());
                counters.put("audit_ns_pending_children", ns.pendingChildren());
                counters.put("audit_ns_evicted_pending", ns.evictedPending());
                counters.put("audit_ns_events", agent.namespaceEvents());
                counters.put("audit_ns_exit_events", agent.namespaceExitEvents());
            }
        }
        counters.put("audit_events_filtered", s.filtered());
        counters.put("audit_queue_dropped", s.queueDropped());
        counters.put("audit_queued", s.queued());
        counters.put("audit_host_log_written", s.hostWritten());
        counters.put("audit_host_log_lost", s.hostLost());
        counters.put("audit_host_log_errors", s.hostErrors());
        if (s.hostSuspended() != null) {
            counters.put("audit_host_log_suspended", s.hostSuspended());
        }
        counters.put("audit_container_logs_written", s.containerWritten());
        counters.put("audit_container_logs_lost", s.containerLost());
        counters.put("audit_socket_clients", s.socketClients());
        counters.put("audit_socket_slow_disconnects", s.socketSlowDisconnects());
        if (metricsError != null) {
            counters.put("metrics_error", metricsError);
        }
    }

    /** The Prometheus text of the pipeline. */
    public String metricsText() {
        AuditRouter.Stats s = router.stats();
        MetricsServer.Text t = new MetricsServer.Text();
        if (agent != null) {
            t.metric("canister_audit_records_received_total", "counter", "Records read from the kernel audit socket.",
                    agent.recordsReceived());
            t.metric("canister_audit_events_received_total", "counter", "Kernel events assembled from those records.",
                    agent.eventsAssembled());
            t.metric("canister_audit_events_annotated_total", "counter", "Events that got CONTAINER_ID records.",
                    agent.eventsAnnotated());
            t.metric("canister_audit_kernel_lost_total", "counter",
                    "Growth of the kernel's lost counter since the daemon started.", agent.kernelLost());
            t.metric("canister_audit_socket_overruns_total", "counter",
                    "Receive overruns (ENOBUFS) on the audit netlink socket.", agent.overruns());
            t.metric("canister_audit_kernel_backlog", "gauge", "Records queued in the kernel at the last poll.",
                    agent.kernelBacklog());
            t.metric("canister_audit_attribution_hold_timeouts_total", "counter",
                    "Events annotated before the proc tracker caught up (it was behind for a second).",
                    agent.holdTimeouts());
            EventAssembler.Stats as = agent.assemblerStats();
            if (as != null) {
                t.metric("canister_audit_events_timed_out_total", "counter",
                        "Events completed by the end-of-event timeout.", as.timedOut());
            }
            NamespaceTracker.Stats ns = agent.namespaceStats();
            if (ns != null) {
                t.metric("canister_audit_namespaces_live", "gauge", "Namespaces tracked now.", ns.live());
                t.labelled("canister_audit_namespace_records_total", "counter",
                        "NS_CREATE, NS_CHANGE and NS_DESTROY records made (destroy: all causes).", "op",
                        new String[] {"create", "change", "destroy"},
                        new long[] {ns.created(), ns.changed(), ns.destroyed()});
                t.metric("canister_audit_namespace_unobserved_total", "counter",
                        "Namespace records with dev=? inode=? (the task was gone before /proc was read).",
                        ns.unobserved());
                t.metric("canister_audit_namespace_pending_children", "gauge",
                        "Clone children waiting for their fork event.", ns.pendingChildren());
                t.metric("canister_audit_namespace_evicted_pending_total", "counter",
                        "Pending clone children released because the bound was reached.", ns.evictedPending());
            }
            ContidAnnotator.Stats an = agent.annotatorStats();
            if (an != null) {
                t.metric("canister_audit_annotations_via_ppid_total", "counter",
                        "Subjects attributed through their parent (the proc connector had not reported them yet).",
                        an.viaPpid());
                t.metric("canister_audit_unknown_subjects_total", "counter",
                        "Syscall subjects neither whose pid nor whose ppid the task table knew.", an.unknownSubjects());
                t.metric("canister_audit_netfilter_packets_total", "counter", "NETFILTER_PKT records seen.",
                        an.netfilterPackets());
                t.metric("canister_audit_netfilter_annotated_total", "counter",
                        "NETFILTER_PKT records that got a CONTAINER_ID (a labelled task in the packet's netns).",
                        an.netfilterAnnotated());
                t.metric("canister_audit_netfilter_by_mark_total", "counter",
                        "NETFILTER_PKT records whose netns was named by their mark (audit.netfilter-mark-netns).",
                        an.netfilterByMark());
            }
        }
        t.metric("canister_audit_events_submitted_total", "counter", "Events queued for the writer, all sources.",
                s.submitted());
        t.metric("canister_audit_events_filtered_total", "counter", "Events dropped by audit.filters.", s.filtered());
        t.metric("canister_audit_queue_dropped_total", "counter", "Events lost because the writer queue was full.",
                s.queueDropped());
        t.metric("canister_audit_queue_depth", "gauge", "Events waiting for the writer.", s.queued());
        String[] sinks = {"host", "containers", "socket"};
        t.labelled("canister_audit_events_written_total", "counter", "Events written per sink.", "sink", sinks,
                new long[] {s.hostWritten(), s.containerWritten(), s.socketSent()});
        t.labelled("canister_audit_events_lost_total", "counter",
                "Events a sink could not take (suspended log, failed write, slow socket client).", "sink", sinks,
                new long[] {s.hostLost(), s.containerLost(), s.socketDropped()});
        t.labelled("canister_audit_sink_errors_total", "counter", "Failed opens, writes and syncs per sink.", "sink",
                new String[] {"host", "containers"}, new long[] {s.hostErrors(), s.containerErrors()});
        t.metric("canister_audit_log_suspended", "gauge", "1 while the host log is suspended (disk full, space_left).",
                s.hostSuspended() == null ? 0 : 1);
        t.metric("canister_audit_log_rotations_total", "counter", "Rotations of the host log.", s.hostRotations());
        t.metric("canister_audit_socket_clients", "gauge", "Clients connected to audit.sock.", s.socketClients());
        t.metric("canister_audit_socket_slow_disconnects_total", "counter",
                "audit.sock clients disconnected because they fell behind.", s.socketSlowDisconnects());
        t.metric("canister_audit_loss_records_total", "counter", "DAEMON_ERR op=lost records written by the writer.",
                s.lossRecords() + (agent == null ? 0 : agent.lossRecords()));
        return t.toString();
    }

    /**
     * Stops the reader, unregisters, deletes the rules it added and restores every kernel setting,
     * then writes out and closes the sinks. Idempotent; failures are reported, not thrown.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopKernel();
        if (metrics != null) {
            metrics.close();
        }
        if (router != null) {
            router.close();
        }
    }

    /**
     * Stops the reader and restores the kernel, leaving the router running for the last events of
     * other sources (contid drops at shutdown). {@link #close()} does this too.
     */
    public synchronized void stopKernel() {
        // Rules go first, while the reader still drains: once they are deleted (and enabled is back as
        // found) the kernel makes no more records for us, so unregistering afterwards strands none in
        // its hold queue, where past backlog_limit they would count as lost.
        if (state != null) {
            try {
                state.close();
                if (ownsRestoreFile) {
                    restoreFile.delete();
                }
            } catch (IOException e) {
                log.println("canister: cannot remove " + restoreFile.file() + ": " + e.getMessage());
            } catch (RuntimeException e) {
                log.println("canister: restoring kernel audit state failed: " + e.getMessage()
                        + " (check auditctl -s and auditctl -l; the next start retries from " + restoreFile.file() + ")");
            }
        }
        if (runner != null) {
            runner.close();
        }
        if (events != null) {
            try {
                events.close();
            } catch (RuntimeException e) {
                log.println("canister: unregistering the audit daemon failed: " + e.getMessage());
            }
        }
        if (stateSocket != null) {
            try {
                stateSocket.close();
            } catch (RuntimeException e) {
                log.println("canister: closing the audit state socket: " + e.getMessage());
            }
        }
        if (control != null) {
            try {
                control.close();
            } catch (RuntimeException e) {
                log.println("canister: closing the audit control socket: " + e.getMessage());
            }
        }
    }
}
