package org.canister.daemon.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.canister.core.audit.AuditRuleData;
import org.canister.core.contid.StampSource;
import org.canister.core.task.TaskTable;
import org.canister.linux.audit.AuditNetlink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rules file that begins with {@code -D} (as auditd's audit.rules usually does) deletes rules
 * someone else loaded before the daemon ran; they must be back, in their order, after a clean exit
 * and after a {@code kill -9} of a real daemon process (the next start replays the restore file).
 *
 * <p>Two rules stand for the ones loaded before, added with the real {@code auditctl}, on syscalls
 * nothing here makes ({@code acct}, {@code swapoff}); the rules file also adds the first of them
 * again (an audit.rules reloaded over itself) and one of its own. Its {@code -D} is limited to this
 * test's key ({@code -D -k}, auditctl's substring match): the same deletion and restore path as a bare
 * {@code -D}, which would also delete, and re-add later, rules that another test running at the
 * same time on this host loaded, and so could leave its rules behind after it deleted them.
 */
@Tag("root")
class KernelRestoreRootTest {
    @TempDir
    Path dir;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(out, true, StandardCharsets.UTF_8);
    private final ReentrantLock lock = new ReentrantLock();
    private final DaemonStamps stamps = DaemonStamps.of(new StampSource(), lock);
    private final String key = "canister-restore-test-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    private final String first = "-a always,exit -F arch=b64 -S acct -F key=" + key + "-1";
    private final String second = "-a always,exit -F arch=b64 -S swapoff -F key=" + key + "-2";
    private final String daemonsOwn = "-a always,exit -F arch=b64 -S swapon -F key=" + key + "-daemon";
    private Map<String, String> statusBefore;
    private String rulesBefore;
    private AuditService service;
    private Process daemonJvm;
    private Path deadMount;

    @BeforeEach
    void addRulesLoadedBeforeTheDaemon() throws Exception {
        AuditRootSupport.assumeAuditUsable();
        statusBefore = AuditRootSupport.auditStatus();
        auditctl(first);
        auditctl(second);
        rulesBefore = AuditRootSupport.auditRules();
        assertThat(rulesBefore).containsSubsequence(key + "-1", key + "-2");
    }

    @AfterEach
    void restoreAndDeleteTheTestRules() throws Exception {
        if (statusBefore == null) {
            return;
        }
        try {
            if (daemonJvm != null && daemonJvm.isAlive()) {
                daemonJvm.destroyForcibly();
                daemonJvm.waitFor(10, TimeUnit.SECONDS);
            }
            if (service != null) {
                service.close();
            }
            replayLeftRestoreFile(); // a test that failed between the kill and the restart
            if (deadMount != null) { // a dead mount fails stat (ENOTCONN): unmount without looking
                AuditRootSupport.run("/usr/bin/fusermount3", "-u", "-z", deadMount.toString());
            }
            AuditRootSupport.assertRestored(statusBefore, rulesBefore);
        } finally {
            for (String rule : List.of(daemonsOwn, first, second)) {
                AuditRootSupport.run(("/usr/sbin/auditctl " + rule.replaceFirst("^-a ", "-d ")).split(" "));
            }
            if (!statusBefore.get("enabled").equals(AuditRootSupport.auditStatus().get("enabled"))) {
                AuditRootSupport.run("/usr/sbin/auditctl", "-e", statusBefore.get("enabled"));
            }
        }
    }

    private void replayLeftRestoreFile() {
        KernelRestoreFile f = new KernelRestoreFile(restoreFile());
        KernelRestoreFile.Pending left = f.read();
        if (!left.isEmpty()) {
            try (AuditNetlink nl = AuditNetlink.open()) {
                KernelRestoreFile.undo(left, nl);
            }
        }
    }

    private static void auditctl(String rule) throws Exception {
        AuditRootSupport.Result r = AuditRootSupport.run(("/usr/sbin/auditctl " + rule).split(" "));
        assertThat(r.exit()).as("auditctl " + rule + ": " + r.out()).isZero();
    }

    private Path restoreFile() {
        return dir.resolve("run").resolve(AuditService.RESTORE_FILE);
    }

    private Path rulesFile(String... lines) throws Exception {
        Path f = dir.resolve("audit.rules");
        Files.writeString(f, String.join("\n", lines) + "\n");
        return f;
    }

    /** The rules the restore file lists to re-add, as auditctl would print them, in order. */
    private List<String> removedInRestoreFile() {
        return new KernelRestoreFile(restoreFile()).read().removed().stream()
                .map(d -> AuditRuleData.decode(d).toString()).toList();
    }

    @Test
    void shouldReAddTheRulesMinusDDeletedOnACleanExitInTheirOrder() throws Exception {
        Path rules = rulesFile("-D -k " + key, first, daemonsOwn);
        service = AuditService.start(AuditRootSupport.config(dir, "unicast", rules), new TaskTable(), lock, stamps, log);

        String running = AuditRootSupport.auditRules();
        assertThat(running).as("-D deleted the second; the file loaded the first again and its own")
                .doesNotContain(key + "-2").contains(key + "-1").contains(key + "-daemon");
        assertThat(removedInRestoreFile()).as("written down before they were deleted, in the kernel's order")
                .containsExactly(first, second);

        service.close();
        service = null;

        assertThat(AuditRootSupport.auditRules()).as("both back, in their order, the first once").isEqualTo(rulesBefore);
        assertThat(restoreFile()).doesNotExist();
    }

    @Test
    void shouldReAddTheRulesMinusDDeletedAfterSigkillOfARealDaemonProcess() throws Exception {
        AuditRootSupport.assumeFuse();
        // Multicast: a killed reader leaves no audit pid behind (DESIGN.md safety rules); the file sets
        // backlog_wait_time 0, which the restart must set back too.
        Path rules = rulesFile("--backlog_wait_time 0", "-D -k " + key, first, daemonsOwn);
        Path cfg = dir.resolve("canister.yaml");
        Files.writeString(cfg, "daemon:\n  run-dir: " + dir.resolve("run") + "\naudit:\n  mode: multicast\n"
                + "  rules-file: " + rules + "\nmetrics:\n  port: 0\n");
        Path mount = dir.resolve("fs");
        deadMount = mount;
        Path daemonOut = dir.resolve("daemon.out");
        daemonJvm = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "org.canister.daemon.cli.Main", "run", "--config", cfg.toString(), "--mount", mount.toString(),
                "--state-dir", dir.resolve("state").toString(), "--log-dir", dir.resolve("log").toString())
                .redirectErrorStream(true).redirectOutput(daemonOut.toFile()).start();
        awaitServing(mount, daemonOut);
        assertThat(AuditRootSupport.auditRules()).doesNotContain(key + "-2").contains(key + "-daemon");
        assertThat(removedInRestoreFile()).containsExactly(first, second);

        daemonJvm.destroyForcibly(); // SIGKILL: nothing restored, the restore file stays
        assertThat(daemonJvm.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(AuditRootSupport.auditRules()).as("lost while no daemon runs").doesNotContain(key + "-2");
        assertThat(AuditRootSupport.auditStatus().get("backlog_wait_time")).isEqualTo("0");

        // The next start replays the file first; in mode off it does only that (and needs no audit daemon slot).
        service = AuditService.start(AuditRootSupport.config(dir, "off", dir.resolve("no-rules")), new TaskTable(),
                lock, stamps, log);

        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("deleted 2 rules it added and re-added 2 rules it had deleted");
        assertThat(AuditRootSupport.auditRules()).as("both back, in their order, the first once; its own gone")
                .isEqualTo(rulesBefore);
        service.close();
        service = null;
        assertThat(restoreFile()).doesNotExist();
        // @AfterEach: enabled, backlog_wait_time and rules as before the killed run.
    }

    private static void awaitServing(Path mount, Path daemonOut) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try {
                if (Files.readString(mount.resolve("status")).contains("\"audit_mode\"")) {
                    return;
                }
            } catch (IOException e) {
                // not mounted yet
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the daemon in a separate JVM did not serve " + mount + "; its output:\n"
                + Files.readString(daemonOut));
    }
}
