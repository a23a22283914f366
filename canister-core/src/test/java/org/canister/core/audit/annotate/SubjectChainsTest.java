package org.canister.core.audit.annotate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.canister.core.audit.AuditEvent;
import org.canister.core.audit.AuditEvent.Completion;
import org.canister.core.audit.AuditRecord;
import org.canister.core.audit.AuditRecordText;
import org.canister.core.contid.ContidChain;
import org.junit.jupiter.api.Test;

class SubjectChainsTest {

    private static AuditEvent parse(String... lines) {
        List<AuditRecord> records = new ArrayList<>();
        for (String l : lines) {
            records.add(AuditRecordText.parseLine(l));
        }
        return new AuditEvent(records.get(0).stamp(), records, Completion.TIMEOUT);
    }

    @Test
    void shouldTakeTheContainerIdTheSyscallLinksNotATargets() {
        AuditEvent e = parse(
                "type=SYSCALL msg=audit(1.000:5): syscall=62 pid=7 record=2",
                "type=OBJ_PID msg=audit(1.000:5): opid=9 record=1",
                "type=CONTAINER_ID msg=audit(1.000:5): record=1 contid=99",
                "type=CONTAINER_ID msg=audit(1.000:5): record=2 contid=4,^2,^1");

        assertThat(SubjectChains.subjectOf(e)).isEqualTo(ContidChain.of(4, 2, 1));
        assertThat(SubjectChains.mentions(e, 99)).isTrue();
        assertThat(SubjectChains.mentions(e, 2)).isTrue();
        assertThat(SubjectChains.mentions(e, 3)).isFalse();
    }

    @Test
    void shouldTakeTheUserRecordsContainerId() {
        AuditEvent e = parse("type=USER_CMD msg=audit(1.000:5): pid=7 uid=0 msg='cmd=x res=success'",
                "type=CONTAINER_ID msg=audit(1.000:5): record=1 contid=5");

        assertThat(SubjectChains.subjectOf(e)).isEqualTo(ContidChain.of(5));
    }

    @Test
    void shouldRouteContainerOpByNewChainOrEndedContainerInBothNamings() {
        assertThat(SubjectChains.subjectOf(parse(
                "type=CONTAINER_OP msg=audit(1.000:5): op=set opid=4242 contid=4,^2 old-contid=-1 pid=1 uid=0 auid=0 ses=1 comm=\"x\" exe=\"y\" res=1 errno=0")))
                .isEqualTo(ContidChain.of(4, 2));
        assertThat(SubjectChains.subjectOf(parse(
                "type=UNKNOWN[1020] msg=audit(1.000:5): op=drop opid=4242 contid=-1 old-contid=4,^2 res=1")))
                .isEqualTo(ContidChain.of(4, 2));
        AuditEvent refused = parse("type=UNKNOWN[1020] msg=audit(1.000:5): op=set opid=4242 contid=7 old-contid=-1 pid=1"
                + " uid=0 auid=0 ses=1 comm=\"x\" exe=\"y\" res=0 errno=17");
        assertThat(SubjectChains.subjectOf(refused)).isNull();
        assertThat(SubjectChains.mentions(refused, 7)).isTrue();
    }

    @Test
    void shouldHaveNoSubjectWithoutAnnotation() {
        assertThat(SubjectChains.subjectOf(parse("type=SYSCALL msg=audit(1.000:5): syscall=59 pid=7"))).isNull();
    }
}
