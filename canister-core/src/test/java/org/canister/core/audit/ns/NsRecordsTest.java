package org.canister.core.audit.ns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.canister.core.audit.AuditRecord;
import org.canister.core.audit.AuditRecordText;
import org.canister.core.audit.AuditStamp;
import org.canister.core.audit.CanisterTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NsRecordsTest {
    private static final AuditStamp STAMP = new AuditStamp(1700000000, 123, 41);
    private static final long DEV = NsId.makedev(0, 4);

    @ParameterizedTest
    @CsvSource({"0, 4, 00:04", "8, 1, 08:01", "259, 3, 103:03", "0, 300, 00:12c", "4095, 255, fff:ff", "4096, 1048575, 1000:fffff"})
    void shouldPrintDevAsKernelPathRecordsDo(long major, long minor, String expected) {
        assertThat(NsId.formatDev(NsId.makedev(major, minor))).isEqualTo(expected);
    }

    @Test
    void shouldFormatSpecNsCreateLine() {
        AuditRecord r = NsRecords.transition(NsRecords.NS_CREATE, STAMP, 4100, 4101, "unshare", "4,^2,^1", NsType.NET,
                new NsId(NsType.NET, DEV, 4026531840L), new NsId(NsType.NET, DEV, 4026532281L));
        assertThat(r.type()).isEqualTo(2900);
        assertThat(r.body()).isEqualTo("pid=4100 tid=4101 syscall=unshare contid=4,^2,^1 nstype=net old-dev=00:04"
                + " old-inode=4026531840 dev=00:04 inode=4026532281");
        assertThat(AuditRecordText.payload(r)).startsWith("audit(1700000000.123:41): pid=4100");
    }

    @Test
    void shouldFormatNsChangeWithUnknownsAsQuestionMarks() {
        AuditRecord r = NsRecords.transition(NsRecords.NS_CHANGE, STAMP, -1, -1, "setns", null, null,
                NsId.unknown(NsType.MNT), NsId.unknown(NsType.MNT));
        assertThat(r.type()).isEqualTo(2901);
        assertThat(r.body()).isEqualTo("pid=? tid=? syscall=setns contid=-1 nstype=? old-dev=? old-inode=? dev=? inode=?");
    }

    @Test
    void shouldFormatNsDestroyWithEveryChainInV11ListForm() {
        AuditRecord r = NsRecords.destroy(STAMP, new NsId(NsType.NET, DEV, 4026532281L), List.of("4,^2,^1", "7"),
                "exit", 4242);
        assertThat(r.type()).isEqualTo(2902);
        assertThat(r.body()).isEqualTo("nstype=net dev=00:04 inode=4026532281 contid=4,^2,^1,7 cause=exit pid=4242");
        assertThat(NsRecords.destroy(STAMP, new NsId(NsType.UTS, DEV, 5), List.of(), "setns", 1).body())
                .isEqualTo("nstype=uts dev=00:04 inode=5 contid=-1 cause=setns pid=1");
    }

    @Test
    void shouldNumberTheFamilyInTheUserSpaceBlockAndShareNsInfoWithContid() {
        assertThat(new int[] {NsRecords.NS_CREATE, NsRecords.NS_CHANGE, NsRecords.NS_DESTROY, NsRecords.NS_INFO})
                .containsExactly(2900, 2901, 2902, 2903);
        assertThat(NsRecords.NS_INFO).isEqualTo(CanisterTypes.NS_INFO);
        assertThat(NsRecords.name(2900)).isEqualTo("NS_CREATE");
        assertThat(NsRecords.name(2903)).isEqualTo("NS_INFO");
        assertThat(NsRecords.name(1300)).isNull();
    }

    @Test
    void shouldRefuseOtherTypesForTransitionsAndWrongSlotTypesInViews() {
        assertThatThrownBy(() -> NsRecords.transition(NsRecords.NS_DESTROY, STAMP, 1, 1, "clone", null, NsType.NET,
                NsId.unknown(NsType.NET), NsId.unknown(NsType.NET))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NsView.builder().set(NsSlot.PID_FOR_CHILDREN, new NsId(NsType.NET, DEV, 9)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pid_for_children");
    }

    @Test
    void shouldGiveAForkedChildItsParentsForChildrenNamespaces() {
        NsView parent = NsView.builder().set(NsSlot.PID, DEV, 10).set(NsSlot.PID_FOR_CHILDREN, DEV, 11)
                .set(NsSlot.TIME, DEV, 20).set(NsSlot.TIME_FOR_CHILDREN, DEV, 21).set(NsSlot.NET, DEV, 30).build();
        NsView child = parent.forChildProcess();
        assertThat(child.get(NsSlot.PID).inode()).isEqualTo(11);
        assertThat(child.get(NsSlot.TIME).inode()).isEqualTo(21);
        assertThat(child.get(NsSlot.NET)).isEqualTo(parent.get(NsSlot.NET));
        assertThat(child.distinctIds()).hasSize(3);
        assertThat(parent.distinctIds()).hasSize(5);
        assertThat(parent.refersTo(new NsId(NsType.PID, DEV, 11))).isTrue();
    }
}
