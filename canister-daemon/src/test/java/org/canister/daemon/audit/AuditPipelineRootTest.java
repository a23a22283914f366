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
import org.canister.daemon.Daemon;
import org.canister.daemon.config.CanisterConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole daemon on the real kernel: an execve rule from the rules file, a process labelled
 * through the control filesystem, its short-lived children's execve events annotated, routed to the
 * host and container logs, readable by the real ausearch and aureport; and the kernel restored.
 */
@Tag("root")
class AuditPipelineRootTest {
    private static final String KEY = "canister-e2e";
    private static final long CONTID = 4_242_000_000_042L;

    @TempDir
    Path dir;
    private Daemon daemon;
    private Process shell;
    private Map<String, String> statusBefore;
    private String rulesBefore;
    private final ByteArrayOutputStream daemonLog = new ByteArrayOutputStream();
    private int metricsPort;

    @BeforeEach
    void start() throws Exception {
        AuditRootSupport.assumeAuditUsable();
        AuditRootSupport.assumeFuse();
        statusBefore = AuditRootSupport.auditStatus();
        rulesBefore = AuditRootSupport.auditRules();
        Path rules = dir.resolve("audit.rules");
        Files.writeString(rules, "# the e2e rule\n-a always,exit -F arch=b64 -S execve -k " + KEY + "\n");
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            metricsPort = free.getLocalPort();
        }
        CanisterConfig config = AuditRootSupport.config(dir, "unicast", rules)
                .withMetrics(new CanisterConfig.Metrics(metricsPort, "127.0.0.1"));
        daemon = Daemon.start(config, new PrintStream(daemonLog, true, StandardCharsets.UTF_8));
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
        }
    }

    /**
     * Starts {@code script} in a shell (single-threaded, childless while it waits for "go"), labels it
     * CONTID through the FUSE file as its parent (this JVM), then lets it run; it waits for "end" after.
     */
    private long startLabelledShell(String script) throws Exception {
        shell = new ProcessBuilder("/bin/sh", "-c", "read go; " + script + "; read end").redirectErrorStream(true).start();
        long pid = shell.pid();
        Path proc = dir.resolve("fs").resolve("proc").resolve(Long.toString(pid));
        AuditRootSupport.awaitLines(dir.resolve("fs").resolve("status"), 10, l -> Files.isDirectory(proc), "proc/" + pid);
        Files.writeString(proc.resolve("audit_containerid"), Long.toString(CONTID) + "\n");
        shell.getOutputStream().write("go\n".getBytes(StandardCharsets.US_ASCII));
        shell.getOutputStream().flush();
        return pid;
    }

    @Test
    void shouldAnnotateRouteAndRestore() throws Exception {
        // A shell (single-threaded, childless) labelled by its parent, this JVM, through the FUSE file;
        // then it forks ten children that exec /bin/true and exit within a millisecond each.
        long pid = startLabelledShell("for i in 1 2 3 4 5 6 7 8 9 10; do /bin/true; done");
        OutputStream stdin = shell.getOutputStream();

        Path hostLog = dir.resolve("log").resolve("audit.log");
        AuditRootSupport.awaitLines(hostLog, 15,
                l -> l.stream().filter(x -> x.startsWith("type=EXECVE") && x.contains("\"/bin/true\"")).count() >= 10,
                "ten execve events of /bin/true");
        Map<String, List<String>> events = AuditRootSupport.events(hostLog);
        int annotated = 0;
        for (Map.Entry<String, List<String>> e : events.entrySet()) {
            List<String> ev = e.getValue();
            String syscall = ev.stream().filter(x -> x.startsWith("type=SYSCALL")).findFirst().orElse(null);
            if (syscall == null || !syscall.contains("key=\"" + KEY + "\"") || !syscall.contains("exe=\"/usr/bin/true\"")) {
                continue;
            }
            assertThat(syscall).contains("ppid=" + pid).contains("syscall=59").endsWith(" record=1");
            assertThat(ev).as("event %s", e.getKey())
                    .contains("type=CONTAINER_ID msg=audit(" + e.getKey() + "): record=1 contid=" + CONTID);
            assertThat(ev).anyMatch(x -> x.startsWith("type=EXECVE msg=audit(" + e.getKey() + "): argc=1 a0=\"/bin/true\""));
            annotated++;
        }
        assertThat(annotated).as("annotated execve events of the labelled shell's children").isEqualTo(10);

        // The container's own log has the same events, line for line.
        Path containerLog = dir.resolve("log").resolve("containers").resolve(Long.toString(CONTID)).resolve("audit.log");
        List<String> mine = AuditRootSupport.awaitLines(containerLog, 10,
                l -> l.stream().filter(x -> x.startsWith("type=CONTAINER_ID")).count() >= 10, "container log");
        assertThat(AuditRootSupport.lines(hostLog)).containsAll(mine);
        assertThat(mine).noneMatch(x -> x.contains("exe=\"/usr/bin/true\"") && !x.endsWith("record=1"));
        // The set itself is in both logs (CONTAINER_OP, unknown-numbers naming by default).
        assertThat(mine).anyMatch(x -> x.startsWith("type=UNKNOWN[1020] ") && x.contains("op=set opid=" + pid)
                && x.contains(" contid=" + CONTID + " ") && x.contains("res=1"));

        // status and metrics say the same
        String status = Files.readString(dir.resolve("fs").resolve("status"));
        assertThat(status).contains("\"audit_mode\" : \"unicast\"").containsPattern("\"audit_events_annotated\" : [1-9]");
        java.net.http.HttpResponse<String> metrics = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.body()).containsPattern("canister_audit_events_annotated_total [1-9][0-9]")
                .contains("canister_audit_kernel_lost_total 0\n").contains("canister_audit_queue_dropped_total 0\n");

        stdin.write("end\n".getBytes(StandardCharsets.US_ASCII));
        stdin.flush();
        assertThat(shell.waitFor(10, TimeUnit.SECONDS)).isTrue();
        daemon.close();

        // The real tools read our logs (auditd 3.0.9).
        AuditRootSupport.Result byKey = AuditRootSupport.run("/usr/sbin/ausearch", "-if", hostLog.toString(), "-k", KEY);
        assertThat(byKey.exit()).as(byKey.out()).isZero();
        assertThat(byKey.out()).contains("type=CONTAINER_ID").contains("contid=" + CONTID).contains("key=\"" + KEY + "\"");
        AuditRootSupport.Result interpreted = AuditRootSupport.run("/usr/sbin/ausearch", "-if", hostLog.toString(), "-i");
        assertThat(interpreted.exit()).as(interpreted.out()).isZero();
        assertThat(interpreted.out()).contains("syscall=execve").contains("key=" + KEY).contains("contid=" + CONTID);
        AuditRootSupport.Result report = AuditRootSupport.run("/usr/sbin/aureport", "-if", hostLog.toString());
        assertThat(report.exit()).as(report.out()).isZero();
        assertThat(report.out()).containsPattern("Number of events: [1-9]");
        AuditRootSupport.Result keys = AuditRootSupport.run("/usr/sbin/aureport", "-if", hostLog.toString(), "-k", "--summary");
        assertThat(keys.exit()).as(keys.out()).isZero();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^([0-9]+) +" + KEY + "$").matcher(keys.out());
        assertThat(m.find()).as(keys.out()).isTrue();
        assertThat(Integer.parseInt(m.group(1))).as("events with the key, the ten /bin/true among them").isGreaterThanOrEqualTo(10);
        AuditRootSupport.Result inContainer = AuditRootSupport.run("/usr/sbin/ausearch", "-if", containerLog.toString(),
                "-k", KEY);
        assertThat(inContainer.exit()).as(inContainer.out()).isZero();
    }

    /**
     * Req. 9 beyond the {@code ppid=} fallback: the labelled shell starts {@code sh -c '/bin/true; :'}
     * ten times, so each {@code /bin/true} is a grandchild whose parent is itself a fresh fork. Both are
     * new to the table when the grandchild's execve is read, so only a table that has caught up with the
     * proc connector (AttributionGate / TrackerProgress) can attribute it.
     */
    @Test
    void shouldAnnotateGrandchildrenForkedInTheSameMoment() throws Exception {
        long pid = startLabelledShell("for i in 1 2 3 4 5 6 7 8 9 10; do /bin/sh -c '/bin/true; :'; done");
        OutputStream stdin = shell.getOutputStream();

        Path hostLog = dir.resolve("log").resolve("audit.log");
        AuditRootSupport.awaitLines(hostLog, 15,
                l -> l.stream().filter(x -> x.startsWith("type=EXECVE") && x.contains("\"/bin/true\"")).count() >= 10,
                "ten execve events of /bin/true");
        int grandchildren = 0;
        for (Map.Entry<String, List<String>> e : AuditRootSupport.events(hostLog).entrySet()) {
            List<String> ev = e.getValue();
            String syscall = ev.stream().filter(x -> x.startsWith("type=SYSCALL")).findFirst().orElse(null);
            if (syscall == null || !syscall.contains("exe=\"/usr/bin/true\"") || syscall.contains("ppid=" + pid + " ")) {
                continue;
            }
            assertThat(ev).as("grandchild event %s: %s", e.getKey(), ev)
                    .contains("type=CONTAINER_ID msg=audit(" + e.getKey() + "): record=1 contid=" + CONTID);
            grandchildren++;
        }
        assertThat(grandchildren).as("execve events of the labelled shell's grandchildren").isEqualTo(10);
        stdin.write("end\n".getBytes(StandardCharsets.US_ASCII));
        stdin.flush();
        assertThat(shell.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }
}
