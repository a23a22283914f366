package org.canister.linux.audit;

import static org.canister.linux.Structs.offset;
import static org.canister.linux.Structs.size;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.canister.linux.Libc;
import org.canister.linux.Structs;

/**
 * Pure encoding and decoding of audit netlink datagrams ({@code struct nlmsghdr}, 16 bytes, then
 * the payload; messages in one datagram start at multiples of NLMSG_ALIGNTO = 4).
 *
 * <p>The unicast quirk: records that kauditd sends to the registered audit daemon carry
 * {@code nlmsg_len = skb->len - NLMSG_HDRLEN}, the payload length only (kernel/audit.c
 * {@code __audit_log_end}: "the existing auditd daemon assumes this breakage"); multicast copies
 * and replies to requests carry the real length. Such a datagram always holds exactly one
 * message, so with the quirk allowed a first header whose {@code nlmsg_len} equals the datagram
 * length minus 16 is read as one message with that many payload bytes. A correct message can never
 * match this test: its length covers its own header.
 */
public final class AuditNetlinkCodec {

    /** NLMSG_HDRLEN. */
    public static final int HEADER = size(Structs.NLMSGHDR);

    private static final int LEN = offset(Structs.NLMSGHDR, "nlmsg_len");
    private static final int TYPE = offset(Structs.NLMSGHDR, "nlmsg_type");
    private static final int FLAGS = offset(Structs.NLMSGHDR, "nlmsg_flags");
    private static final int SEQ = offset(Structs.NLMSGHDR, "nlmsg_seq");
    private static final int PID = offset(Structs.NLMSGHDR, "nlmsg_pid");

    /** Receives one message; the payload is {@code buf[payloadOff, payloadOff + payloadLen)}. */
    @FunctionalInterface
    public interface Visitor {
        void message(int type, int flags, int seq, ByteBuffer buf, int payloadOff, int payloadLen);
    }

    /** What {@link #decode} found in a datagram. */
    public record Result(int messages, boolean quirk, boolean malformed) {
    }

    private AuditNetlinkCodec() {
    }

    /** A request datagram: header (NLM_F_REQUEST | NLM_F_ACK, the given seq, nlmsg_pid 0) and payload. */
    public static byte[] request(int type, int seq, byte[] payload) {
        int len = HEADER + payload.length;
        byte[] msg = new byte[align(len)];
        ByteBuffer b = ByteBuffer.wrap(msg).order(ByteOrder.nativeOrder());
        b.putInt(LEN, len);
        b.putShort(TYPE, (short) type);
        b.putShort(FLAGS, (short) (Libc.NLM_F_REQUEST | Libc.NLM_F_ACK));
        b.putInt(SEQ, seq);
        b.putInt(PID, 0);
        b.put(HEADER, payload);
        return msg;
    }

    /** NLMSG_ALIGN. */
    public static int align(int len) {
        return (len + Libc.NLMSG_ALIGNTO - 1) & ~(Libc.NLMSG_ALIGNTO - 1);
    }

    /**
     * Visits every message of one datagram held in {@code buf[0, length)}.
     *
     * @param unicastQuirk whether this socket may receive kauditd unicast records (daemon mode)
     */
    public static Result decode(ByteBuffer buf, int length, boolean unicastQuirk, Visitor visitor) {
        ByteBuffer b = buf.duplicate().order(ByteOrder.nativeOrder());
        if (length < HEADER) {
            return new Result(0, false, length != 0);
        }
        int first = b.getInt(LEN);
        if (unicastQuirk && first == length - HEADER) {
            visitor.message(b.getShort(TYPE) & 0xffff, b.getShort(FLAGS) & 0xffff, b.getInt(SEQ), buf, HEADER, first);
            return new Result(1, true, false);
        }
        int off = 0;
        int count = 0;
        while (length - off >= HEADER) {
            int len = b.getInt(off + LEN);
            if (len < HEADER || len > length - off) {
                return new Result(count, false, true);
            }
            visitor.message(b.getShort(off + TYPE) & 0xffff, b.getShort(off + FLAGS) & 0xffff, b.getInt(off + SEQ),
                    buf, off + HEADER, len - HEADER);
            count++;
            off += align(len);
        }
        return new Result(count, false, false);
    }

    /** The {@code error} of an NLMSG_ERROR payload: 0 for an ack, {@code -errno}, or a positive value (AUDIT_SET lost reset). */
    public static int ackError(ByteBuffer buf, int payloadOff) {
        return buf.duplicate().order(ByteOrder.nativeOrder()).getInt(payloadOff);
    }

    /** The sequence number of the request an NLMSG_ERROR answers (from the echoed header). */
    public static int ackedSeq(ByteBuffer buf, int payloadOff) {
        return buf.duplicate().order(ByteOrder.nativeOrder()).getInt(payloadOff + 4 + SEQ);
    }
}
