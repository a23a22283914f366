package org.canister.daemon.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;
import java.util.List;
import org.canister.core.CanisterException;
import org.canister.core.audit.CanisterTypes;
import org.canister.core.audit.filter.EventFilter;

/**
 * Daemon settings: {@code /etc/canister/canister.yaml} when present, else the embedded defaults
 * (resource {@code canister-default.yaml}); command-line flags override both. Unknown keys are an
 * error that names the key, the file and the line (see {@link ConfigLoader}).
 */
public record CanisterConfig(
        @JsonProperty("daemon") Daemon daemon,
        @JsonProperty("tasks") Tasks tasks,
        @JsonProperty("audit") Audit audit,
        @JsonProperty("contid") Contid contid,
        @JsonProperty("metrics") Metrics metrics) {

    public CanisterConfig {
        daemon = daemon == null ? new Daemon(null, null, null, null) : daemon;
        tasks = tasks == null ? new Tasks(null, null, null) : tasks;
        audit = audit == null ? new Audit() : audit;
        contid = contid == null ? new Contid(null, null, null) : contid;
        metrics = metrics == null ? new Metrics(null, null) : metrics;
    }

    /** Daemon and task settings, defaults elsewhere. */
    public CanisterConfig(Daemon daemon, Tasks tasks) {
        this(daemon, tasks, null, null, null);
    }

    /** Daemon, task, audit and contid settings, default metrics. */
    public CanisterConfig(Daemon daemon, Tasks tasks, Audit audit, Contid contid) {
        this(daemon, tasks, audit, contid, null);
    }

    /** The same configuration with other audit settings. */
    public CanisterConfig withAudit(Audit newAudit) {
        return new CanisterConfig(daemon, tasks, newAudit, contid, metrics);
    }

    /** The same configuration with other metrics settings. */
    public CanisterConfig withMetrics(Metrics newMetrics) {
        return new CanisterConfig(daemon, tasks, audit, contid, newMetrics);
    }

    /** Where the daemon serves and keeps things. */
    public record Daemon(
            @JsonProperty("mount") Path mount,
            @JsonProperty("state-dir") Path stateDir,
            @JsonProperty("log-dir") Path logDir,
            @JsonProperty("run-dir") Path runDir) {
        public Daemon {
            mount = mount == null ? Path.of("/run/canister/fs") : mount;
            stateDir = stateDir == null ? Path.of("/var/lib/canister") : stateDir;
            logDir = logDir == null ? Path.of("/var/log/canister") : logDir;
            runDir = runDir == null ? Path.of("/run/canister") : runDir;
        }
    }

    /**
     * Process tracking.
     *
     * @param tombstoneGraceSeconds exited tasks stay attributable this long
     * @param batchDelayUs          the proc tracker sleeps this long after each batch of connector events, so a
     *                              fork/exec/exit storm is taken in batches (0: at once)
     * @param execReadDelayMs       an exec's {@code /proc} read waits this long and is skipped when the task
     *                              exits meanwhile (0: read at once); {@code ps} may show the pre-exec comm
     *                              for that long
     */
    public record Tasks(@JsonProperty("tombstone-grace-seconds") Integer tombstoneGraceSeconds,
                        @JsonProperty("batch-delay-us") Integer batchDelayUs,
                        @JsonProperty("exec-read-delay-ms") Integer execReadDelayMs) {
        public Tasks {
            tombstoneGraceSeconds = range("tasks.tombstone-grace-seconds", tombstoneGraceSeconds, 30, 0, 3600);
            batchDelayUs = range("tasks.batch-delay-us", batchDelayUs, 2000, 0, 100_000);
            execReadDelayMs = range("tasks.exec-read-delay-ms", execReadDelayMs, 50, 0, 10_000);
        }
    }

    /**
     * The audit pipeline: the kernel link, the rules loaded into the kernel, event assembly and
     * annotation, user-space filters, and the sinks (host log, per-container logs, {@code audit.sock}),
     * with auditd's rotation and disk-space actions. Every key is documented in
     * {@code canister-default.yaml}.
     *
     * @param mode                {@code unicast} (the registered audit daemon), {@code multicast} (a
     *                            reader beside auditd) or {@code off}
     * @param rulesFile           kernel rules in auditctl syntax; absent file = no rules
     * @param allowImmutable      accept {@code -e 2} in the rules file (it locks audit until reboot)
     * @param receiveBuffer       receive buffer of the event socket, bytes
     * @param backlogLimit        unicast: {@code backlog_limit} while running, -1 leaves it
     * @param backlogWaitTime     unicast: {@code backlog_wait_time} (kernel units, as auditctl), -1 leaves it
     * @param endOfEventTimeoutMs an event without EOE is complete after this long (auditd's 2 s)
     * @param lostPollMs          how often the kernel {@code lost} counter is polled (at most 5000)
     * @param containerIdPosition {@code after} or {@code before} (v11 order) the record it annotates
     * @param priorityBoost       how much the reader and writer threads' nice value is lowered (auditd's
     *                            {@code priority_boost}, default 4), so a busy machine cannot starve them
     *                            into kernel {@code lost} records; 0 = leave it
     * @param logFile             host log; relative paths are under {@code daemon.log-dir}
     * @param typeNames           {@code unknown-numbers} ({@code type=UNKNOWN[1020]}, what stock ausearch
     *                            3.0.9 can select with {@code -m}) or {@code names} ({@code type=CONTAINER_OP})
     * @param queueCapacity       events waiting between the sources and the writer before further ones
     *                            are counted lost
     * @param fsyncIntervalMs     at most one fdatasync per this many ms while events arrive, and one at close
     * @param filters             drop/keep rules applied before anything is queued
     *                            ({@link org.canister.core.audit.filter.EventFilter} syntax)
     * @param hostLog             the host log
     * @param containerLogs       per-container logs
     * @param socket              the live stream
     * @param maxLogFile          MiB per log file before {@code maxLogFileAction}
     * @param numLogs             files kept per log by {@code rotate}, the current one included
     * @param maxLogFileAction    rotate, keep_logs, ignore, syslog or suspend
     * @param spaceLeft           MiB free on the log file system below which {@code spaceLeftAction} applies
     * @param spaceLeftAction     ignore, syslog or suspend
     * @param diskFullAction      suspend or ignore
     * @param namespaceRecords    load the {@code canister-ns} kernel rules and add NS_CREATE, NS_CHANGE and
     *                            NS_DESTROY records (spec/audit-contid.md 6.3); default false, ignored in mode off
     * @param batchDelayUs        after the reader has drained the socket, it sleeps this long before the next
     *                            read, so records arrive in batches: one wakeup, one model-lock hold and one
     *                            writer hand-off per batch instead of per record (0: read at once). Safe for
     *                            the kernel: the socket buffer holds seconds of records at any rate. The
     *                            writer waits as long after each write, for fewer, larger writes
     * @param netfilterMarkNetns  NETFILTER_PKT attribution (spec req. 10): false (default) lists the containers
     *                            of the host network namespace; true takes a {@code mark=} shaped like an nsfs
     *                            inode as the netns the packet belongs to (see ContidAnnotator)
     */
    public record Audit(
            @JsonProperty("mode") String mode,
            @JsonProperty("rules-file") Path rulesFile,
            @JsonProperty("allow-immutable") Boolean allowImmutable,
            @JsonProperty("receive-buffer") Integer receiveBuffer,
            @JsonProperty("backlog-limit") Integer backlogLimit,
            @JsonProperty("backlog-wait-time") Integer backlogWaitTime,
            @JsonProperty("end-of-event-timeout-ms") Integer endOfEventTimeoutMs,
            @JsonProperty("lost-poll-ms") Integer lostPollMs,
            @JsonProperty("container-id-position") String containerIdPosition,
            @JsonProperty("priority-boost") Integer priorityBoost,
            @JsonProperty("log-file") Path logFile,
            @JsonProperty("type-names") String typeNames,
            @JsonProperty("queue-capacity") Integer queueCapacity,
            @JsonProperty("fsync-interval-ms") Integer fsyncIntervalMs,
            @JsonProperty("filters") List<String> filters,
            @JsonProperty("host-log") HostLog hostLog,
            @JsonProperty("container-logs") ContainerLogs containerLogs,
            @JsonProperty("socket") AuditSocket socket,
            @JsonProperty("max-log-file") Integer maxLogFile,
            @JsonProperty("num-logs") Integer numLogs,
            @JsonProperty("max-log-file-action") String maxLogFileAction,
            @JsonProperty("space-left") Integer spaceLeft,
            @JsonProperty("space-left-action") String spaceLeftAction,
            @JsonProperty("disk-full-action") String diskFullAction,
            @JsonProperty("namespace-records") Boolean namespaceRecords,
            @JsonProperty("batch-delay-us") Integer batchDelayUs,
            @JsonProperty("netfilter-mark-netns") Boolean netfilterMarkNetns) {
        public Audit {
            mode = oneOf("audit.mode", mode, "unicast", "unicast", "multicast", "off");
            rulesFile = rulesFile == null ? Path.of("/etc/canister/audit.rules") : rulesFile;
            allowImmutable = allowImmutable != null && allowImmutable;
            receiveBuffer = range("audit.receive-buffer", receiveBuffer, 32 << 20, 65_536, 1 << 30);
            backlogLimit = range("audit.backlog-limit", backlogLimit, 8192, -1, Integer.MAX_VALUE);
            // kernel/audit.c audit_set_backlog_wait_time: above 10 * AUDIT_BACKLOG_WAIT_TIME is EINVAL.
            backlogWaitTime = range("audit.backlog-wait-time", backlogWaitTime, 0, -1, Integer.MAX_VALUE);
            endOfEventTimeoutMs = range("audit.end-of-event-timeout-ms", endOfEventTimeoutMs, 2000, 1, 60_000);
            lostPollMs = range("audit.lost-poll-ms", lostPollMs, 1000, 100, 5000);
            containerIdPosition = oneOf("audit.container-id-position", containerIdPosition, "after", "after", "before");
            priorityBoost = range("audit.priority-boost", priorityBoost, 4, 0, 19);
            batchDelayUs = range("audit.batch-delay-us", batchDelayUs, 2000, 0, 100_000);
            logFile = logFile == null ? Path.of("audit.log") : logFile;
            typeNames = typeNames == null ? "unknown-numbers" : typeNames;
            if (!typeNames.equals("names") && !typeNames.equals("unknown-numbers")) {
                throw new IllegalArgumentException("audit.type-names must be 'unknown-numbers' (type=UNKNOWN[1020], "
                        + "searchable with stock ausearch -m) or 'names' (type=CONTAINER_OP), not '" + typeNames + "'");
            }
            queueCapacity = range("audit.queue-capacity", queueCapacity, 65_536, 16, 16_777_216);
            fsyncIntervalMs = range("audit.fsync-interval-ms", fsyncIntervalMs, 1000, 0, 3_600_000);
            filters = filters == null ? List.of() : List.copyOf(filters);
            hostLog = hostLog == null ? new HostLog(null, null) : hostLog;
            containerLogs = containerLogs == null ? new ContainerLogs(null, null, null, null, null) : containerLogs;
            socket = socket == null ? new AuditSocket(null, null, null, null, null, null) : socket;
            maxLogFile = range("audit.max-log-file", maxLogFile, 8, 0, 1 << 20);
            numLogs = range("audit.num-logs", numLogs, 5, 0, 999);
            maxLogFileAction = oneOf("audit.max-log-file-action", maxLogFileAction, "rotate",
                    "rotate", "keep_logs", "ignore", "syslog", "suspend");
            spaceLeft = range("audit.space-left", spaceLeft, 75, 0, 1 << 30);
            spaceLeftAction = oneOf("audit.space-left-action", spaceLeftAction, "syslog", "ignore", "syslog", "suspend");
            diskFullAction = oneOf("audit.disk-full-action", diskFullAction, "suspend", "suspend", "ignore");
            // Off by default: on a stock kernel the clone3 rule cannot see clone3's flags, so it audits
            // every posix_spawn and pthread_create (measured: it doubles the event volume of an exec storm).
            namespaceRecords = namespaceRecords != null && namespaceRecords;
            netfilterMarkNetns = netfilterMarkNetns != null && netfilterMarkNetns;
            validateFilters("audit.filters", filters);
        }

        /** All defaults. */
        public Audit() {
            this(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                    null, null, null, null, null, null, null, null, null, null);
        }

        /** The {@code type=} naming of {@link #typeNames}, as the audit pipeline takes it. */
        public CanisterTypes.Naming canisterNaming() {
            return typeNames.equals("names") ? CanisterTypes.Naming.NAMES : CanisterTypes.Naming.UNKNOWN_NUMBERS;
        }

        /** The same settings with another rules file ({@code canister run --audit-rules}). */
        public Audit withRulesFile(Path file) {
            return copy(mode, file, namespaceRecords, netfilterMarkNetns);
        }

        /** The same settings with namespace records on or off. */
        public Audit withNamespaceRecords(boolean on) {
            return copy(mode, rulesFile, on, netfilterMarkNetns);
        }

        /** The same settings with the NETFILTER_PKT mark convention on or off. */
        public Audit withNetfilterMarkNetns(boolean on) {
            return copy(mode, rulesFile, namespaceRecords, on);
        }

        /** The same settings with another mode (tests, {@code --audit-mode}). */
        public Audit withMode(String newMode) {
            return copy(newMode, rulesFile, namespaceRecords, netfilterMarkNetns);
        }

        /** These settings with the fields the {@code with} methods change replaced: the one place to list them all. */
        private Audit copy(String newMode, Path newRulesFile, boolean newNamespaceRecords, boolean newNetfilterMarkNetns) {
            return new Audit(newMode, newRulesFile, allowImmutable, receiveBuffer, backlogLimit, backlogWaitTime,
                    endOfEventTimeoutMs, lostPollMs, containerIdPosition, priorityBoost, logFile, typeNames, queueCapacity,
                    fsyncIntervalMs, filters, hostLog, containerLogs, socket, maxLogFile, numLogs, maxLogFileAction,
                    spaceLeft, spaceLeftAction, diskFullAction, newNamespaceRecords, batchDelayUs, newNetfilterMarkNetns);
        }
    }

    /**
     * The host log ({@code audit.log-file}).
     *
     * @param enabled write it
     * @param filters rules for this log only, after {@code audit.filters}
     */
    public record HostLog(@JsonProperty("enabled") Boolean enabled, @JsonProperty("filters") List<String> filters) {
        public HostLog {
            enabled = enabled == null || enabled;
            filters = filters == null ? List.of() : List.copyOf(filters);
            validateFilters("audit.host-log.filters", filters);
        }
    }

    /**
     * Per-container logs {@code <dir>/<contid>/audit.log}.
     *
     * @param enabled   write them
     * @param dir       relative paths are under {@code daemon.log-dir}
     * @param ancestors also write each event to the logs of the containers its container is nested in
     * @param maxOpen   files kept open at once (least recently written closed first)
     * @param filters   rules for these logs only, after {@code audit.filters}
     */
    public record ContainerLogs(
            @JsonProperty("enabled") Boolean enabled,
            @JsonProperty("dir") Path dir,
            @JsonProperty("ancestors") Boolean ancestors,
            @JsonProperty("max-open") Integer maxOpen,
            @JsonProperty("filters") List<String> filters) {
        public ContainerLogs {
            enabled = enabled == null || enabled;
            dir = dir == null ? Path.of("containers") : dir;
            ancestors = ancestors != null && ancestors;
            maxOpen = range("audit.container-logs.max-open", maxOpen, 256, 1, 65_536);
            filters = filters == null ? List.of() : List.copyOf(filters);
            validateFilters("audit.container-logs.filters", filters);
        }
    }

    /**
     * The live stream: an AF_UNIX stream socket in auditd's af_unix plugin "string" format.
     *
     * @param enabled     serve it
     * @param path        relative paths are under {@code daemon.run-dir}
     * @param mode        file mode, octal (auditd's af_unix default 0640)
     * @param clientQueue events queued per client; a client that falls this far behind is disconnected
     * @param eoe         send the EOE line after events the kernel closed with EOE (auditd's plugins get it)
     * @param filters     rules for the socket only, after {@code audit.filters}
     */
    public record AuditSocket(
            @JsonProperty("enabled") Boolean enabled,
            @JsonProperty("path") Path path,
            @JsonProperty("mode") String mode,
            @JsonProperty("client-queue") Integer clientQueue,
            @JsonProperty("eoe") Boolean eoe,
            @JsonProperty("filters") List<String> filters) {
        public AuditSocket {
            enabled = enabled == null || enabled;
            path = path == null ? Path.of("audit.sock") : path;
            mode = mode == null ? "0640" : mode;
            if (!mode.matches("0?[0-7]{3}")) {
                throw new IllegalArgumentException("audit.socket.mode must be octal like 0640, not '" + mode + "'");
            }
            clientQueue = range("audit.socket.client-queue", clientQueue, 8192, 16, 1 << 24);
            eoe = eoe == null || eoe;
            filters = filters == null ? List.of() : List.copyOf(filters);
            validateFilters("audit.socket.filters", filters);
        }
    }

    /**
     * Prometheus text metrics over HTTP.
     *
     * @param port TCP port; 0 turns metrics off
     * @param bind address to listen on (loopback by default: metrics say what is being audited)
     */
    public record Metrics(@JsonProperty("port") Integer port, @JsonProperty("bind") String bind) {
        public Metrics {
            port = range("metrics.port", port, 9465, 0, 65_535);
            bind = bind == null ? "127.0.0.1" : bind;
        }
    }

    private static String oneOf(String key, String value, String dflt, String... allowed) {
        String v = value == null ? dflt : value;
        for (String a : allowed) {
            if (a.equals(v)) {
                return v;
            }
        }
        throw new IllegalArgumentException(key + " must be one of " + String.join(", ", allowed) + ", not '" + v + "'");
    }

    private static int range(String key, Integer value, int dflt, int min, int max) {
        int v = value == null ? dflt : value;
        if (v < min || v > max) {
            throw new IllegalArgumentException(key + " must be between " + min + " and " + max + ", not " + v);
        }
        return v;
    }

    private static void validateFilters(String key, List<String> lines) {
        try {
            EventFilter.parse(lines, key);
        } catch (CanisterException e) {
            throw new IllegalArgumentException(e.getMessage() + " (" + e.errno().name() + ")");
        }
    }

    /**
     * Audit container IDs.
     *
     * @param stateFile      the registry's state; relative paths are under {@code daemon.state-dir}
     * @param maxContainers  registered containers before new IDs are refused with ENOMEM
     * @param runtimeFile    serve {@code proc/<pid>/audit_containerid_runtime}, through which an OCI hook
     *                       (or {@code canister contid set}) acts for the runtime that spawned it
     */
    public record Contid(
            @JsonProperty("state-file") Path stateFile,
            @JsonProperty("max-containers") Integer maxContainers,
            @JsonProperty("runtime-file") Boolean runtimeFile) {
        public Contid {
            stateFile = stateFile == null ? Path.of("contid.state") : stateFile;
            maxContainers = maxContainers == null ? 1_000_000 : maxContainers;
            if (maxContainers < 1) {
                throw new IllegalArgumentException("contid.max-containers must be positive, not " + maxContainers);
            }
            runtimeFile = runtimeFile == null ? Boolean.TRUE : runtimeFile;
        }
    }

    /** The same configuration with another run directory (sockets). */
    public CanisterConfig withRunDir(Path runDir) {
        return new CanisterConfig(new Daemon(daemon.mount(), daemon.stateDir(), daemon.logDir(), runDir), tasks, audit,
                contid, metrics);
    }

    public CanisterConfig withDaemon(Path mount, Path stateDir, Path logDir) {
        return new CanisterConfig(new Daemon(
                mount != null ? mount : daemon.mount(),
                stateDir != null ? stateDir : daemon.stateDir(),
                logDir != null ? logDir : daemon.logDir(),
                daemon.runDir()), tasks, audit, contid, metrics);
    }
}
