package org.canister.linux.proc;

import org.canister.core.task.Credentials;

/**
 * The fields Canister takes from {@code /proc/<pid>/task/<tid>/status} (proc(5)).
 *
 * @param tgid   {@code Tgid:}
 * @param ppid   {@code PPid:} (thread-group id of the real parent; 0 for pid 1 and kthreadd)
 * @param uid    first (real) value of {@code Uid:}
 * @param euid   second (effective) value of {@code Uid:}
 * @param gid    real value of {@code Gid:}
 * @param egid   effective value of {@code Gid:}
 * @param capEff {@code CapEff:} as a 64-bit mask
 * @param capBnd {@code CapBnd:} as a 64-bit mask
 */
public record ProcStatus(int tgid, int ppid, int uid, int euid, int gid, int egid, long capEff, long capBnd) {

    /** The identity part, as the task model keeps it. */
    public Credentials credentials() {
        return new Credentials(uid, euid, gid, egid, capEff, capBnd);
    }
}
