package org.canister.core.fs;

import org.canister.core.CanisterException;

/** A control file. Opening checks permission (throws with EPERM/EACCES) and returns a per-open handle. */
public non-sealed interface FileNode extends Node {
    /**
     * Open for this caller. {@code flags} are the open(2) flags (O_ACCMODE bits, O_TRUNC).
     *
     * @throws CanisterException with the errno open(2) should return
     */
    OpenFile open(Caller caller, int flags);

    /** Size reported by getattr; control files report 0 (served with direct I/O). */
    default long size() {
        return 0;
    }
}
