package org.canister.core;

/**
 * An error that is a value: a Linux errno plus one sentence a person can act on.
 * Thrown by the pure model for bad input; the FUSE adapter turns it into {@code -errno}.
 */
public class CanisterException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Errno errno;

    public CanisterException(Errno errno, String message) {
        super(message);
        this.errno = errno;
    }

    /** The errno that reaches the caller's system call. */
    public Errno errno() {
        return errno;
    }

    @Override
    public String toString() {
        return errno + ": " + getMessage();
    }
}
