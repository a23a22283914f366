package org.canister.daemon.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.canister.core.audit.AuditRule;
import org.canister.core.audit.AuditRuleCommand;
import org.canister.core.audit.AuditRuleData;
import org.canister.core.audit.AuditRules;
import org.canister.core.audit.AuditStatusField;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelRestoreFileTest {
    @TempDir
    Path dir;

    @Test
    void shouldReadBackFieldsAndRulesAndSkipTornLines() throws Exception {
        AuditRule rule = ((AuditRuleCommand.AddRule) AuditRules.parse(
                "-a always,exit -F arch=b64 -S execve -k canister-e2e\n", AuditRules.Host.NONE).get(0)).rule();
        Path f = dir.resolve("audit-kernel.restore");
        Files.writeString(f, "enabled=0\nbacklog_wait_time=15000\nrule="
                + java.util.HexFormat.of().formatHex(org.canister.core.audit.AuditRuleData.encode(rule))
                + "\nrule=zz\nnonsense\nfailure=x\n");

        KernelRestoreFile.Pending p = new KernelRestoreFile(f).read();

        assertThat(p.fields()).containsEntry(AuditStatusField.ENABLED, 0L)
                .containsEntry(AuditStatusField.BACKLOG_WAIT_TIME, 15000L).hasSize(2);
        assertThat(p.rules()).hasSize(1);
        assertThat(p.rules().get(0).toString()).isEqualTo(rule.toString());
    }

    @Test
    void shouldLeaveTheFileOfALiveDaemonAlone() throws Exception {
        Path f = dir.resolve("audit-kernel.restore");
        Files.writeString(f, "owner=" + KernelRestoreFile.self() + "\nenabled=0\n");
        assertThat(new KernelRestoreFile(f).read().isEmpty()).isTrue();
        Files.writeString(f, "owner=" + ProcessHandle.current().pid() + " 12345\nenabled=0\n");
        assertThat(new KernelRestoreFile(f).read().isEmpty()).as("same pid, other start time: a dead owner").isFalse();
    }

    private static AuditRule rule(String line) {
        return ((AuditRuleCommand.AddRule) AuditRules.parse(line + "\n", AuditRules.Host.NONE).get(0)).rule();
    }

    @Test
    void shouldRoundTripFieldsAddedRulesAndRemovedRulesInOrder() throws Exception {
        AuditRule added = rule("-a always,exit -F arch=b64 -S execve -k canister-e2e");
        // Removed rules are kept as the kernel listed them: bytes, not re-encoded.
        byte[] first = AuditRuleData.encode(rule("-a always,exit -F arch=b64 -S acct -k first"));
        byte[] second = AuditRuleData.encode(rule("-a never,exit -F arch=b64 -S swapoff -F uid=1000"));
        byte[] third = AuditRuleData.encode(rule("-a always,exit -F arch=b64 -S acct -k first-again"));
        Map<AuditStatusField, Long> fields = new EnumMap<>(AuditStatusField.class);
        fields.put(AuditStatusField.ENABLED, 0L);
        fields.put(AuditStatusField.BACKLOG_WAIT_TIME, 15000L);

        String text = KernelRestoreFile.format("1 2", fields, List.of(added), List.of(first, second, third));
        KernelRestoreFile.Pending p = KernelRestoreFile.parse(text.lines().toList());

        assertThat(p.fields()).isEqualTo(fields);
        assertThat(p.rules()).extracting(AuditRule::toString).containsExactly(added.toString());
        assertThat(p.removed()).hasSize(3);
        assertThat(p.removed().get(0)).isEqualTo(first);
        assertThat(p.removed().get(1)).isEqualTo(second);
        assertThat(p.removed().get(2)).isEqualTo(third);
        assertThat(p.summary()).contains("deleted 1 rules it added and re-added 3 rules it had deleted");
    }

    @Test
    void shouldNotBeEmptyWithOnlyRemovedRulesAndSkipATornOne() throws Exception {
        byte[] data = AuditRuleData.encode(rule("-a always,exit -F arch=b64 -S acct -k gone"));
        String hex = HexFormat.of().formatHex(data);
        Path f = dir.resolve("audit-kernel.restore");
        // the second line lost its tail (a torn write): its buffer no longer holds the key
        Files.writeString(f, "owner=1 2\nremoved=" + hex + "\nremoved=" + hex.substring(0, hex.length() - 4) + "\n");

        KernelRestoreFile.Pending p = new KernelRestoreFile(f).read();

        assertThat(p.isEmpty()).isFalse();
        assertThat(p.fields()).isEmpty();
        assertThat(p.rules()).isEmpty();
        assertThat(p.removed()).singleElement().isEqualTo(data);
    }

    @Test
    void shouldBeEmptyWithoutFile() {
        assertThat(new KernelRestoreFile(dir.resolve("none")).read().isEmpty()).isTrue();
    }
}
