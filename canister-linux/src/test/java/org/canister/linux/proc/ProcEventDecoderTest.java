package org.canister.linux.proc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.canister.core.task.TaskEvent;
import org.junit.jupiter.api.Test;

/**
 * The decoder on datagrams built by hand from the C layouts (offsets written out here from
 * linux/netlink.h, connector.h and cn_proc.h, independently of {@code Structs}).
 */
class ProcEventDecoderTest {
    private final ProcEventDecoder decoder = new ProcEventDecoder();
    private final List<TaskEvent> out = new ArrayList<>();

    /** One netlink message: nlmsghdr(16) + cn_msg(20) + proc_event(16 + payload), NLMSG_DONE, CN_IDX_PROC. */
    private static byte[] message(int what, long timestampNs, int[] data, int ack) {
        int payload = 16 + data.length * 4;
        int len = 16 + 20 + payload;
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.nativeOrder());
        b.putInt(0, len).putShort(4, (short) 3).putShort(6, (short) 0).putInt(8, 0).putInt(12, 0);
        b.putInt(16, 1).putInt(20, 1).putInt(24, 99).putInt(28, ack).putShort(32, (short) payload).putShort(34, (short) 0);
        b.putInt(36, what).putInt(40, 0).putLong(44, timestampNs);
        for (int i = 0; i < data.length; i++) {
            b.putInt(52 + 4 * i, data[i]);
        }
        return b.array();
    }

    private static byte[] message(int what, long timestampNs, int... data) {
        return message(what, timestampNs, data, 0);
    }

    /** Concatenates messages, each padded to NLMSG_ALIGN (4). */
    private static ByteBuffer datagram(byte[]... messages) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] m : messages) {
            all.writeBytes(m);
            for (int i = m.length; i % 4 != 0; i++) {
                all.write(0);
            }
        }
        return ByteBuffer.wrap(all.toByteArray()).order(ByteOrder.nativeOrder());
    }

    private static int[] comm(int pid, int tgid, String name) {
        byte[] c = new byte[16];
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(n, 0, c, 0, Math.min(16, n.length));
        ByteBuffer b = ByteBuffer.wrap(c).order(ByteOrder.nativeOrder());
        return new int[] {pid, tgid, b.getInt(0), b.getInt(4), b.getInt(8), b.getInt(12)};
    }

    @Test
    void shouldDecodeForkWithUnknownChildStartTime() {
        int n = decoder.decode(datagram(message(CnProc.PROC_EVENT_FORK, 123_456_789L, 100, 100, 201, 200)), out);
        assertThat(n).isEqualTo(1);
        assertThat(out).containsExactly(new TaskEvent.Fork(123_456_789L, 100, 100, 201, 200, -1L));
    }

    @Test
    void shouldDecodeExecExitUidGidAndComm() {
        ByteBuffer d = datagram(
                message(CnProc.PROC_EVENT_EXEC, 1, 300, 300),
                message(CnProc.PROC_EVENT_UID, 2, 300, 300, 1000, 0),
                message(CnProc.PROC_EVENT_GID, 3, 301, 300, 100, 200),
                message(CnProc.PROC_EVENT_COMM, 4, comm(301, 300, "worker 1")),
                message(CnProc.PROC_EVENT_EXIT, 5, 301, 300, 9, 17, 1, 1));
        assertThat(decoder.decode(d, out)).isEqualTo(5);
        assertThat(out).containsExactly(
                new TaskEvent.Exec(1, 300, 300),
                new TaskEvent.UidChange(2, 300, 300, 1000, 0),
                new TaskEvent.GidChange(3, 301, 300, 100, 200),
                new TaskEvent.CommChange(4, 301, 300, "worker 1"),
                new TaskEvent.Exit(5, 301, 300, 9));
    }

    @Test
    void shouldDecodeAFullSixteenByteCommWithoutTerminator() {
        decoder.decode(datagram(message(CnProc.PROC_EVENT_COMM, 4, comm(7, 7, "abcdefghijklmnop"))), out);
        assertThat(out).containsExactly(new TaskEvent.CommChange(4, 7, 7, "abcdefghijklmnop"));
    }

    @Test
    void shouldDecodeExitFromKernelsBefore418WithoutParentFields() {
        // exit_proc_event was {pid, tgid, exit_code, exit_signal} before 4.18: 16 bytes of payload.
        decoder.decode(datagram(message(CnProc.PROC_EVENT_EXIT, 5, 40, 40, 256, 17)), out);
        assertThat(out).containsExactly(new TaskEvent.Exit(5, 40, 40, 256));
        assertThat(decoder.malformed()).isZero();
    }

    @Test
    void shouldCountAndSkipEventTypesCanisterDoesNotUse() {
        ByteBuffer d = datagram(
                message(CnProc.PROC_EVENT_SID, 1, 5, 5),
                message(CnProc.PROC_EVENT_PTRACE, 2, 5, 5, 6, 6),
                message(CnProc.PROC_EVENT_COREDUMP, 3, 5, 5, 1, 1),
                message(0x400, 4, 5, 5), // a type newer kernels may add
                message(CnProc.PROC_EVENT_EXEC, 5, 5, 5));
        assertThat(decoder.decode(d, out)).isEqualTo(1);
        assertThat(decoder.ignored()).isEqualTo(4);
        assertThat(out).containsExactly(new TaskEvent.Exec(5, 5, 5));
    }

    @Test
    void shouldSkipOtherConnectorUsersAndNetlinkControlMessages() {
        byte[] otherIdx = message(CnProc.PROC_EVENT_EXEC, 1, 5, 5);
        ByteBuffer.wrap(otherIdx).order(ByteOrder.nativeOrder()).putInt(16, 7); // CN_IDX_DM
        byte[] error = message(CnProc.PROC_EVENT_EXEC, 1, 5, 5);
        ByteBuffer.wrap(error).order(ByteOrder.nativeOrder()).putShort(4, (short) 2); // NLMSG_ERROR
        assertThat(decoder.decode(datagram(otherIdx, error, message(CnProc.PROC_EVENT_EXEC, 9, 6, 6)), out)).isEqualTo(1);
        assertThat(decoder.foreign()).isEqualTo(2);
        assertThat(out).containsExactly(new TaskEvent.Exec(9, 6, 6));
    }

    @Test
    void shouldStopAtAMessageLongerThanTheDatagram() {
        byte[] good = message(CnProc.PROC_EVENT_EXEC, 1, 5, 5);
        byte[] bad = message(CnProc.PROC_EVENT_EXEC, 2, 6, 6);
        ByteBuffer.wrap(bad).order(ByteOrder.nativeOrder()).putInt(0, 4096);
        assertThat(decoder.decode(datagram(good, bad), out)).isEqualTo(1);
        assertThat(decoder.malformed()).isEqualTo(1);
    }

    @Test
    void shouldRejectAPayloadTooShortForItsEventType() {
        byte[] shortFork = message(CnProc.PROC_EVENT_FORK, 1, 5, 5); // fork needs 4 ints
        assertThat(decoder.decode(datagram(shortFork), out)).isZero();
        assertThat(decoder.malformed()).isEqualTo(1);
        assertThat(out).isEmpty();
    }

    @Test
    void shouldIgnoreTrailingBytesShorterThanAHeaderAsMalformed() {
        ByteBuffer d = datagram(message(CnProc.PROC_EVENT_EXEC, 1, 5, 5), new byte[8]);
        assertThat(decoder.decode(d, out)).isEqualTo(1);
        assertThat(decoder.malformed()).isEqualTo(1);
    }

    @Test
    void shouldMatchOnlyTheAcknowledgementOfOurOwnRequest() {
        decoder.expectAck(43);
        decoder.decode(datagram(message(CnProc.PROC_EVENT_NONE, 1, new int[] {0}, 11)), out);
        assertThat(decoder.ackSeen()).isFalse();
        decoder.decode(datagram(message(CnProc.PROC_EVENT_NONE, 2, new int[] {1}, 43)), out);
        assertThat(decoder.ackSeen()).isTrue();
        assertThat(decoder.ackError()).isEqualTo(1);
        assertThat(decoder.acks()).isEqualTo(2);
        assertThat(out).isEmpty();
    }

    @Test
    void shouldReadFromPositionToLimitInNativeOrderWithoutMovingTheBuffer() {
        byte[] m = message(CnProc.PROC_EVENT_EXEC, 1, 5, 5);
        byte[] framed = new byte[m.length + 10];
        System.arraycopy(m, 0, framed, 3, m.length);
        ByteBuffer b = ByteBuffer.wrap(framed).order(ByteOrder.BIG_ENDIAN);
        b.position(3).limit(3 + m.length);
        assertThat(decoder.decode(b, out)).isEqualTo(1);
        assertThat(out).containsExactly(new TaskEvent.Exec(1, 5, 5));
        assertThat(b.position()).isEqualTo(3);
        assertThat(b.order()).isEqualTo(ByteOrder.BIG_ENDIAN);
    }
}
