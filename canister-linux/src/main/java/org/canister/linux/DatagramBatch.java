package org.canister.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Native memory for receiving up to {@link #slots()} datagrams with one {@link Libc#recvmmsg} call: per
 * slot a data buffer, a {@code struct sockaddr_nl} for the sender, an iovec, and the array of
 * {@code struct mmsghdr} that points at them. A netlink reader that takes one datagram per recvfrom(2)
 * makes a system call per audit record (six or seven per execve event) or per connector event; this
 * takes what is queued in one.
 *
 * <p>After a receive, slots {@code 0 .. count-1} hold datagrams: {@link #datagram(int)} (position 0,
 * limit the bytes stored), {@link #length(int)} (the real length: with MSG_TRUNC larger than the slot
 * when the datagram did not fit), {@link #sourcePid(int)}. Not thread-safe; {@link #close()} frees it.
 */
public final class DatagramBatch implements AutoCloseable {
    private static final long MMSG_SIZE = Structs.size(Structs.MMSGHDR);
    private static final long HDR = Structs.offset(Structs.MMSGHDR, "msg_hdr");
    private static final long MSG_NAME = HDR + Structs.offset(Structs.MSGHDR, "msg_name");
    private static final long MSG_NAMELEN = HDR + Structs.offset(Structs.MSGHDR, "msg_namelen");
    private static final long MSG_IOV = HDR + Structs.offset(Structs.MSGHDR, "msg_iov");
    private static final long MSG_IOVLEN = HDR + Structs.offset(Structs.MSGHDR, "msg_iovlen");
    private static final long MSG_CONTROL = HDR + Structs.offset(Structs.MSGHDR, "msg_control");
    private static final long MSG_CONTROLLEN = HDR + Structs.offset(Structs.MSGHDR, "msg_controllen");
    private static final long MSG_FLAGS = HDR + Structs.offset(Structs.MSGHDR, "msg_flags");
    private static final long MSG_LEN = Structs.offset(Structs.MMSGHDR, "msg_len");
    private static final long IOV_SIZE = Structs.size(Structs.IOVEC);
    private static final long NL_SIZE = Structs.size(Structs.SOCKADDR_NL);
    private static final long NL_FAMILY = Structs.offset(Structs.SOCKADDR_NL, "nl_family");
    private static final long NL_PID = Structs.offset(Structs.SOCKADDR_NL, "nl_pid");
    private static final short AF_NETLINK = 16;
    private static final int MSG_TRUNC = 0x20;

    private final Arena arena = Arena.ofShared();
    private final int slots;
    private final int slotSize;
    private final MemorySegment data;
    private final MemorySegment names;
    private final MemorySegment mmsg;
    private final ByteBuffer[] views;
    private int count;

    private DatagramBatch(int slots, int slotSize) {
        this.slots = slots;
        this.slotSize = slotSize;
        this.data = arena.allocate((long) slots * slotSize, 16);
        this.names = arena.allocate(slots * NL_SIZE, 8);
        MemorySegment iovecs = arena.allocate(slots * IOV_SIZE, 8);
        this.mmsg = arena.allocate(slots * MMSG_SIZE, 8);
        this.views = new ByteBuffer[slots];
        for (int i = 0; i < slots; i++) {
            MemorySegment slot = data.asSlice((long) i * slotSize, slotSize);
            views[i] = slot.asByteBuffer().order(ByteOrder.nativeOrder());
            long iov = i * IOV_SIZE;
            iovecs.set(ADDRESS, iov + Structs.offset(Structs.IOVEC, "iov_base"), slot);
            iovecs.set(JAVA_LONG, iov + Structs.offset(Structs.IOVEC, "iov_len"), slotSize);
            long m = i * MMSG_SIZE;
            mmsg.set(ADDRESS, m + MSG_NAME, names.asSlice(i * NL_SIZE, NL_SIZE));
            mmsg.set(ADDRESS, m + MSG_IOV, iovecs.asSlice(iov, IOV_SIZE));
            mmsg.set(JAVA_LONG, m + MSG_IOVLEN, 1);
            mmsg.set(ADDRESS, m + MSG_CONTROL, MemorySegment.NULL);
            mmsg.set(JAVA_LONG, m + MSG_CONTROLLEN, 0);
        }
    }

    /**
     * @param slots    datagrams per receive (at most 1024, the kernel's UIO_MAXIOV bound on vlen)
     * @param slotSize bytes per datagram
     */
    public static DatagramBatch allocate(int slots, int slotSize) {
        if (slots <= 0 || slots > 1024 || slotSize <= 0) {
            throw new IllegalArgumentException("slots must be 1..1024 and slotSize positive, got " + slots + ", " + slotSize);
        }
        return new DatagramBatch(slots, slotSize);
    }

    /** Resets what the kernel writes back, before a receive. */
    void prepare() {
        for (int i = 0; i < slots; i++) {
            long m = i * MMSG_SIZE;
            mmsg.set(JAVA_INT, m + MSG_NAMELEN, (int) NL_SIZE);
            mmsg.set(JAVA_INT, m + MSG_FLAGS, 0);
            mmsg.set(JAVA_INT, m + MSG_LEN, 0);
        }
        count = 0;
    }

    void received(int n) {
        this.count = n;
        for (int i = 0; i < n; i++) {
            views[i].clear().limit(Math.min(length(i), slotSize));
        }
    }

    MemorySegment vector() {
        return mmsg;
    }

    /** Datagrams per receive. */
    public int slots() {
        return slots;
    }

    /** Bytes per slot. */
    public int slotSize() {
        return slotSize;
    }

    /** Datagrams the last receive stored. */
    public int count() {
        return count;
    }

    /** Slot {@code i}'s bytes: position 0, limit the bytes stored. */
    public ByteBuffer datagram(int i) {
        return views[check(i)];
    }

    /** The datagram's real length (larger than {@link #slotSize()} when it was cut, see {@link #truncated}). */
    public int length(int i) {
        return mmsg.get(JAVA_INT, check(i) * MMSG_SIZE + MSG_LEN);
    }

    /** Whether the datagram did not fit its slot (MSG_TRUNC in its msg_flags). */
    public boolean truncated(int i) {
        return (mmsg.get(JAVA_INT, check(i) * MMSG_SIZE + MSG_FLAGS) & MSG_TRUNC) != 0 || length(i) > slotSize;
    }

    /** The sender's netlink port id (0: the kernel), or -1 when the sender is not a netlink address. */
    public int sourcePid(int i) {
        long m = check(i) * MMSG_SIZE;
        MemorySegment name = names.asSlice(i * NL_SIZE, NL_SIZE);
        if (mmsg.get(JAVA_INT, m + MSG_NAMELEN) < NL_SIZE || name.get(JAVA_SHORT, NL_FAMILY) != AF_NETLINK) {
            return -1;
        }
        return name.get(JAVA_INT, NL_PID);
    }

    private int check(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("slot " + i + " of " + count + " received");
        }
        return i;
    }

    /** Frees the native memory. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
