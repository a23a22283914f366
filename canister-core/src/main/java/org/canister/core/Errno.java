package org.canister.core;

/**
 * The Linux errno values Canister returns. Numbers are those of asm-generic/errno-base.h and
 * asm-generic/errno.h on x86_64; they must reach callers unchanged through write(2)/read(2).
 */
public enum Errno {
    EPERM(1), ENOENT(2), ESRCH(3), EINTR(4), EIO(5), EBADF(9), EAGAIN(11), ENOMEM(12), EACCES(13),
    EFAULT(14), EBUSY(16), EEXIST(17), EXDEV(18), ENOTDIR(20), EISDIR(21), EINVAL(22), ENFILE(23),
    EMFILE(24), EFBIG(27), ENOSPC(28), EROFS(30), EMLINK(31), ERANGE(34), ENAMETOOLONG(36), ENOSYS(38),
    ENOTEMPTY(39), ENODATA(61), ENOSR(63), ENOTUNIQ(76), EOPNOTSUPP(95), ENOBUFS(105), ECONNREFUSED(111),
    ENOPROTOOPT(92), EKEYREJECTED(129);

    private final int number;

    Errno(int number) {
        this.number = number;
    }

    /** The positive Linux errno number. */
    public int number() {
        return number;
    }

    /** The constant for a Linux errno number, or {@code null} when Canister has no name for it. */
    public static Errno of(int number) {
        for (Errno e : values()) {
            if (e.number == number) {
                return e;
            }
        }
        return null;
    }
}
