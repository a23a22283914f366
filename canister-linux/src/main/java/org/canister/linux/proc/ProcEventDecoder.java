package org.canister.linux.proc;

import static org.canister.linux.Structs.offset;
import static org.canister.linux.Structs.size;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.canister.core.task.TaskEvent;
import org.canister.linux.Libc;
import org.canister.linux.Structs;

/**
 * Turns datagrams of the proc connector (NETLINK_CONNECTOR, group CN_IDX_PROC) into
 * {@link TaskEvent}s. Pure: no I/O, no clock (event times are the kernel's {@code timestamp_ns},
 * which is {@code ktime_get_ns()}, i.e. CLOCK_MONOTONIC), so it is tested on hand-built bytes.
 *
 * <p>Wire format (drivers/connector/cn_proc.c, connector.c): a datagram holds one or more netlink
 * messages, each starting at a multiple of NLMSG_ALIGNTO (4): {@code struct nlmsghdr} (type
 * NLMSG_DONE, as {@code cn_netlink_send_mult} puts it), {@code struct cn_msg} with {@code id =
 * {CN_IDX_PROC, CN_VAL_PROC}} and {@code len} = payload length, then {@code struct proc_event}.
 * Multi-byte fields are in host byte order.
 *
 * <p>Fork, exec, exit, uid, gid and comm events become records; sid, ptrace, coredump and event types
 * unknown to this code are counted in {@link #ignored()}; connector acknowledgements
 * ({@code PROC_EVENT_NONE}) in {@link #acks()}; messages for other connector users or netlink control
 * messages in {@link #foreign()}; truncated or inconsistent messages in {@link #malformed()} (the rest
 * of that datagram is skipped: its framing cannot be trusted).
 *
 * <p>Not thread-safe (the counters are plain fields); one decoder per reader thread.
 */
public final class ProcEventDecoder {
    private static final int NLMSG_HDRLEN = size(Structs.NLMSGHDR);
    private static final int NLMSG_LEN = offset(Structs.NLMSGHDR, "nlmsg_len");
    private static final int NLMSG_TYPE = offset(Structs.NLMSGHDR, "nlmsg_type");

    private static final int CN_MSG_SIZE = size(Structs.CN_MSG);
    private static final int CN_IDX = offset(Structs.CN_MSG, "id.idx");
    private static final int CN_VAL = offset(Structs.CN_MSG, "id.val");
    private static final int CN_ACK = offset(Structs.CN_MSG, "ack");
    private static final int CN_LEN = offset(Structs.CN_MSG, "len");

    private static final int WHAT = offset(Structs.PROC_EVENT, "what");
    private static final int TIMESTAMP = offset(Structs.PROC_EVENT, "timestamp_ns");
    /** Where event_data starts: the header every proc_event has. */
    private static final int DATA = offset(Structs.PROC_EVENT, "event_data");

    private static final int ACK_ERR = offset(Structs.PROC_EVENT, "event_data.ack.err");
    private static final int FORK_PARENT_PID = offset(Structs.PROC_EVENT, "event_data.fork.parent_pid");
    private static final int FORK_PARENT_TGID = offset(Structs.PROC_EVENT, "event_data.fork.parent_tgid");
    private static final int FORK_CHILD_PID = offset(Structs.PROC_EVENT, "event_data.fork.child_pid");
    private static final int FORK_CHILD_TGID = offset(Structs.PROC_EVENT, "event_data.fork.child_tgid");
    private static final int FORK_END = DATA + size(Structs.FORK_PROC_EVENT);
    private static final int EXEC_PID = offset(Structs.PROC_EVENT, "event_data.exec.process_pid");
    private static final int EXEC_TGID = offset(Structs.PROC_EVENT, "event_data.exec.process_tgid");
    private static final int EXEC_END = DATA + size(Structs.EXEC_PROC_EVENT);
    private static final int ID_PID = offset(Structs.PROC_EVENT, "event_data.id.process_pid");
    private static final int ID_TGID = offset(Structs.PROC_EVENT, "event_data.id.process_tgid");
    private static final int ID_R = offset(Structs.PROC_EVENT, "event_data.id.r.ruid");
    private static final int ID_E = offset(Structs.PROC_EVENT, "event_data.id.e.euid");
    private static final int ID_END = DATA + size(Structs.ID_PROC_EVENT);
    private static final int COMM_PID = offset(Structs.PROC_EVENT, "event_data.comm.process_pid");
    private static final int COMM_TGID = offset(Structs.PROC_EVENT, "event_data.comm.process_tgid");
    private static final int COMM = offset(Structs.PROC_EVENT, "event_data.comm.comm");
    private static final int COMM_LEN = 16; // TASK_COMM_LEN
    private static final int COMM_END = COMM + COMM_LEN;
    private static final int EXIT_PID = offset(Structs.PROC_EVENT, "event_data.exit.process_pid");
    private static final int EXIT_TGID = offset(Structs.PROC_EVENT, "event_data.exit.process_tgid");
    private static final int EXIT_CODE = offset(Structs.PROC_EVENT, "event_data.exit.exit_code");
    /** exit_code is all Canister reads; parent_pid/parent_tgid only exist since Linux 4.18. */
    private static final int EXIT_END = EXIT_CODE + Integer.BYTES;

    private long ignored;
    private long acks;
    private long foreign;
    private long malformed;
    private int expectedAck = Integer.MIN_VALUE;
    private boolean ackSeen;
    private int ackError;

    /**
     * Decodes the bytes between {@code datagram}'s position and limit, appending one event per fork,
     * exec, exit, uid, gid or comm message to {@code out}. The buffer's position, limit and byte order
     * are left unchanged (fields are read in native order, as the kernel wrote them).
     *
     * @return the number of events appended
     */
    public int decode(ByteBuffer datagram, List<TaskEvent> out) {
        ByteBuffer b = datagram.order() == ByteOrder.nativeOrder()
                ? datagram : datagram.duplicate().order(ByteOrder.nativeOrder());
        int end = b.limit();
        int at = b.position();
        int added = 0;
        while (end - at >= NLMSG_HDRLEN) {
            int len = b.getInt(at + NLMSG_LEN);
            if (len < NLMSG_HDRLEN || len > end - at) {
                malformed++;
                return added;
            }
            int type = b.getShort(at + NLMSG_TYPE) & 0xffff;
            if (type != Libc.NLMSG_DONE) {
                // NLMSG_NOOP/ERROR/OVERRUN: netlink control traffic, not connector payload.
                foreign++;
            } else {
                added += decodeConnector(b, at + NLMSG_HDRLEN, at + len, out);
            }
            // NLMSG_ALIGN(len); the last message of a datagram may lack its padding.
            at += (len + Libc.NLMSG_ALIGNTO - 1) & -Libc.NLMSG_ALIGNTO;
        }
        if (at < end) {
            malformed++;
        }
        return added;
    }

    private int decodeConnector(ByteBuffer b, int cn, int end, List<TaskEvent> out) {
        if (end - cn < CN_MSG_SIZE) {
            malformed++;
            return 0;
        }
        if (b.getInt(cn + CN_IDX) != CnProc.CN_IDX_PROC || b.getInt(cn + CN_VAL) != CnProc.CN_VAL_PROC) {
            foreign++;
            return 0;
        }
        int payload = b.getShort(cn + CN_LEN) & 0xffff;
        int ev = cn + CN_MSG_SIZE;
        if (payload < DATA || payload > end - ev) {
            malformed++;
            return 0;
        }
        int what = b.getInt(ev + WHAT);
        long timeNs = b.getLong(ev + TIMESTAMP);
        switch (what) {
            case CnProc.PROC_EVENT_FORK -> {
                if (payload < FORK_END) {
                    break;
                }
                out.add(new TaskEvent.Fork(timeNs, b.getInt(ev + FORK_PARENT_PID), b.getInt(ev + FORK_PARENT_TGID),
                        b.getInt(ev + FORK_CHILD_PID), b.getInt(ev + FORK_CHILD_TGID), -1L));
                return 1;
            }
            case CnProc.PROC_EVENT_EXEC -> {
                if (payload < EXEC_END) {
                    break;
                }
                out.add(new TaskEvent.Exec(timeNs, b.getInt(ev + EXEC_PID), b.getInt(ev + EXEC_TGID)));
                return 1;
            }
            case CnProc.PROC_EVENT_EXIT -> {
                if (payload < EXIT_END) {
                    break;
                }
                out.add(new TaskEvent.Exit(timeNs, b.getInt(ev + EXIT_PID), b.getInt(ev + EXIT_TGID),
                        b.getInt(ev + EXIT_CODE)));
                return 1;
            }
            case CnProc.PROC_EVENT_UID -> {
                if (payload < ID_END) {
                    break;
                }
                out.add(new TaskEvent.UidChange(timeNs, b.getInt(ev + ID_PID), b.getInt(ev + ID_TGID),
                        b.getInt(ev + ID_R), b.getInt(ev + ID_E)));
                return 1;
            }
            case CnProc.PROC_EVENT_GID -> {
                if (payload < ID_END) {
                    break;
                }
                out.add(new TaskEvent.GidChange(timeNs, b.getInt(ev + ID_PID), b.getInt(ev + ID_TGID),
                        b.getInt(ev + ID_R), b.getInt(ev + ID_E)));
                return 1;
            }
            case CnProc.PROC_EVENT_COMM -> {
                if (payload < COMM_END) {
                    break;
                }
                out.add(new TaskEvent.CommChange(timeNs, b.getInt(ev + COMM_PID), b.getInt(ev + COMM_TGID),
                        comm(b, ev + COMM)));
                return 1;
            }
            case CnProc.PROC_EVENT_NONE -> {
                acks++;
                if (payload >= ACK_ERR + Integer.BYTES && b.getInt(cn + CN_ACK) == expectedAck) {
                    ackSeen = true;
                    ackError = b.getInt(ev + ACK_ERR);
                }
                return 0;
            }
            default -> {
                ignored++;
                return 0;
            }
        }
        // A known event type whose payload is too short for its fields.
        malformed++;
        return 0;
    }

    /** task->comm as the kernel copied it: up to TASK_COMM_LEN bytes, NUL-terminated when shorter. */
    private static String comm(ByteBuffer b, int at) {
        int n = 0;
        while (n < COMM_LEN && b.get(at + n) != 0) {
            n++;
        }
        byte[] bytes = new byte[n];
        b.get(at, bytes, 0, n);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * Arms acknowledgement matching: the kernel answers a LISTEN/IGNORE request with a PROC_EVENT_NONE
     * whose {@code cn_msg.ack} is the request's {@code ack} + 1 ({@code cn_proc_ack}), multicast to all
     * listeners; only the one carrying {@code ack} counts as ours.
     */
    public void expectAck(int ack) {
        this.expectedAck = ack;
        this.ackSeen = false;
        this.ackError = 0;
    }

    /** Whether the acknowledgement armed by {@link #expectAck} has arrived. */
    public boolean ackSeen() {
        return ackSeen;
    }

    /** The errno the kernel put in that acknowledgement (0 = accepted). */
    public int ackError() {
        return ackError;
    }

    /** Events of types Canister does not use (sid, ptrace, coredump, newer types). */
    public long ignored() {
        return ignored;
    }

    /** Connector acknowledgements (PROC_EVENT_NONE), ours and other listeners'. */
    public long acks() {
        return acks;
    }

    /** Netlink control messages and messages of other connector users. */
    public long foreign() {
        return foreign;
    }

    /** Truncated or inconsistent messages. */
    public long malformed() {
        return malformed;
    }
}
