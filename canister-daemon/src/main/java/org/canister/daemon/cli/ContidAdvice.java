package org.canister.daemon.cli;

import java.nio.file.Path;
import org.canister.core.Errno;
import org.canister.linux.ErrnoException;

/**
 * One sentence a person can act on for each errno a container ID write or read can return (the
 * checks of ghak90 v11, spec/audit-contid.md 6.2 req. 2), used by {@code canister contid} and
 * {@code canister oci-hook} after the errno name the daemon returned.
 */
final class ContidAdvice {
    private ContidAdvice() {
    }

    /** Which kind of operation failed, for the wording. */
    enum Op {
        SET, GET, CAPCONTID
    }

    /** {@code "<call>: <text> (<ENAME>): <advice>"}. */
    static String explain(ErrnoException e, Op op, int pid, String value, Path mount) {
        return e.getMessage() + ": " + advice(e.errno(), e.call().startsWith("open"), op, pid, value, mount);
    }

    static String advice(int errno, boolean atOpen, Op op, int pid, String value, Path mount) {
        Errno known = Errno.of(errno);
        if (atOpen) {
            if (known == Errno.ENOENT) {
                return "the daemon serving " + mount + " tracks no process " + pid + " (it has exited), or no daemon "
                        + "serves " + mount + " (start one with: canister run)";
            }
            if (errno == 107) { // ENOTCONN: the FUSE daemon died and left its mount behind
                return "the daemon that served " + mount + " is gone; start it again with: canister run";
            }
        }
        if (known == null) {
            return "unexpected error from the daemon; see its log";
        }
        return switch (known) {
            case EPERM -> op == Op.GET
                    ? "reading a container ID needs CAP_AUDIT_CONTROL in the initial user namespace (run as root) "
                        + "or audit_capcontainerid=1 granted by a process that has it"
                    : "this needs CAP_AUDIT_CONTROL in the initial user namespace (run as root), or "
                        + "audit_capcontainerid=1 granted by a process that has it";
            case EBUSY -> "process " + pid + " already has child processes or several threads (or " + pid
                    + " is a thread): set the container ID on the container's first process before it forks or "
                    + "starts threads";
            case EXDEV -> "only an ancestor of process " + pid + " may do this, never the process itself; this "
                    + "command acts for the shell that runs it, so start the process from that shell "
                    + "(e.g. sleep 100 & canister contid set $! 42), or write the file from the orchestrator";
            case EEXIST -> "process " + pid + " is already in a container (set or inherited), and only an "
                    + "orchestrator nested inside that container may label it again; see canister contid get " + pid;
            case ENOTUNIQ -> "container ID " + value + " belongs to another orchestrator, or its owner has exited, "
                    + "or its container ended but nested containers still name it; choose another ID";
            case ESRCH -> "process " + pid + " exited (or its pid now names another process); nothing was changed";
            case EINVAL -> op == Op.CAPCONTID
                    ? "capcontid takes 0 (revoke) or 1 (grant)"
                    : "'" + value + "' is not a container ID to set: give a decimal number from 0 to "
                        + "18446744073709551614 (18446744073709551615 means unset and can never be set)";
            case ERANGE -> "'" + value + "' is larger than 18446744073709551615: container IDs are unsigned 64-bit";
            case ENOMEM -> "the daemon's registry is full (contid.max-containers); containers are released when "
                    + "their last process exits";
            case EACCES -> "the daemon refused this kind of access to the file";
            default -> "unexpected error from the daemon; see its log";
        };
    }
}
