package org.canister.daemon.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.canister.core.audit.AuditRule;
import org.canister.core.audit.AuditRuleCommand;
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

    @Test
    void shouldBeEmptyWithoutFile() {
        assertThat(new KernelRestoreFile(dir.resolve("none")).read().isEmpty()).isTrue();
    }
}
