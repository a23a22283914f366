package org.canister.daemon.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;
import org.canister.core.contid.ContidRecords;

/**
 * Daemon settings: {@code /etc/canister/canister.yaml} when present, else the embedded defaults
 * (resource {@code canister-default.yaml}); command-line flags override both. Unknown keys are an
 * error that names the key, the file and the line (see {@link ConfigLoader}).
 */
public record CanisterConfig(
        @JsonProperty("daemon") Daemon daemon,
        @JsonProperty("tasks") Tasks tasks,
        @JsonProperty("audit") Audit audit,
        @JsonProperty("contid") Contid contid) {

    public CanisterConfig {
        daemon = daemon == null ? new Daemon(null, null, null, null) : daemon;
        tasks = tasks == null ? new Tasks(null) : tasks;
        audit = audit == null ? new Audit(null, null, null, null) : audit;
        contid = contid == null ? new Contid(null, null, null) : contid;
    }

    /** Daemon and task settings, defaults elsewhere. */
    public CanisterConfig(Daemon daemon, Tasks tasks) {
        this(daemon, tasks, null, null);
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

    /** Process tracking. */
    public record Tasks(@JsonProperty("tombstone-grace-seconds") Integer tombstoneGraceSeconds) {
        public Tasks {
            if (tombstoneGraceSeconds == null) {
                tombstoneGraceSeconds = 30;
            }
            if (tombstoneGraceSeconds < 0 || tombstoneGraceSeconds > 3600) {
                throw new IllegalArgumentException(
                        "tasks.tombstone-grace-seconds must be between 0 and 3600, not " + tombstoneGraceSeconds);
            }
        }
    }

    /**
     * The audit log Canister writes its own events to (CONTAINER_OP, SET_CAPCONTID, drops) in auditd's
     * text framing.
     *
     * @param logFile         relative paths are under {@code daemon.log-dir}
     * @param typeNames       {@code unknown-numbers} ({@code type=UNKNOWN[1020]}, what stock ausearch
     *                        3.0.9 can select with {@code -m}) or {@code names} ({@code type=CONTAINER_OP})
     * @param queueCapacity   events waiting for the writer thread before further ones are counted lost
     * @param fsyncIntervalMs at most one fsync per this many ms while events arrive, and one at close
     */
    public record Audit(
            @JsonProperty("log-file") Path logFile,
            @JsonProperty("type-names") String typeNames,
            @JsonProperty("queue-capacity") Integer queueCapacity,
            @JsonProperty("fsync-interval-ms") Integer fsyncIntervalMs) {
        public Audit {
            logFile = logFile == null ? Path.of("audit.log") : logFile;
            typeNames = typeNames == null ? "unknown-numbers" : typeNames;
            if (!typeNames.equals("names") && !typeNames.equals("unknown-numbers")) {
                throw new IllegalArgumentException("audit.type-names must be 'unknown-numbers' (type=UNKNOWN[1020], "
                        + "searchable with stock ausearch -m) or 'names' (type=CONTAINER_OP), not '" + typeNames + "'");
            }
            queueCapacity = queueCapacity == null ? 65_536 : queueCapacity;
            if (queueCapacity < 16 || queueCapacity > 16_777_216) {
                throw new IllegalArgumentException("audit.queue-capacity must be between 16 and 16777216, not " + queueCapacity);
            }
            fsyncIntervalMs = fsyncIntervalMs == null ? 1000 : fsyncIntervalMs;
            if (fsyncIntervalMs < 0 || fsyncIntervalMs > 3_600_000) {
                throw new IllegalArgumentException("audit.fsync-interval-ms must be between 0 and 3600000, not " + fsyncIntervalMs);
            }
        }

        /** The {@code type=} naming of {@link #typeNames}. */
        public ContidRecords.Naming naming() {
            return typeNames.equals("names") ? ContidRecords.Naming.NAMES : ContidRecords.Naming.UNKNOWN_NUMBERS;
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

    public CanisterConfig withDaemon(Path mount, Path stateDir, Path logDir) {
        return new CanisterConfig(new Daemon(
                mount != null ? mount : daemon.mount(),
                stateDir != null ? stateDir : daemon.stateDir(),
                logDir != null ? logDir : daemon.logDir(),
                daemon.runDir()), tasks, audit, contid);
    }
}
