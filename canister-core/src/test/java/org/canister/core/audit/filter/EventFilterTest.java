package org.canister.core.audit.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.canister.core.CanisterException;
import org.canister.core.Errno;
import org.canister.core.audit.AuditEvent;
import org.canister.core.audit.AuditEvent.Completion;
import org.canister.core.audit.AuditRecord;
import org.canister.core.audit.AuditRecordText;
import org.canister.core.contid.ContidChain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EventFilterTest {

    private static final ContidChain NESTED = ContidChain.of(4, 2, 1);

    private static AuditEvent event(String... lines) {
        List<AuditRecord> records = new ArrayList<>();
        for (String l : lines) {
            records.add(AuditRecordText.parseLine(l));
        }
        return new AuditEvent(records.get(0).stamp(), records, Completion.EOE);
    }

    private static AuditEvent exec(long uid, String success, String key) {
        return event("type=SYSCALL msg=audit(1.000:5): arch=c000003e syscall=59 success=" + success + " exit=0 ppid=1 pid=7"
                        + " auid=1000 uid=" + uid + " comm=\"true\" key=" + key + " record=1",
                "type=CONTAINER_ID msg=audit(1.000:5): record=1 contid=4,^2,^1",
                "type=CWD msg=audit(1.000:5): cwd=\"/\"",
                "type=PROCTITLE msg=audit(1.000:5): proctitle=74727565");
    }

    private static EventFilter rules(String... lines) {
        return EventFilter.parse(List.of(lines), "audit.filters");
    }

    @Test
    void shouldMatchContidAgainstAnyElementOfTheChain() {
        AuditEvent e = exec(0, "yes", "\"exec\"");
        for (long id : new long[] {4, 2, 1}) {
            assertThat(rules("drop contid=" + id).apply(e, NESTED)).as("contid=%d", id).isNull();
            assertThat(rules("drop contid!=" + id).apply(e, NESTED)).as("contid!=%d", id).isSameAs(e);
        }
        assertThat(rules("drop contid=3").apply(e, NESTED)).isSameAs(e);
        assertThat(rules("drop contid!=3").apply(e, NESTED)).isNull();
    }

    @Test
    void shouldTreatUnlabelledSubjectsAsUnsetAndUnequalToEveryId() {
        AuditEvent e = exec(0, "yes", "\"exec\"");
        assertThat(rules("drop contid=4").apply(e, null)).isSameAs(e);
        assertThat(rules("drop contid!=4").apply(e, null)).isNull();
        assertThat(rules("drop contid=unset").apply(e, null)).isNull();
        assertThat(rules("drop contid=-1").apply(e, NESTED)).isSameAs(e);
    }

    @Test
    void shouldLetTheFirstMatchingRuleDecide() {
        EventFilter f = rules("keep contid=2 key=exec", "drop key=exec");
        AuditEvent e = exec(0, "yes", "\"exec\"");

        assertThat(f.apply(e, NESTED)).isSameAs(e);
        assertThat(f.apply(e, ContidChain.of(9))).isNull();
        assertThat(f.apply(e, null)).isNull();
        assertThat(f.apply(exec(0, "yes", "\"other\""), null)).isNotNull();
    }

    @Test
    void shouldDropOnlyTheRecordsOfATypeRule() {
        AuditEvent e = exec(0, "yes", "\"exec\"");
        AuditEvent out = rules("drop type=PROCTITLE", "drop type=CONTAINER_ID contid=9").apply(e, NESTED);

        assertThat(out.records()).extracting(r -> AuditRecordText.typeName(r, org.canister.core.audit.CanisterTypes.Naming.NAMES))
                .containsExactly("SYSCALL", "CONTAINER_ID", "CWD");
        assertThat(out.stamp()).isEqualTo(e.stamp());
        assertThat(rules("drop type=SYSCALL", "drop type=CONTAINER_ID", "drop type=CWD", "drop type=PROCTITLE")
                .apply(e, NESTED)).isNull();
    }

    @Test
    void shouldNotConfuseUringopNumberWithContainerId() {
        AuditEvent e = exec(0, "yes", "\"exec\"");
        assertThat(rules("drop type=1336").apply(e, NESTED)).isSameAs(e);
        assertThat(rules("drop type=URINGOP").apply(e, NESTED)).isSameAs(e);
        assertThat(rules("drop type=CONTAINER_ID").apply(e, NESTED).records()).hasSize(3);
    }

    @Test
    void shouldSelectContainerOpByNameOrByTheUnknownNumberItIsPrintedAs() {
        AuditEvent op = event("type=CONTAINER_OP msg=audit(1.000:5): op=drop opid=1 contid=-1 old-contid=4 res=1");
        assertThat(rules("drop type=CONTAINER_OP").apply(op, null)).isNull();
        assertThat(rules("drop type=UNKNOWN[1020]").apply(op, null)).isNull();
        assertThat(rules("drop type=1020").apply(op, null)).isNull();
    }

    @ParameterizedTest
    @CsvSource({
            "uid=0, 0, true", "uid=0, 1000, false", "uid!=0, 1000, true", "uid>=1000, 1000, true",
            "uid>=1000, 999, false", "uid<1000, 0, true", "uid>1000, 1000, false", "uid<=0, 0, true",
            "uid=unset, 4294967295, true", "uid=-1, -1, true"})
    void shouldCompareUidsAsUnsigned32(String cond, long uid, boolean dropped) {
        AuditEvent e = exec(uid, "yes", "\"exec\"");
        assertThat(rules("drop " + cond).apply(e, null) == null).isEqualTo(dropped);
    }

    @Test
    void shouldMatchSuccessFromSyscallOrRes() {
        assertThat(rules("drop success=0").apply(exec(0, "no", "\"k\""), null)).isNull();
        assertThat(rules("drop success=no").apply(exec(0, "yes", "\"k\""), null)).isNotNull();
        AuditEvent user = event("type=USER_CMD msg=audit(1.000:5): pid=7 uid=0 msg='cmd=x res=failed'");
        assertThat(rules("drop success=0").apply(user, null)).isNull();
        assertThat(rules("drop success=1").apply(user, null)).isNotNull();
        AuditEvent none = event("type=CWD msg=audit(1.000:5): cwd=\"/\"");
        assertThat(rules("drop success=1").apply(none, null)).isNotNull();
        assertThat(rules("drop success!=1").apply(none, null)).isNotNull();
        assertThat(rules("drop uid!=5").apply(none, null)).isNotNull();
    }

    @Test
    void shouldMatchEachOfSeveralKeysAndEventsWithoutKey() {
        // auditctl -k a -k "b c": the kernel hex-encodes "a\001b c".
        AuditEvent multi = exec(0, "yes", "61016220 63".replace(" ", ""));
        assertThat(rules("drop key=a").apply(multi, null)).isNull();
        assertThat(rules("drop key=\"b c\"").apply(multi, null)).isNull();
        assertThat(rules("drop key=b").apply(multi, null)).isNotNull();
        AuditEvent nokey = exec(0, "yes", "(null)");
        assertThat(rules("drop key=exec").apply(nokey, null)).isNotNull();
        assertThat(rules("drop key!=exec").apply(nokey, null)).isNull();
    }

    @Test
    void shouldKeepEverythingWithoutRulesAndDropEverythingWithABareDrop() {
        AuditEvent e = exec(0, "yes", "\"exec\"");
        assertThat(EventFilter.NONE.apply(e, NESTED)).isSameAs(e);
        assertThat(rules("# nothing", "", "   ").isEmpty()).isTrue();
        assertThat(rules("drop   # everything").apply(e, null)).isNull();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "drop contid>5|contid takes only = and !=",
            "drop contid<=5|contid takes only = and !=",
            "drop key>a|key takes only = and !=",
            "drop success>=1|success takes only = and !=",
            "discard contid=5|a rule starts with 'drop' or 'keep'",
            "drop pid=5|unknown field 'pid'",
            "drop contid=abc|contid value 'abc'",
            "drop contid=18446744073709551616|contid value",
            "drop uid=root|uid takes a number",
            "drop type=NOPE|unknown record type 'NOPE'",
            "drop key=\"open|unbalanced double quote",
            "drop contid|is not field<op>value",
            "drop contid=|has no value",
            "drop uid=<5|unknown operator '=<'"})
    void shouldRejectBadRulesWithEinvalNamingTheLine(String rule, String message) {
        assertThatThrownBy(() -> rules("# first", rule))
                .isInstanceOf(CanisterException.class)
                .satisfies(e -> assertThat(((CanisterException) e).errno()).isEqualTo(Errno.EINVAL))
                .hasMessageContaining("audit.filters line 2: ")
                .hasMessageContaining(message);
    }
}
