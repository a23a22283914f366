package org.canister.linux;

import org.canister.core.Errno;

/**
 * A system call failed: it returned -1 and set {@code errno}. Carries the call's name and the raw
 * Linux errno so callers can branch on it ({@code e.errno() == Errno.ENOENT.number()}) and pass it
 * through unchanged (a FUSE handler returns {@code -e.errno()}).
 *
 * <p>Message: {@code "<call>: <strerror text> (<ENAME>)"}, e.g.
 * {@code "bind: Operation not permitted (EPERM)"}.
 */
public class ErrnoException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    /**
     * @param call  the system call or operation that failed, as a person would grep for it
     * @param errno the positive Linux errno it set
     */
    public ErrnoException(String call, int errno) {
        super(call + ": " + ErrnoText.message(errno) + " (" + nameOf(errno) + ")");
        this.call = call;
        this.errno = errno;
    }

    /** The call that failed (e.g. {@code "socket"}, {@code "open /proc/42/stat"}). */
    public String call() {
        return call;
    }

    /** The positive Linux errno. */
    public int errno() {
        return errno;
    }

    /** The errno's symbolic name, e.g. {@code "ENOBUFS"}; {@code "errno N"} when Linux has none. */
    public String errnoName() {
        return nameOf(errno);
    }

    /** The {@link Errno} constant for this errno, or {@code null} when canister-core has no constant for it. */
    public Errno toErrno() {
        return Errno.of(errno);
    }

    static String nameOf(int errno) {
        Errno known = Errno.of(errno);
        if (known != null) {
            return known.name();
        }
        String name = ErrnoText.name(errno);
        return name != null ? name : "errno " + errno;
    }
}
