package org.canister.core.audit;

import static org.assertj.core.api.Assertions.assertThat;

import org.canister.core.audit.CanisterTypes.Naming;
import org.junit.jupiter.api.Test;

class CanisterTypesTest {
    private static final AuditStamp S = new AuditStamp(1, 2, 3);

    @Test
    void shouldNameCanisterTypesOrPrintThemAsAuditdPrintsUnknownTypes() {
        AuditRecord op = AuditRecord.canister(CanisterTypes.CONTAINER_OP, S, "op=drop");
        assertThat(AuditRecordText.appendTo(new StringBuilder(), op, null, Naming.NAMES).toString())
                .isEqualTo("type=CONTAINER_OP msg=audit(1.002:3): op=drop");
        assertThat(AuditRecordText.appendTo(new StringBuilder(), op, null, Naming.UNKNOWN_NUMBERS).toString())
                .isEqualTo("type=UNKNOWN[1020] msg=audit(1.002:3): op=drop");
        assertThat(CanisterTypes.displayName(CanisterTypes.NS_INFO, Naming.UNKNOWN_NUMBERS)).isEqualTo("UNKNOWN[2903]");
    }

    @Test
    void shouldNeverPrintContainerIdAsANumber() {
        for (Naming n : Naming.values()) {
            assertThat(CanisterTypes.displayName(CanisterTypes.CONTAINER_ID, n)).isEqualTo("CONTAINER_ID");
        }
    }

    @Test
    void shouldTellKernelUringopFromCanisterContainerIdOfTheSameNumber() {
        AuditRecord uring = new AuditRecord(1336, S, "uring_op=1");
        AuditRecord cid = AuditRecord.canister(1336, S, "record=1 contid=5");

        assertThat(uring).isNotEqualTo(cid);
        assertThat(uring.is(1336)).isTrue();
        assertThat(cid.is(1336)).isFalse();
        assertThat(AuditRecordText.format(uring)).startsWith("type=URINGOP ");
        assertThat(AuditRecordText.format(cid)).startsWith("type=CONTAINER_ID ");
    }

    @Test
    void shouldReadCanisterNamesBackFromLogLines() {
        AuditRecord r = AuditRecordText.parseLine("type=CONTAINER_ID msg=audit(1.002:3): record=1 contid=5");
        assertThat(r).isEqualTo(AuditRecord.canister(1336, S, "record=1 contid=5"));
        assertThat(AuditRecordText.parseLine("type=URINGOP msg=audit(1.002:3): x=1").numbering())
                .isEqualTo(AuditRecord.Numbering.LINUX);
        assertThat(AuditRecordText.parseLine("type=NS_INFO msg=audit(1.002:3): opid=1").type()).isEqualTo(2903);
    }

    @Test
    void shouldRenderEoeOnlyForEventsTheKernelClosedWithEoeAndOnlyWhenAsked() {
        AuditEvent e = new AuditEvent(S, java.util.List.of(new AuditRecord(1300, S, "syscall=59")), AuditEvent.Completion.EOE);
        assertThat(AuditLogFormat.appendEvent(new StringBuilder(), e, Naming.NAMES, true).toString())
                .isEqualTo("type=SYSCALL msg=audit(1.002:3): syscall=59\ntype=EOE msg=audit(1.002:3): \n");
        assertThat(AuditLogFormat.appendEvent(new StringBuilder(), e, Naming.NAMES, false).toString())
                .isEqualTo("type=SYSCALL msg=audit(1.002:3): syscall=59\n");
    }

    @Test
    void shouldAgreeWithTheNamespaceRecordsOnNumbersAndNames() {
        for (int t = 2900; t <= 2903; t++) {
            assertThat(CanisterTypes.name(t)).isEqualTo(org.canister.core.audit.ns.NsRecords.name(t));
        }
        AuditRecord create = org.canister.core.audit.ns.NsRecords.destroy(S,
                new org.canister.core.audit.ns.NsId(org.canister.core.audit.ns.NsType.NET, 4, 4026532281L),
                java.util.List.of("4,^2"), "exit", 7);
        assertThat(create.numbering()).isEqualTo(AuditRecord.Numbering.CANISTER);
        assertThat(AuditRecordText.format(create)).startsWith("type=NS_DESTROY msg=audit(1.002:3): nstype=net");
        assertThat(AuditRecordText.appendTo(new StringBuilder(), create, null, Naming.UNKNOWN_NUMBERS).toString())
                .startsWith("type=UNKNOWN[2902] ");
    }
}
