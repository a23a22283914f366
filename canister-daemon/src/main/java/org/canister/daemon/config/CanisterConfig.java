package org.canister.daemon.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.file.Path;

/**
 * Daemon settings: {@code /etc/canister/canister.yaml} when present, else the embedded defaults
 * (resource {@code canister-default.yaml}); command-line flags override both. Unknown keys are an
 * error that names the key, the file and the line (see {@link ConfigLoader}).
 */
public record CanisterConfig(
        @JsonProperty("daemon") Daemon daemon,
        @JsonProperty("tasks") Tasks tasks) {

    public CanisterConfig {
        daemon = daemon == null ? new Daemon(null, null, null, null) : daemon;
        tasks = tasks == null ? new Tasks(null) : tasks;
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

    public CanisterConfig withDaemon(Path mount, Path stateDir, Path logDir) {
        return new CanisterConfig(new Daemon(
                mount != null ? mount : daemon.mount(),
                stateDir != null ? stateDir : daemon.stateDir(),
                logDir != null ? logDir : daemon.logDir(),
                daemon.runDir()), tasks);
    }
}
