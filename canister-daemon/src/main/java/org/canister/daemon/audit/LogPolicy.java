package org.canister.daemon.audit;

import java.util.Locale;
import org.canister.daemon.config.CanisterConfig;

/**
 * auditd's size and space rules for one log file (auditd.conf(5), 3.0.9), with the actions
 * Canister implements.
 *
 * @param maxBytes        {@code max_log_file} in bytes; 0 = no limit
 * @param numLogs         {@code num_logs}: files kept by rotate, the current one included
 * @param maxAction       {@code max_log_file_action}
 * @param spaceLeftBytes  {@code space_left} in bytes
 * @param spaceLeftAction {@code space_left_action}
 * @param diskFullAction  {@code disk_full_action}
 * @param fullBytes       usable bytes below which the disk counts as full (a write could fail midway)
 * @param resumeBytes     usable bytes a disk-full suspension waits for before writing again
 */
public record LogPolicy(long maxBytes, int numLogs, MaxAction maxAction, long spaceLeftBytes,
                        SpaceAction spaceLeftAction, FullAction diskFullAction, long fullBytes, long resumeBytes) {

    /** What happens when a file reaches {@code max_log_file}. */
    public enum MaxAction {
        /** Rename audit.log to audit.log.1 (and so on up to num_logs - 1) and start a new file. */
        ROTATE,
        /** As ROTATE, but never delete: the oldest file keeps its number plus one. */
        KEEP_LOGS,
        /** Keep writing. */
        IGNORE,
        /** Keep writing, say so once in the daemon's log (journal). */
        SYSLOG,
        /** Stop writing (counted as lost) until the file is rotated or truncated by someone else. */
        SUSPEND
    }

    /** What happens when free space falls below {@code space_left}. */
    public enum SpaceAction { IGNORE, SYSLOG, SUSPEND }

    /** What happens when the disk is full. */
    public enum FullAction {
        /** Stop writing (counted as lost) until space is back, then write a DAEMON_RESUME record. */
        SUSPEND,
        /** Keep trying; each failed batch is counted as lost. */
        IGNORE
    }

    private static final long MIB = 1L << 20;

    public LogPolicy {
        if (maxBytes < 0 || numLogs < 0 || spaceLeftBytes < 0 || fullBytes < 0 || resumeBytes < fullBytes) {
            throw new IllegalArgumentException("bad log policy: " + maxBytes + "/" + numLogs + "/" + spaceLeftBytes
                    + "/" + fullBytes + "/" + resumeBytes);
        }
    }

    /** The policy of the {@code audit} config section; the disk counts as full below 256 KiB, resumes at 1 MiB. */
    public static LogPolicy of(CanisterConfig.Audit a) {
        return new LogPolicy(a.maxLogFile() * MIB, a.numLogs(),
                MaxAction.valueOf(a.maxLogFileAction().toUpperCase(Locale.ROOT)),
                a.spaceLeft() * MIB, SpaceAction.valueOf(a.spaceLeftAction().toUpperCase(Locale.ROOT)),
                FullAction.valueOf(a.diskFullAction().toUpperCase(Locale.ROOT)), 256L << 10, MIB);
    }
}
