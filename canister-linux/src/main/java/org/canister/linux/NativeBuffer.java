package org.canister.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A reusable block of native memory that system calls read into and write from without copying,
 * seen from Java as a direct {@link ByteBuffer} in native byte order. One per reader thread (a
 * netlink agent, a fanotify agent, a {@code /proc} scanner): receive into it, decode the buffer in
 * place, receive again.
 *
 * <p>After a receive ({@link Libc#recvfrom}, {@link Libc#read(int, NativeBuffer)}), {@link #buffer()}
 * has position 0 and limit = the bytes received; {@link #sourcePid()} holds the sender's netlink port
 * id for {@code recvfrom}. Writes ({@link Libc#write(int, NativeBuffer)}, {@link Libc#sendto}) send
 * the bytes between position and limit.
 *
 * <p>Not thread-safe. The memory is freed by {@link #close()}; later use throws
 * {@link IllegalStateException}.
 */
public final class NativeBuffer implements AutoCloseable {
    private final Arena arena;
    private final MemorySegment segment;
    private final ByteBuffer buffer;
    private int sourcePid = -1;

    private NativeBuffer(int capacity) {
        // Shared, not confined: the owner thread may change across a daemon restart of an agent,
        // and a confined arena would make every later access from another thread throw.
        this.arena = Arena.ofShared();
        this.segment = arena.allocate(capacity, 16);
        this.buffer = segment.asByteBuffer().order(ByteOrder.nativeOrder());
    }

    /** Allocates {@code capacity} bytes of native memory (zeroed). */
    public static NativeBuffer allocate(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive, got " + capacity);
        }
        return new NativeBuffer(capacity);
    }

    /** The memory as a direct buffer in native byte order; position and limit are set by the last call. */
    public ByteBuffer buffer() {
        return buffer;
    }

    /** The number of bytes this buffer holds. */
    public int capacity() {
        return buffer.capacity();
    }

    /** The netlink port id ({@code nl_pid}) that sent the datagram last received by {@code recvfrom}; 0 is the kernel. */
    public int sourcePid() {
        return sourcePid;
    }

    void sourcePid(int pid) {
        this.sourcePid = pid;
    }

    MemorySegment segment() {
        return segment;
    }

    /** Frees the native memory. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
