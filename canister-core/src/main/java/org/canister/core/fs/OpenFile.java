package org.canister.core.fs;

import org.canister.core.CanisterException;

/**
 * One open of a control file. Every method may throw {@link CanisterException}; its errno reaches the
 * caller's system call. FUSE facts (DESIGN.md): the result of {@link #release()} never reaches the
 * caller, so writes validate eagerly and {@link #flush()} reports a failed transaction.
 */
public interface OpenFile {
    /** Read up to {@code size} bytes at {@code offset}; an empty array is end of file. */
    default byte[] read(Caller caller, long offset, int size) {
        throw new CanisterException(org.canister.core.Errno.EINVAL, "this control file is write-only");
    }

    /** Write bytes at {@code offset}; returns the count accepted. */
    default int write(Caller caller, long offset, byte[] data) {
        throw new CanisterException(org.canister.core.Errno.EINVAL, "this control file is read-only");
    }

    /** truncate/setattr(size) on an open file ({@code echo x > file} opens with O_TRUNC). No-op by default. */
    default void truncate(Caller caller, long size) {
    }

    /**
     * close(2) returns what this returns: throw to report a failed transaction. Sent at every close of
     * a descriptor sharing this open, so it may come before any write ({@code echo x > f} and {@code dd}
     * open, dup2 onto stdout and close the original first) and more than once: a flush with nothing
     * pending must succeed and commit nothing.
     */
    default void flush(Caller caller) {
    }

    /** Last close; its result is never seen by the caller. */
    default void release() {
    }
}
