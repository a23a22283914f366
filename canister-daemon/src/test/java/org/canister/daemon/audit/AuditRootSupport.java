package org.canister.daemon.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.canister.daemon.config.CanisterConfig;
import org.canister.daemon.config.ConfigLoader;
import org.canister.linux.Libc;
import org.junit.jupiter.api.Assumptions;

/** Helpers for the audit root tests: preconditions, kernel state checks, log reading, real tools. */
final class AuditRootSupport {
    private AuditRootSupport() {
    }

    /** Skips (with the reason) unless root, with auditctl, and no audit daemon registered. */
    static void assumeAuditUsable() throws Exception {
        Assumptions.assumeTrue(Libc.geteuid() == 0, "needs root (audit netlink)");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/auditctl")),
                "needs auditctl (apt-get install auditd; do not leave auditd running)");
        Map<String, String> s = auditStatus();
        Assumptions.assumeTrue("0".equals(s.get("pid")), "an audit daemon (pid " + s.get("pid")
                + ") holds the unicast link; stop auditd to run this test");
        Assumptions.assumeTrue(!"2".equals(s.get("enabled")), "kernel audit is locked (enabled 2) until reboot");
    }

    static void assumeFuse() {
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/fuse")), "needs /dev/fuse");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/fusermount3")), "needs fusermount3 (apt-get install fuse3)");
    }

    /** A daemon config on temporary directories: unicast, backlog_wait_time 0, metrics off, this rules file. */
    static CanisterConfig config(Path dir, String mode, Path rules) throws Exception {
        CanisterConfig c = new ConfigLoader().loadEmbedded()
                .withDaemon(dir.resolve("fs"), dir.resolve("state"), dir.resolve("log"))
                .withRunDir(dir.resolve("run"))
                .withMetrics(new CanisterConfig.Metrics(0, null));
        return c.withAudit(c.audit().withMode(mode).withRulesFile(rules));
    }

    /** {@code auditctl -s} as a map. */
    static Map<String, String> auditStatus() throws Exception {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : run("/usr/sbin/auditctl", "-s").out().split("\n")) {
            int sp = line.indexOf(' ');
            if (sp > 0) {
                m.put(line.substring(0, sp), line.substring(sp + 1).trim());
            }
        }
        return m;
    }

    /** {@code auditctl -l}. */
    static String auditRules() throws Exception {
        return run("/usr/sbin/auditctl", "-l").out();
    }

    /** Result of a command. */
    record Result(int exit, String out) {
    }

    static Result run(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", argv) + " did not finish");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** The lines of a log, or none when it does not exist yet. */
    static List<String> lines(Path file) throws IOException {
        try {
            return Files.readAllLines(file, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            return List.of();
        }
    }

    /** Events of a log: consecutive lines grouped by stamp. */
    static Map<String, List<String>> events(Path file) throws IOException {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String l : lines(file)) {
            out.computeIfAbsent(AuditTail.stampOf(l), k -> new ArrayList<>()).add(l);
        }
        return out;
    }

    /** Waits up to {@code seconds} until the lines of {@code file} satisfy the check. */
    static List<String> awaitLines(Path file, int seconds, Predicate<List<String>> check, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<String> lines;
        do {
            lines = lines(file);
            if (check.test(lines)) {
                return lines;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("timed out waiting for " + what + " in " + file + "; it has " + lines.size() + " lines:\n"
                + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
    }

    /** Asserts the kernel is back as found: no daemon pid, same enabled, same rules. */
    static void assertRestored(Map<String, String> before, String rulesBefore) throws Exception {
        Map<String, String> after = auditStatus();
        assertThat(after.get("pid")).as("audit pid after close").isEqualTo("0");
        assertThat(after.get("enabled")).as("enabled after close").isEqualTo(before.get("enabled"));
        assertThat(after.get("backlog_limit")).isEqualTo(before.get("backlog_limit"));
        assertThat(after.get("backlog_wait_time")).isEqualTo(before.get("backlog_wait_time"));
        assertThat(after.get("rate_limit")).isEqualTo(before.get("rate_limit"));
        assertThat(auditRules()).isEqualTo(rulesBefore);
    }
}
