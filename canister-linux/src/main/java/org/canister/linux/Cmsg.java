package org.canister.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Ancillary data (control messages) of sendmsg/recvmsg as pure functions over bytes, following the
 * macros of {@code bits/socket.h} on x86_64: every {@code struct cmsghdr} (16 bytes: u64 cmsg_len,
 * int cmsg_level, int cmsg_type) starts at a multiple of 8 and its data follows at
 * {@code CMSG_ALIGN(sizeof(struct cmsghdr))} = 16; {@code cmsg_len} counts header plus data,
 * without the trailing padding.
 */
public final class Cmsg {
    private Cmsg() {
    }

    /** sizeof(struct cmsghdr) == CMSG_LEN(0) on x86_64. */
    public static final int HEADER = Structs.size(Structs.CMSGHDR);

    private static final int LEN = Structs.offset(Structs.CMSGHDR, "cmsg_len");
    private static final int LEVEL = Structs.offset(Structs.CMSGHDR, "cmsg_level");
    private static final int TYPE = Structs.offset(Structs.CMSGHDR, "cmsg_type");

    /** CMSG_ALIGN: round up to the size of size_t (8). */
    public static int align(int len) {
        return (len + 7) & ~7;
    }

    /** CMSG_LEN(dataLen): the value of {@code cmsg_len} for that much data. */
    public static int len(int dataLen) {
        return HEADER + dataLen;
    }

    /** CMSG_SPACE(dataLen): the bytes one control message with that much data occupies. */
    public static int space(int dataLen) {
        return HEADER + align(dataLen);
    }

    /**
     * Writes one SOL_SOCKET/SCM_RIGHTS control message carrying {@code fds} at {@code offset}.
     *
     * @return the bytes used, {@link #space}{@code (4 * fds.length)}
     */
    public static int putRights(ByteBuffer control, int offset, int[] fds) {
        ByteBuffer b = control.order() == ByteOrder.nativeOrder() ? control : control.duplicate().order(ByteOrder.nativeOrder());
        int dataLen = fds.length * Integer.BYTES;
        b.putLong(offset + LEN, len(dataLen));
        b.putInt(offset + LEVEL, Libc.SOL_SOCKET);
        b.putInt(offset + TYPE, Libc.SCM_RIGHTS);
        for (int i = 0; i < fds.length; i++) {
            b.putInt(offset + HEADER + i * Integer.BYTES, fds[i]);
        }
        for (int i = offset + len(dataLen); i < offset + space(dataLen); i++) {
            b.put(i, (byte) 0);
        }
        return space(dataLen);
    }

    /**
     * The descriptors of every SOL_SOCKET/SCM_RIGHTS message in {@code control} (from position 0 to its
     * limit), in order. Other control messages are skipped; a truncated or malformed header ends the walk
     * (the kernel sets MSG_CTRUNC in that case, and the caller decides).
     */
    public static int[] rights(ByteBuffer control) {
        ByteBuffer b = control.order() == ByteOrder.nativeOrder() ? control : control.duplicate().order(ByteOrder.nativeOrder());
        int end = b.limit();
        int[] fds = new int[0];
        int at = 0;
        while (at + HEADER <= end) {
            long cmsgLen = b.getLong(at + LEN);
            if (cmsgLen < HEADER || at + cmsgLen > end) {
                break;
            }
            if (b.getInt(at + LEVEL) == Libc.SOL_SOCKET && b.getInt(at + TYPE) == Libc.SCM_RIGHTS) {
                int n = (int) (cmsgLen - HEADER) / Integer.BYTES;
                int base = fds.length;
                fds = Arrays.copyOf(fds, base + n);
                for (int i = 0; i < n; i++) {
                    fds[base + i] = b.getInt(at + HEADER + i * Integer.BYTES);
                }
            }
            at += align((int) cmsgLen);
        }
        return fds;
    }
}
