package org.canister.core.contid;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.canister.core.Errno;
import org.canister.core.audit.AuditEvent;
import org.canister.core.audit.AuditLogFormat;
import org.canister.core.audit.AuditRecord;
import org.canister.core.audit.AuditRecordText;
import org.canister.core.audit.AuditStamp;
import org.canister.core.audit.CanisterTypes;
import org.canister.core.task.Namespaces;
import org.junit.jupiter.api.Test;

class ContidRecordsTest {
    private static final AuditStamp STAMP = AuditStamp.ofMillis(1_700_000_000_123L, 41);
    private static final AuditSubject RUNC = new AuditSubject(4100, 0, 1000, 3, "runc", "/usr/bin/runc");

    @Test
    void shouldPrintTheSpecsSetExampleExactly() {
        AuditRecord r = ContidRecords.set(STAMP, 4242, "123456", "-1", RUNC, null);
        assertThat(AuditRecordText.format(r)).isEqualTo(
                "type=CONTAINER_OP msg=audit(1700000000.123:41): op=set opid=4242 contid=123456 old-contid=-1 "
                        + "pid=4100 uid=0 auid=1000 ses=3 comm=\"runc\" exe=\"/usr/bin/runc\" res=1 errno=0");
    }

    @Test
    void shouldPrintRefusalWithRequestedValueResZeroAndErrno() {
        AuditRecord r = ContidRecords.set(STAMP, 4242, ContidValue.UNSET_TEXT, "5", RUNC, Errno.EINVAL);
        assertThat(r.body()).isEqualTo("op=set opid=4242 contid=18446744073709551615 old-contid=5 pid=4100 uid=0 "
                + "auid=1000 ses=3 comm=\"runc\" exe=\"/usr/bin/runc\" res=0 errno=22");
    }

    @Test
    void shouldPrintUnsetLoginIdsAndUnknownStringsAsTheKernelDoes() {
        AuditRecord r = ContidRecords.set(STAMP, 7, "1", "-1", new AuditSubject(6, -1, -1, -1, null, ""), Errno.EPERM);
        assertThat(r.body()).contains("uid=4294967295 auid=4294967295 ses=4294967295 comm=? exe=? res=0 errno=1");
    }

    @Test
    void shouldHexEncodeUntrustedStringsLikeAuditLogUntrustedstring() {
        StringBuilder b = new StringBuilder();
        AuditLogFormat.appendUntrusted(b, "my prog");
        assertThat(b).hasToString("6D792070726F67");
        b.setLength(0);
        AuditLogFormat.appendUntrusted(b, "a\"b");
        assertThat(b).hasToString("612262");
        b.setLength(0);
        AuditLogFormat.appendUntrusted(b, "é");
        assertThat(b).hasToString("C3A9");
    }

    @Test
    void shouldPrintDropAndCapcontidRecordsExactly() {
        assertThat(ContidRecords.drop(STAMP, 4242, "4,^2,^1").body())
                .isEqualTo("op=drop opid=4242 contid=-1 old-contid=4,^2,^1 res=1");
        assertThat(ContidRecords.setCapContid(STAMP, 4243, 1, 0, null).body())
                .isEqualTo("opid=4243 capcontid=1 old-capcontid=0 res=1");
        assertThat(ContidRecords.setCapContid(STAMP, 4243, 1, 0, Errno.EXDEV).body())
                .isEqualTo("opid=4243 capcontid=1 old-capcontid=0 res=0 errno=18");
    }

    @Test
    void shouldPrintNsInfoWithUnknownsAsQuestionMarks() {
        Namespaces ns = new Namespaces(4026531841L, 4026531840L, 4026531836L, 4026531837L, 4026531838L,
                4026531839L, 4026531835L);
        assertThat(ContidRecords.nsInfo(STAMP, 4242, "00:04", ns).body()).isEqualTo(
                "opid=4242 dev=00:04 ns_cgroup=4026531835 ns_ipc=4026531839 ns_mnt=4026531841 ns_net=4026531840 "
                        + "ns_pid=4026531836 ns_time=? ns_user=4026531837 ns_uts=4026531838");
        assertThat(ContidRecords.nsInfo(STAMP, 1, null, Namespaces.UNKNOWN).body()).isEqualTo(
                "opid=1 dev=? ns_cgroup=? ns_ipc=? ns_mnt=? ns_net=? ns_pid=? ns_time=? ns_user=? ns_uts=?");
    }

    @Test
    void shouldFrameEveryRecordOfAnEventWithTheSameStampAndOptionallyUnknownNames() {
        AuditStamp stamp = AuditStamp.ofMillis(1_700_000_000_007L, 2_147_483_700L);
        AuditEvent e = AuditEvent.originated(stamp, List.of(
                ContidRecords.set(stamp, 9, "3", "-1", RUNC, null),
                ContidRecords.nsInfo(stamp, 9, "00:04", Namespaces.UNKNOWN)));
        String named = format(e, CanisterTypes.Naming.NAMES);
        assertThat(named.lines()).hasSize(2)
                .allMatch(l -> l.contains(" msg=audit(1700000000.007:2147483700): "));
        assertThat(named).startsWith("type=CONTAINER_OP ").contains("\ntype=NS_INFO ").endsWith("\n");
        String unknown = format(e, CanisterTypes.Naming.UNKNOWN_NUMBERS);
        assertThat(unknown).startsWith("type=UNKNOWN[1020] ").contains("\ntype=UNKNOWN[2903] ");
        AuditRecord cid = AuditRecord.canister(CanisterTypes.CONTAINER_ID, stamp, "record=1 contid=4");
        assertThat(AuditRecordText.typeName(cid, CanisterTypes.Naming.UNKNOWN_NUMBERS)).isEqualTo("CONTAINER_ID");
        AuditRecord cap = ContidRecords.setCapContid(stamp, 1, 1, 0, null);
        assertThat(AuditRecordText.typeName(cap, CanisterTypes.Naming.UNKNOWN_NUMBERS)).isEqualTo("UNKNOWN[1022]");
    }

    /** An event as the audit writer puts it in a log. */
    private static String format(AuditEvent e, CanisterTypes.Naming naming) {
        return AuditLogFormat.appendEvent(new StringBuilder(), e, naming, false).toString();
    }

    @Test
    void shouldPadMillisToThreeDigits() {
        assertThat(AuditStamp.ofMillis(5_000L, 1).format()).isEqualTo("5.000:1");
        assertThat(AuditStamp.ofMillis(5_050L, 1).format()).isEqualTo("5.050:1");
        assertThat(AuditStamp.ofMillis(5_999L, 4_294_967_295L).format()).isEqualTo("5.999:4294967295");
    }
}
