package org.canister.core.fs;

/**
 * The open(2) flag bits a control file needs to understand. Values are the x86_64 (asm-generic)
 * ones of {@code include/uapi/asm-generic/fcntl.h}; FUSE passes the caller's flags through unchanged
 * (minus O_CREAT/O_EXCL/O_NOCTTY), so they are compared bit for bit.
 */
public final class OpenFlags {
    /** Mask of the access mode. */
    public static final int O_ACCMODE = 0003;
    public static final int O_RDONLY = 0000;
    public static final int O_WRONLY = 0001;
    public static final int O_RDWR = 0002;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    /**
     * {@code echo x > file} opens with O_TRUNC; {@code dd}, Python and Go do not. With
     * FUSE_CAP_ATOMIC_O_TRUNC the kernel passes it to FUSE_OPEN instead of sending a setattr.
     */
    public static final int O_TRUNC = 01000;
    public static final int O_APPEND = 02000;

    private OpenFlags() {
    }

    /** True when the open asks for reading (O_RDONLY or O_RDWR). */
    public static boolean readable(int flags) {
        int mode = flags & O_ACCMODE;
        return mode == O_RDONLY || mode == O_RDWR;
    }

    /** True when the open asks for writing (O_WRONLY or O_RDWR). */
    public static boolean writable(int flags) {
        int mode = flags & O_ACCMODE;
        return mode == O_WRONLY || mode == O_RDWR;
    }

    /** True when the open truncates: O_TRUNC together with a write access mode (POSIX leaves O_RDONLY|O_TRUNC undefined). */
    public static boolean truncates(int flags) {
        return (flags & O_TRUNC) != 0 && writable(flags);
    }
}
