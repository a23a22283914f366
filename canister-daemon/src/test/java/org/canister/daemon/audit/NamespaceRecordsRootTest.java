package org.canister.daemon.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.canister.daemon.Daemon;
import org.canister.daemon.config.CanisterConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Namespace records through the whole daemon on the real kernel (spec/audit-contid.md 6.3, TC15/TC16): a
 * shell labelled through the control filesystem becomes util-linux {@code unshare -n sleep 1}; the host log
 * gets NS_CREATE {@code nstype=net} with the shell's contid in the unshare SYSCALL event (same stamp), and
 * after the exit exactly one standalone NS_DESTROY {@code cause=exit} for that namespace. The daemon runs
 * unicast with no rules file, so the canister-ns rules are the only ones; the kernel is checked restored
 * (no audit pid, no rules) at the end. Skips with the reason without root, auditctl, FUSE or unshare, or
 * when another audit daemon holds the unicast link.
 */
@Tag("root")
class NamespaceRecordsRootTest {
    private static final long CONTID = 4_242_000_000_777L;
    private static final Pattern NS_CREATE = Pattern.compile(
            "^type=(?:NS_CREATE|UNKNOWN\\[2900\\]) msg=audit\\(([0-9.:]+)\\): pid=(\\d+) tid=\\d+ syscall=unshare"
                    + " contid=(\\S+) nstype=net old-dev=\\S+ old-inode=(\\d+) dev=\\S+ inode=(\\d+)$");

    @TempDir
    Path dir;
    private Daemon daemon;
    private Process shell;
    private Map<String, String> statusBefore;
    private String rulesBefore;
    private final ByteArrayOutputStream daemonLog = new ByteArrayOutputStream();

    @BeforeEach
    void start() throws Exception {
        AuditRootSupport.assumeAuditUsable();
        AuditRootSupport.assumeFuse();
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/unshare")), "needs util-linux unshare");
        statusBefore = AuditRootSupport.auditStatus();
        rulesBefore = AuditRootSupport.auditRules();
        CanisterConfig base = AuditRootSupport.config(dir, "unicast", dir.resolve("no-such.rules"));
        CanisterConfig config = base.withAudit(base.audit().withNamespaceRecords(true));
        assertThat(config.audit().namespaceRecords()).as("namespace records switched on").isTrue();
        assertThat(config.audit().backlogWaitTime()).isZero();
        try {
            daemon = Daemon.start(config, new PrintStream(daemonLog, true, StandardCharsets.UTF_8));
        } catch (Daemon.StartupException e) {
            // registration raced with another audit daemon (EEXIST): not this test's subject
            Assumptions.assumeFalse(e.getMessage().contains("another audit daemon holds"), e.getMessage());
            throw e;
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (shell != null) {
            shell.destroyForcibly();
            shell.waitFor(5, TimeUnit.SECONDS);
        }
        if (daemon != null) {
            daemon.close();
            AuditRootSupport.assertRestored(statusBefore, rulesBefore);
            assertThat(AuditRootSupport.auditStatus().get("pid")).isEqualTo("0");
            assertThat(AuditRootSupport.auditRules()).doesNotContain("canister-ns");
        }
    }

    @Test
    void shouldJoinNsCreateToTheUnshareEventAndReportTheExit() throws Exception {
        assertThat(AuditRootSupport.auditRules()).as("canister-ns rules loaded while running").contains("canister-ns");
        shell = new ProcessBuilder("/bin/sh", "-c", "read go; exec /usr/bin/unshare -n sleep 1")
                .redirectErrorStream(true).start();
        long pid = shell.pid();
        Path proc = dir.resolve("fs").resolve("proc").resolve(Long.toString(pid));
        AuditRootSupport.awaitLines(dir.resolve("fs").resolve("status"), 10, l -> Files.isDirectory(proc), "proc/" + pid);
        Files.writeString(proc.resolve("audit_containerid"), CONTID + "\n");
        OutputStream stdin = shell.getOutputStream();
        stdin.write("go\n".getBytes(StandardCharsets.US_ASCII));
        stdin.flush();

        Path hostLog = dir.resolve("log").resolve("audit.log");
        List<String> lines = AuditRootSupport.awaitLines(hostLog, 15,
                l -> l.stream().anyMatch(x -> NS_CREATE.matcher(x).matches() && x.contains(" pid=" + pid + " ")),
                "NS_CREATE of pid " + pid);
        Matcher create = lines.stream().map(NS_CREATE::matcher).filter(m -> m.matches() && m.group(2).equals(
                Long.toString(pid))).findFirst().orElseThrow();
        String stamp = create.group(1);
        assertThat(create.group(3)).as("contid chain of the labelled shell").isEqualTo(Long.toString(CONTID));
        String inode = create.group(5);
        assertThat(inode).isNotEqualTo(create.group(4));
        List<String> event = AuditRootSupport.events(hostLog).get(stamp);
        assertThat(event).as("the unshare event %s", stamp)
                .anyMatch(x -> x.startsWith("type=SYSCALL msg=audit(" + stamp + "): ") && x.contains(" syscall=272 ")
                        && x.contains(" pid=" + pid + " ") && x.contains("key=\"canister-ns\""))
                .contains("type=CONTAINER_ID msg=audit(" + stamp + "): record=1 contid=" + CONTID);

        assertThat(shell.waitFor(10, TimeUnit.SECONDS)).as("unshare -n sleep 1 ends").isTrue();
        AuditRootSupport.awaitLines(hostLog, 15,
                l -> l.stream().anyMatch(x -> isDestroyOf(x, inode)), "NS_DESTROY of inode " + inode);
        Thread.sleep(300); // a duplicate would come within the agent's next polls (every 100 ms)
        List<String> destroys = AuditRootSupport.lines(hostLog).stream().filter(x -> isDestroyOf(x, inode)).toList();
        assertThat(destroys).as("one NS_DESTROY for net:[%s]", inode).hasSize(1);
        assertThat(destroys.get(0)).contains(" contid=" + CONTID + " ").endsWith(" cause=exit pid=" + pid);
        String destroyStamp = AuditTail.stampOf(destroys.get(0));
        assertThat(destroyStamp).isNotEqualTo(stamp);
        assertThat(AuditRootSupport.events(hostLog).get(destroyStamp)).as("standalone event").hasSize(1);

        String status = Files.readString(dir.resolve("fs").resolve("status"));
        assertThat(status).containsPattern("\"audit_ns_created\" : [1-9]").containsPattern("\"audit_ns_exit_events\" : [1-9]");
    }

    private static boolean isDestroyOf(String line, String inode) {
        return (line.startsWith("type=NS_DESTROY ") || line.startsWith("type=UNKNOWN[2902] "))
                && line.contains(" nstype=net ") && line.contains(" inode=" + inode + " ");
    }
}
