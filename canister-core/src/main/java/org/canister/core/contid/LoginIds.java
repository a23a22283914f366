package org.canister.core.contid;

/**
 * The writer's login uid and session id ({@code /proc/<pid>/loginuid}, {@code /proc/<pid>/sessionid}),
 * which neither {@link org.canister.core.fs.Caller} nor the task table carries. The daemon reads them
 * with the caller's other facts; -1 is "unset" (printed 4294967295, as the kernel does).
 */
public record LoginIds(int auid, int ses) {
    /** Not logged in through PAM, or not known. */
    public static final LoginIds UNSET = new LoginIds(-1, -1);
}
