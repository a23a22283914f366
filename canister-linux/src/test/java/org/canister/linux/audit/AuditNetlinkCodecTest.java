package org.canister.linux.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.canister.core.audit.AuditStatusField;
import org.junit.jupiter.api.Test;

class AuditNetlinkCodecTest {

    private record Msg(int type, int seq, String payload) {
    }

    private static List<Msg> decode(byte[] datagram, boolean quirk, AuditNetlinkCodec.Result[] result) {
        List<Msg> out = new ArrayList<>();
        result[0] = AuditNetlinkCodec.decode(ByteBuffer.wrap(datagram), datagram.length, quirk, (type, flags, seq, buf, off, len) -> {
            byte[] p = new byte[len];
            buf.get(off, p, 0, len);
            out.add(new Msg(type, seq, new String(p, StandardCharsets.ISO_8859_1)));
        });
        return out;
    }

    /** A datagram as kauditd unicasts it: nlmsg_len is the payload length only. */
    private static byte[] unicastRecord(int type, String text) {
        byte[] p = text.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(16 + p.length).order(ByteOrder.nativeOrder());
        b.putInt(p.length).putShort((short) type).putShort((short) 0).putInt(0).putInt(0).put(p);
        return b.array();
    }

    /** Correct netlink messages (multicast copies, replies), aligned to 4. */
    private static byte[] messages(int[] types, String... texts) {
        ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.nativeOrder());
        for (int i = 0; i < texts.length; i++) {
            byte[] p = texts[i].getBytes(StandardCharsets.ISO_8859_1);
            int start = b.position();
            b.putInt(16 + p.length).putShort((short) types[i]).putShort((short) 0).putInt(7 + i).putInt(0).put(p);
            b.position(start + AuditNetlinkCodec.align(16 + p.length));
        }
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }

    @Test
    void shouldBuildRequestWithAckFlagAndSeq() {
        byte[] req = AuditNetlinkCodec.request(1001, 42, new byte[] {1, 2, 3});
        ByteBuffer b = ByteBuffer.wrap(req).order(ByteOrder.nativeOrder());

        assertThat(req).hasSize(20);
        assertThat(b.getInt(0)).as("nlmsg_len").isEqualTo(19);
        assertThat(b.getShort(4)).as("nlmsg_type").isEqualTo((short) 1001);
        assertThat(b.getShort(6)).as("NLM_F_REQUEST|NLM_F_ACK").isEqualTo((short) 5);
        assertThat(b.getInt(8)).isEqualTo(42);
        assertThat(b.getInt(12)).isZero();
        assertThat(req[16]).isEqualTo((byte) 1);
    }

    @Test
    void shouldReadUnicastRecordWithPayloadLengthQuirk() {
        String text = "audit(1700000000.123:41): arch=c000003e syscall=59";
        AuditNetlinkCodec.Result[] r = new AuditNetlinkCodec.Result[1];

        List<Msg> got = decode(unicastRecord(1300, text), true, r);

        assertThat(got).containsExactly(new Msg(1300, 0, text));
        assertThat(r[0].quirk()).isTrue();
    }

    @Test
    void shouldApplyQuirkOnlyWhenAsked() {
        AuditNetlinkCodec.Result[] r = new AuditNetlinkCodec.Result[1];
        String text = "audit(1.000:1): x";

        // without the daemon-mode flag the header is taken at its word: a 1-byte payload
        List<Msg> misread = decode(unicastRecord(1300, text), false, r);
        assertThat(r[0].quirk()).isFalse();
        assertThat(misread).extracting(Msg::payload).doesNotContain(text);
        // a payload shorter than a header cannot even be misread
        assertThat(decode(unicastRecord(1300, "audit(1.0:1):"), false, r)).isEmpty();
        assertThat(r[0].malformed()).isTrue();
    }

    @Test
    void shouldReadSeveralAlignedMessagesOfOneDatagram() {
        byte[] d = messages(new int[] {1300, 1307, 3}, "audit(1.000:1): a=1", "audit(1.000:1): cwd=\"/\"", "");
        AuditNetlinkCodec.Result[] r = new AuditNetlinkCodec.Result[1];

        List<Msg> got = decode(d, true, r);

        assertThat(got).containsExactly(new Msg(1300, 7, "audit(1.000:1): a=1"),
                new Msg(1307, 8, "audit(1.000:1): cwd=\"/\""), new Msg(3, 9, ""));
        assertThat(r[0].quirk()).isFalse();
        assertThat(r[0].malformed()).isFalse();
    }

    @Test
    void shouldDecodeAckErrorAndEchoedSeq() {
        ByteBuffer b = ByteBuffer.allocate(36).order(ByteOrder.nativeOrder());
        b.putInt(36).putShort((short) 2).putShort((short) 0).putInt(9).putInt(0);
        b.putInt(-17).putInt(60).putShort((short) 1001).putShort((short) 5).putInt(9).putInt(0);
        List<Integer> errors = new ArrayList<>();

        AuditNetlinkCodec.decode(b.flip(), 36, false, (type, flags, seq, buf, off, len) -> {
            errors.add(AuditNetlinkCodec.ackError(buf, off));
            errors.add(AuditNetlinkCodec.ackedSeq(buf, off));
        });

        assertThat(errors).containsExactly(-17, 9);
    }

    @Test
    void shouldRoundTripAuditStatusAndReadShortStructAsZero() {
        AuditStatus s = new AuditStatus(0x3f, 1, 1, 4242, 0, 8192, 3, 0, 0x7f, 0, 0);
        byte[] bytes = s.encode();

        assertThat(bytes).hasSize(44);
        assertThat(AuditStatus.decode(ByteBuffer.wrap(bytes), 0, 44)).isEqualTo(s);
        AuditStatus shorter = AuditStatus.decode(ByteBuffer.wrap(bytes), 0, 32);
        assertThat(shorter.featureBitmap()).isZero();
        assertThat(shorter.lost()).isEqualTo(3);
        assertThat(shorter.pid()).isEqualTo(4242);
    }

    @Test
    void shouldSetOnlyTheMaskedField() {
        AuditStatus s = AuditStatus.set(AuditStatusField.BACKLOG_WAIT_TIME, 0);
        AuditStatus p = AuditStatus.set(AuditStatusField.PID, 99);

        assertThat(s.mask()).isEqualTo(0x20);
        assertThat(p.mask()).isEqualTo(0x4);
        assertThat(p.pid()).isEqualTo(99);
        assertThat(ByteBuffer.wrap(p.encode()).order(ByteOrder.nativeOrder()).getInt(12)).isEqualTo(99);
    }

    @Test
    void shouldTreatOnlyEventTypesAsRecords() {
        assertThat(AuditNetlink.isRecordType(1000)).isFalse();
        assertThat(AuditNetlink.isRecordType(1013)).isFalse();
        assertThat(AuditNetlink.isRecordType(1005)).isTrue();
        assertThat(AuditNetlink.isRecordType(1006)).isTrue();
        assertThat(AuditNetlink.isRecordType(1100)).isTrue();
        assertThat(AuditNetlink.isRecordType(1300)).isTrue();
    }
}
