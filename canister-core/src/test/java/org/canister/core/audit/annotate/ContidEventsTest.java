package org.canister.core.audit.annotate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.canister.core.audit.AuditEvent;
import org.canister.core.audit.AuditLogFormat;
import org.canister.core.audit.CanisterTypes;
import org.canister.core.contid.AuditStamp;
import org.canister.core.contid.ContidRecords;
import org.canister.core.task.Namespaces;
import org.junit.jupiter.api.Test;

class ContidEventsTest {

    @Test
    void shouldWriteRegistryEventsExactlyAsTheRegistryFormatsThem() {
        org.canister.core.contid.AuditEvent set = new org.canister.core.contid.AuditEvent(
                new AuditStamp(1_700_000_000L, 123, 2_147_483_689L),
                List.of(ContidRecords.drop(4242, "4,^2,^1"),
                        ContidRecords.nsInfo(4242, "00:04", new Namespaces(1, 2, 3, 4, 5, 6, 7))));

        AuditEvent e = ContidEvents.toAudit(set);

        assertThat(e.completion()).isEqualTo(AuditEvent.Completion.ORIGINATED);
        assertThat(e.records()).allMatch(r -> r.numbering() == org.canister.core.audit.AuditRecord.Numbering.CANISTER);
        for (CanisterTypes.Naming n : CanisterTypes.Naming.values()) {
            ContidRecords.Naming theirs = ContidRecords.Naming.valueOf(n.name());
            assertThat(AuditLogFormat.appendEvent(new StringBuilder(), e, n, true).toString())
                    .isEqualTo(ContidRecords.format(set, theirs));
        }
    }

    @Test
    void shouldAgreeWithTheRegistryOnTypeNumbers() {
        assertThat(CanisterTypes.CONTAINER_OP).isEqualTo(ContidRecords.CONTAINER_OP);
        assertThat(CanisterTypes.SIGNAL_INFO2).isEqualTo(ContidRecords.SIGNAL_INFO2);
        assertThat(CanisterTypes.SET_CAPCONTID).isEqualTo(ContidRecords.SET_CAPCONTID);
        assertThat(CanisterTypes.CONTAINER_ID).isEqualTo(ContidRecords.CONTAINER_ID);
        assertThat(CanisterTypes.NS_INFO).isEqualTo(ContidRecords.NS_INFO);
    }
}
