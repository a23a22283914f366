package org.canister.linux.proc;

import static org.canister.linux.Structs.offset;
import static org.canister.linux.Structs.size;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.canister.core.task.TaskEvent;
import org.canister.linux.DatagramBatch;
import org.canister.linux.ErrnoException;
import org.canister.linux.Libc;
import org.canister.linux.NativeBuffer;
import org.canister.linux.Structs;

/**
 * A listener on the kernel's process events connector: fork, exec, exit, uid, gid and comm changes of
 * every task on the host, as {@link TaskEvent}s.
 *
 * <p>{@link #open()} creates {@code socket(AF_NETLINK, SOCK_DGRAM|SOCK_CLOEXEC, NETLINK_CONNECTOR)},
 * sizes its receive buffer (8 MiB by default, SO_RCVBUFFORCE when privileged so {@code rmem_max} does
 * not cap it), binds to multicast group CN_IDX_PROC, sends PROC_CN_MCAST_LISTEN and waits for the
 * kernel's acknowledgement, so a refused listener fails at open instead of delivering nothing. The
 * kernel ignores LISTEN requests from outside the initial user and pid namespaces
 * ({@code cn_proc_mcast_ctl}); open then fails with ETIMEDOUT.
 *
 * <p>The kernel never blocks on a slow listener: when the receive buffer is full it drops events and
 * reports ENOBUFS once. {@link #poll} then returns {@link #OVERRUN} and the caller must rescan
 * {@code /proc}, because forks and exits were lost.
 *
 * <p>Not thread-safe: one agent thread owns it.
 */
public final class ProcConnector implements AutoCloseable {
    /** Returned by {@link #poll} when the kernel dropped events (ENOBUFS): rescan {@code /proc}. */
    public static final int OVERRUN = -1;
    /** Default receive buffer: about 100k queued events (each datagram costs ~ 768 bytes of truesize). */
    public static final int DEFAULT_RECEIVE_BUFFER = 8 << 20;
    /** How long {@link #open()} waits for the kernel to acknowledge PROC_CN_MCAST_LISTEN. */
    public static final int DEFAULT_ACK_TIMEOUT_MS = 2000;
    /** Datagrams drained by one {@link #poll} at most, so a fork storm cannot starve the caller's duty cycle. */
    static final int MAX_DATAGRAMS_PER_POLL = 4096;

    private static final int ENOBUFS = 105;
    private static final int EPERM = 1;
    private static final int ETIMEDOUT = 110;

    private static final int NLMSG_HDRLEN = size(Structs.NLMSGHDR);
    private static final int CN_MSG_SIZE = size(Structs.CN_MSG);
    /** nlmsghdr + cn_msg + enum proc_cn_mcast_op (an int): the 4-byte form every kernel since 2.6.15 accepts. */
    private static final int CONTROL_MSG_LEN = NLMSG_HDRLEN + CN_MSG_SIZE + Integer.BYTES;

    private final int fd;
    private final NativeBuffer buffer;
    /** Connector datagrams are an nlmsghdr, a cn_msg and a proc_event: well under 256 bytes. */
    private final DatagramBatch batch;
    private static final int BATCH_SLOTS = 128;
    private static final int BATCH_SLOT_SIZE = 512;
    private final ProcEventDecoder decoder = new ProcEventDecoder();
    private final List<TaskEvent> pending = new ArrayList<>();
    private boolean drained;
    private final int receiveBufferBytes;
    private long overruns;
    private long datagrams;
    private long spoofed;
    private volatile boolean closed;

    private ProcConnector(int fd, int receiveBufferBytes) {
        this.fd = fd;
        this.receiveBufferBytes = receiveBufferBytes;
        this.buffer = NativeBuffer.allocate(64 * 1024);
        this.batch = DatagramBatch.allocate(BATCH_SLOTS, BATCH_SLOT_SIZE);
    }

    /** Opens a listener with the default receive buffer and acknowledgement timeout. */
    public static ProcConnector open() {
        return open(DEFAULT_RECEIVE_BUFFER, DEFAULT_ACK_TIMEOUT_MS);
    }

    /**
     * Opens a listener.
     *
     * @param receiveBuffer requested SO_RCVBUF in bytes (the kernel doubles it for bookkeeping)
     * @param ackTimeoutMs  how long to wait for the kernel to acknowledge the LISTEN request
     * @throws ErrnoException naming the step that failed: {@code socket} (EPROTONOSUPPORT: kernel built
     *                        without CONFIG_PROC_EVENTS), {@code bind} (EPERM: not allowed to join the
     *                        group), {@code PROC_CN_MCAST_LISTEN} (the kernel's refusal, or ETIMEDOUT when
     *                        it ignored the request)
     */
    public static ProcConnector open(int receiveBuffer, int ackTimeoutMs) {
        int fd = Libc.socket(Libc.AF_NETLINK, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, Libc.NETLINK_CONNECTOR);
        ProcConnector c = null;
        try {
            try {
                // SO_RCVBUFFORCE ignores net.core.rmem_max but needs CAP_NET_ADMIN.
                Libc.setsockoptInt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUFFORCE, receiveBuffer);
            } catch (ErrnoException e) {
                if (e.errno() != EPERM) {
                    throw e;
                }
                Libc.setsockoptInt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUF, receiveBuffer);
            }
            int actual = Libc.getsockoptInt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUF);
            // nl_groups is a bitmask: group n is bit n-1, so CN_IDX_PROC (1) is the value 1.
            Libc.bindNetlink(fd, 0, 1 << (CnProc.CN_IDX_PROC - 1));
            c = new ProcConnector(fd, actual);
            c.listen(ackTimeoutMs);
            return c;
        } catch (RuntimeException e) {
            if (c != null) {
                c.closeQuietly();
            } else {
                Libc.close(fd);
            }
            throw e;
        }
    }

    private void listen(int ackTimeoutMs) {
        int ack = ThreadLocalRandom.current().nextInt() & 0x3fffffff;
        decoder.expectAck(ack + 1);
        sendControl(CnProc.PROC_CN_MCAST_LISTEN, ack);
        long deadline = System.nanoTime() + ackTimeoutMs * 1_000_000L;
        while (!decoder.ackSeen()) {
            long leftMs = (deadline - System.nanoTime()) / 1_000_000L;
            if (leftMs <= 0) {
                throw new ErrnoException("PROC_CN_MCAST_LISTEN (the kernel did not acknowledge: the proc connector"
                        + " only serves listeners in the initial user and pid namespaces)", ETIMEDOUT);
            }
            if (Libc.poll(fd, Libc.POLLIN, (int) Math.min(leftMs, Integer.MAX_VALUE)) == 0) {
                continue;
            }
            if (drain(pending) == OVERRUN) {
                pending.clear(); // the caller starts from a /proc scan after open anyway
            }
        }
        if (decoder.ackError() != 0) {
            throw new ErrnoException("PROC_CN_MCAST_LISTEN", decoder.ackError());
        }
    }

    private void sendControl(int op, int ack) {
        byte[] msg = new byte[CONTROL_MSG_LEN];
        ByteBuffer b = ByteBuffer.wrap(msg).order(java.nio.ByteOrder.nativeOrder());
        b.putInt(offset(Structs.NLMSGHDR, "nlmsg_len"), CONTROL_MSG_LEN);
        b.putShort(offset(Structs.NLMSGHDR, "nlmsg_type"), (short) Libc.NLMSG_DONE);
        b.putInt(offset(Structs.NLMSGHDR, "nlmsg_pid"), Libc.getpid());
        b.putInt(NLMSG_HDRLEN + offset(Structs.CN_MSG, "id.idx"), CnProc.CN_IDX_PROC);
        b.putInt(NLMSG_HDRLEN + offset(Structs.CN_MSG, "id.val"), CnProc.CN_VAL_PROC);
        b.putInt(NLMSG_HDRLEN + offset(Structs.CN_MSG, "ack"), ack);
        b.putShort(NLMSG_HDRLEN + offset(Structs.CN_MSG, "len"), (short) Integer.BYTES);
        b.putInt(NLMSG_HDRLEN + CN_MSG_SIZE, op);
        Libc.sendtoNetlink(fd, msg, 0, msg.length, 0, 0, 0);
    }

    /**
     * Appends the events that have arrived to {@code out}, waiting up to {@code timeoutMs} for the first
     * one (0 = do not wait, as an agent's duty cycle wants).
     *
     * @return the number of events appended (0 on timeout), or {@link #OVERRUN} when the kernel dropped
     *         events; events decoded before the overrun are still appended: apply them, then rescan
     *         {@code /proc}
     */
    public int poll(List<TaskEvent> out, int timeoutMs) {
        if (!awaitReadable(timeoutMs)) {
            return 0;
        }
        return drainTo(out);
    }

    /**
     * Waits up to {@code timeoutMs} until events can be taken (0 = do not wait). The two halves of
     * {@link #poll}, for a caller that must note the moment just before it drains.
     */
    public boolean awaitReadable(int timeoutMs) {
        if (closed) {
            throw new IllegalStateException("proc connector is closed");
        }
        return !pending.isEmpty() || Libc.poll(fd, Libc.POLLIN, timeoutMs) != 0;
    }

    /**
     * Appends what has arrived without waiting: see {@link #poll} for the result. Every datagram queued
     * before the call is taken, unless the result is {@link #OVERRUN} or the datagram limit
     * ({@value #MAX_DATAGRAMS_PER_POLL}) stopped it ({@link #drained()} says which).
     */
    public int drainTo(List<TaskEvent> out) {
        if (closed) {
            throw new IllegalStateException("proc connector is closed");
        }
        int added = 0;
        if (!pending.isEmpty()) {
            added = pending.size();
            out.addAll(pending);
            pending.clear();
        }
        int more = drain(out);
        return more == OVERRUN ? OVERRUN : added + more;
    }

    /** Whether the last drain emptied the socket. */
    public boolean drained() {
        return drained;
    }

    /**
     * Whether no datagram is waiting in the socket, asked from any thread (a zero-timeout poll(2)):
     * with the owner's own progress, tells another thread whether every event sent so far was taken.
     */
    public boolean socketEmpty() {
        return !closed && Libc.poll(fd, Libc.POLLIN, 0) == 0;
    }

    /** Receives every queued datagram (up to {@link #MAX_DATAGRAMS_PER_POLL}) without blocking. */
    private int drain(List<TaskEvent> out) {
        int added = 0;
        drained = false;
        // One recvmmsg(2) per batch of datagrams (a fork/exec/exit storm sends three per program).
        for (int i = 0; i < MAX_DATAGRAMS_PER_POLL; ) {
            int got;
            try {
                got = Libc.recvmmsg(fd, batch, Libc.MSG_DONTWAIT);
            } catch (ErrnoException e) {
                if (e.errno() == ENOBUFS) {
                    overruns++;
                    return OVERRUN;
                }
                throw e;
            }
            for (int k = 0; k < got; k++) {
                datagrams++;
                if (batch.sourcePid(k) != 0) {
                    // Only the kernel (port 0) speaks for the proc connector; anything else is forged.
                    spoofed++;
                    continue;
                }
                added += decoder.decode(batch.datagram(k), out);
            }
            i += got;
            if (got == 0) {
                // EAGAIN. Not on a short count: this socket keeps ENOBUFS (its overrun signal), and recvmmsg
                // returns the datagrams taken before a drop, leaving the error for the next call.
                drained = true;
                break;
            }
        }
        return added;
    }

    /** Times {@link #poll} returned {@link #OVERRUN}. */
    public long overruns() {
        return overruns;
    }

    /** Datagrams received. */
    public long datagrams() {
        return datagrams;
    }

    /** Datagrams dropped because a process other than the kernel sent them. */
    public long spoofed() {
        return spoofed;
    }

    /** The receive buffer the kernel granted (SO_RCVBUF as read back: twice the requested size). */
    public int receiveBufferBytes() {
        return receiveBufferBytes;
    }

    /** The decoder, for its counters (ignored, foreign, malformed messages). */
    public ProcEventDecoder decoder() {
        return decoder;
    }

    /** Sends PROC_CN_MCAST_IGNORE (so the kernel stops counting this listener) and closes the socket. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            sendControl(CnProc.PROC_CN_MCAST_IGNORE, 0);
        } catch (ErrnoException e) {
            // The socket is going away either way; the kernel also drops the listener on release.
        } finally {
            try {
                Libc.close(fd);
            } finally {
                buffer.close();
                batch.close();
            }
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            // already failing; keep the original error
        }
    }
}
