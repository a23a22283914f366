package org.canister.core.fs;

import org.canister.core.task.Credentials;

/**
 * Who is calling into the control filesystem, as the FUSE adapter established it: the request's
 * thread id mapped to its thread-group leader, pinned with a pidfd while {@code /proc} was read and
 * re-validated afterwards.
 *
 * @param tid       the calling thread (fuse_context.pid)
 * @param tgid      its thread-group leader
 * @param startTime stat field 22 of the leader (names this incarnation)
 * @param creds     uid/gid and capability sets read from {@code /proc/<tgid>/status}
 * @param userNs    inode of the caller's user namespace ({@code /proc/<tgid>/ns/user})
 * @param initUserNs true when that is the initial user namespace
 */
public record Caller(int tid, int tgid, long startTime, Credentials creds, long userNs, boolean initUserNs) {

    /** True when the caller holds the capability in its effective set in the initial user namespace. */
    public boolean capableInInitNs(int capability) {
        return initUserNs && creds.hasEffective(capability);
    }
}
