package org.canister.core.audit.ns;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.canister.core.audit.AuditAction;
import org.canister.core.audit.AuditFilter;
import org.canister.core.audit.AuditRule;
import org.canister.core.audit.AuditRuleData;
import org.canister.core.audit.AuditRuleFields;
import org.canister.core.audit.AuditRuleListing;
import org.canister.core.audit.RuleField;
import org.canister.core.audit.RuleOp;
import org.junit.jupiter.api.Test;

class NamespaceAuditRulesTest {

    @Test
    void shouldListBothRulesExactlyAsAuditctl309Does() {
        // Lines printed by Debian auditctl 3.0.9 (`auditctl -l`) after loading the spec's two rules.
        assertThat(NamespaceAuditRules.rules()).extracting(AuditRuleListing::format).containsExactly(
                "-a always,exit -F arch=b64 -S unshare,setns,clone3 -F success=1 -F key=canister-ns",
                "-a always,exit -F arch=b64 -S clone -F a0&0x7E020000 -F success=1 -F key=canister-ns");
    }

    @Test
    void shouldEncodeTheCloneFlagTestAsAuditBitMaskOnA0() {
        AuditRule clone = NamespaceAuditRules.rules().get(1);
        assertThat(clone.filter()).isEqualTo(AuditFilter.EXIT);
        assertThat(clone.action()).isEqualTo(AuditAction.ALWAYS);
        RuleField a0 = clone.fields().stream().filter(f -> f.field() == AuditRuleFields.ARG0).findFirst().orElseThrow();
        assertThat(a0.op()).isEqualTo(RuleOp.BIT_MASK);
        assertThat(Integer.toUnsignedLong(a0.value())).isEqualTo(NamespaceAuditRules.CLONE_NEW_MASK);
        assertThat(clone.syscalls().contains(56)).isTrue();
        assertThat(clone.keys()).containsExactly(NamespaceAuditRules.KEY);
    }

    @Test
    void shouldRoundTripThroughStructAuditRuleData() {
        List<AuditRule> rules = NamespaceAuditRules.rules();
        for (AuditRule r : rules) {
            assertThat(AuditRuleData.decode(AuditRuleData.encode(r))).isEqualTo(r);
        }
        AuditRule first = rules.get(0);
        for (int nr : new int[] {272, 308, 435}) {
            assertThat(first.syscalls().contains(nr)).as("syscall %d", nr).isTrue();
        }
        assertThat(first.syscalls().contains(56)).as("plain clone is the second rule's").isFalse();
    }

    @Test
    void shouldUseTheX8664SyscallNumbers() {
        assertThat(new int[] {NamespaceAuditRules.NR_CLONE, NamespaceAuditRules.NR_UNSHARE,
                NamespaceAuditRules.NR_SETNS, NamespaceAuditRules.NR_CLONE3}).containsExactly(56, 272, 308, 435);
    }
}
