package org.canister.core.audit.ns;

/**
 * A namespace as {@code stat(2)} of its {@code /proc/<pid>/ns/<type>} file names it: the nsfs device
 * and inode (the RFC's "(nsfs device, inode) tuples", spec req. 21). Inode numbers are reused once a
 * namespace is freed, so the tracker adds a generation of its own ({@link NamespaceTracker.NsState}).
 *
 * @param type  the namespace type
 * @param dev   {@code st_dev} of the nsfs file as {@code stat(2)} returns it (glibc's encoding of
 *              major and minor), or -1 when unknown
 * @param inode {@code st_ino}, or 0 when unknown (nsfs never uses inode 0)
 */
public record NsId(NsType type, long dev, long inode) {

    public NsId {
        if (type == null) {
            throw new IllegalArgumentException("a namespace id needs a type");
        }
        if (inode == 0) {
            dev = -1;
        }
    }

    /** The unknown namespace of a type: printed {@code dev=? inode=?}. */
    public static NsId unknown(NsType type) {
        return new NsId(type, -1, 0);
    }

    /** True when the inode is known. */
    public boolean known() {
        return inode != 0;
    }

    /** Appends {@code <prefix>dev=MM:mm <prefix>inode=N}, or {@code ?} for unknown values. */
    StringBuilder appendTo(StringBuilder b, String prefix) {
        b.append(prefix).append("dev=");
        if (known() && dev >= 0) {
            appendDev(b, dev);
        } else {
            b.append('?');
        }
        b.append(' ').append(prefix).append("inode=");
        if (known()) {
            b.append(Long.toUnsignedString(inode));
        } else {
            b.append('?');
        }
        return b;
    }

    /**
     * {@code st_dev} as the kernel prints {@code dev=} in PATH records ({@code "%02x:%02x"} of
     * {@code MAJOR(dev), MINOR(dev)}, kernel/audit.c {@code audit_log_name}), decoding glibc's
     * {@code dev_t} layout ({@code gnu_dev_major}/{@code gnu_dev_minor}): nsfs is usually {@code 00:04}.
     */
    public static String formatDev(long stDev) {
        return appendDev(new StringBuilder(8), stDev).toString();
    }

    private static StringBuilder appendDev(StringBuilder b, long dev) {
        long major = ((dev >>> 32) & 0xFFFF_F000L) | ((dev >>> 8) & 0xFFFL);
        long minor = ((dev >>> 12) & 0xFFFF_FF00L) | (dev & 0xFFL);
        hex2(b, major).append(':');
        return hex2(b, minor);
    }

    private static StringBuilder hex2(StringBuilder b, long v) {
        String h = Long.toHexString(v);
        if (h.length() < 2) {
            b.append('0');
        }
        return b.append(h);
    }

    /** The st_dev that {@code makedev(major, minor)} gives (glibc layout): for tests and seeds. */
    public static long makedev(long major, long minor) {
        return ((major & 0xFFFF_F000L) << 32) | ((major & 0xFFFL) << 8)
                | ((minor & 0xFFFF_FF00L) << 12) | (minor & 0xFFL);
    }
}
