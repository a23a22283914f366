package org.canister.daemon.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.canister.core.audit.AuditRule;
import org.canister.core.audit.AuditRuleCommand;
import org.canister.core.audit.AuditRuleData;
import org.canister.core.audit.AuditRules;
import org.canister.core.audit.AuditStatusField;
import org.canister.core.contid.StampSource;
import org.canister.core.task.TaskTable;
import org.canister.daemon.config.CanisterConfig;
import org.canister.linux.audit.AuditNetlink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit service alone (no FUSE) on the real kernel: both link modes, the EEXIST refusal, loss
 * records from the kernel's lost counter, and recovery from a killed daemon's leftovers. Every test
 * checks the kernel is as it found it afterwards.
 */
@Tag("root")
class AuditKernelRootTest {
    @TempDir
    Path dir;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(out, true, StandardCharsets.UTF_8);
    private final ReentrantLock lock = new ReentrantLock();
    private final DaemonStamps stamps = DaemonStamps.of(new StampSource(), lock);
    private Map<String, String> statusBefore;
    private String rulesBefore;
    private AuditService service;

    @BeforeEach
    void remember() throws Exception {
        AuditRootSupport.assumeAuditUsable();
        statusBefore = AuditRootSupport.auditStatus();
        rulesBefore = AuditRootSupport.auditRules();
    }

    @AfterEach
    void restore() throws Exception {
        if (service != null) {
            service.close();
        }
        if (statusBefore != null) {
            AuditRootSupport.assertRestored(statusBefore, rulesBefore);
        }
    }

    private Path rules(String text) throws Exception {
        Path f = dir.resolve("audit.rules");
        Files.writeString(f, text);
        return f;
    }

    private AuditService start(String mode, Path rules) throws Exception {
        CanisterConfig c = AuditRootSupport.config(dir, mode, rules);
        service = AuditService.start(c, new TaskTable(), lock, stamps, log);
        return service;
    }

    private static void runTrue(int times) throws Exception {
        for (int i = 0; i < times; i++) {
            Process p = new ProcessBuilder("/bin/true").start();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void shouldReadEventsAsMulticastReaderAndRestoreEnabled() throws Exception {
        start("multicast", rules("-a always,exit -F arch=b64 -S execve -F exe=/usr/bin/true -k canister-mc\n"));
        assertThat(AuditRootSupport.auditStatus().get("enabled")).isEqualTo("1");
        assertThat(AuditRootSupport.auditStatus().get("pid")).as("a multicast reader does not register").isEqualTo("0");
        runTrue(3);
        AuditRootSupport.awaitLines(dir.resolve("log/audit.log"), 10,
                l -> l.stream().filter(x -> x.contains("key=\"canister-mc\"")).count() >= 3, "three execve events");
    }

    @Test
    void shouldRefuseASecondRegisteredDaemonWithEexistAndTheMulticastHint() throws Exception {
        start("unicast", dir.resolve("no-rules"));
        assertThat(AuditRootSupport.auditStatus().get("pid")).isEqualTo(Long.toString(ProcessHandle.current().pid()));
        assertThat(AuditRootSupport.auditStatus().get("backlog_wait_time")).as("config default").isEqualTo("0");
        Path other = dir.resolve("other");
        CanisterConfig c = AuditRootSupport.config(other, "unicast", dir.resolve("no-rules"));
        assertThatThrownBy(() -> AuditService.start(c, new TaskTable(), lock, stamps, log))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("EEXIST").hasMessageContaining("audit.mode: multicast");
        // The refused one left nothing behind: the first still holds the link.
        assertThat(AuditRootSupport.auditStatus().get("pid")).isEqualTo(Long.toString(ProcessHandle.current().pid()));
        assertThat(Files.exists(other.resolve("run").resolve(AuditService.RESTORE_FILE))).isFalse();
    }

    @Test
    void shouldReportKernelLossAsDaemonErrRecords() throws Exception {
        // rate_limit 1 message/s: a burst of execs makes the kernel count lost records (audit_log_lost).
        start("unicast", rules("-r 1\n-a always,exit -F arch=b64 -S execve -F exe=/usr/bin/true -k canister-loss\n"));
        runTrue(30);
        List<String> lines = AuditRootSupport.awaitLines(dir.resolve("log/audit.log"), 10,
                l -> l.stream().anyMatch(x -> x.startsWith("type=DAEMON_ERR") && x.contains("op=lost kernel_lost=")),
                "a DAEMON_ERR op=lost record");
        String loss = lines.stream().filter(x -> x.startsWith("type=DAEMON_ERR")).findFirst().orElseThrow();
        assertThat(loss).matches("type=DAEMON_ERR msg=audit\\([0-9]+\\.[0-9]{3}:[0-9]+\\): op=lost kernel_lost=[1-9][0-9]* "
                + "socket_overruns=0 res=0");
        assertThat(service.agent().kernelLost()).isPositive();
        assertThat(service.metricsText()).containsPattern("canister_audit_kernel_lost_total [1-9]");
        AuditRootSupport.Result ausearch = AuditRootSupport.run("/usr/sbin/ausearch", "-if",
                dir.resolve("log/audit.log").toString(), "-m", "DAEMON_ERR");
        assertThat(ausearch.exit()).as(ausearch.out()).isZero();
        assertThat(ausearch.out()).contains("op=lost kernel_lost=");
    }

    @Test
    void shouldUndoWhatAKilledDaemonLeftBeforeTakingItsSnapshot() throws Exception {
        // What a canisterd killed with -9 leaves: enabled 1 (was 0), backlog_wait_time 0, its rule, and the file.
        AuditRule rule = ((AuditRuleCommand.AddRule) AuditRules.parse(
                "-a always,exit -F arch=b64 -S execve -F exe=/usr/bin/true -k canister-killed\n", AuditRules.Host.NONE)
                .get(0)).rule();
        try (AuditNetlink nl = AuditNetlink.open()) {
            nl.addRule(rule);
            nl.set(AuditStatusField.BACKLOG_WAIT_TIME, 0);
            nl.set(AuditStatusField.ENABLED, 1);
        }
        Path run = dir.resolve("run");
        Files.createDirectories(run);
        Files.writeString(run.resolve(AuditService.RESTORE_FILE), "enabled=" + statusBefore.get("enabled")
                + "\nbacklog_wait_time=" + statusBefore.get("backlog_wait_time")
                + "\nrule=" + HexFormat.of().formatHex(AuditRuleData.encode(rule)) + "\n");

        start("unicast", dir.resolve("no-rules"));

        assertThat(out.toString(StandardCharsets.UTF_8)).contains("a previous canisterd was stopped without restoring");
        assertThat(AuditRootSupport.auditRules()).doesNotContain("canister-killed");
        service.close();
        service = null;
        assertThat(Files.exists(run.resolve(AuditService.RESTORE_FILE))).isFalse();
        // @AfterEach: enabled, backlog_wait_time and rules are as before the "killed" run.
    }

    @Test
    void shouldRefuseAnImmutableRulesFileAndChangeNothing() throws Exception {
        Path r = rules("-a always,exit -F arch=b64 -S execve -k x\n-e 2\n");
        assertThatThrownBy(() -> start("unicast", r))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("line 2").hasMessageContaining("-e 2").hasMessageContaining("allow-immutable");
    }

    @Test
    void shouldNameTheLineOfABadRule() throws Exception {
        Path r = rules("# ok\n-a always,exit -F arch=b64 -S nosuchcall -k x\n");
        assertThatThrownBy(() -> start("unicast", r))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("audit.rules").hasMessageContaining("line 2").hasMessageContaining("EINVAL");
    }
}
