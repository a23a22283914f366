package org.canister.linux.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.canister.core.audit.AuditRuleData;
import org.canister.core.audit.AuditRules;
import org.canister.linux.ErrnoException;
import org.canister.linux.Libc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The {@link KernelAuditState.Journal} against the running kernel: rules loaded before us that
 * {@code -D} or {@code -d} deletes are handed to the journal while the kernel still lists them (so a
 * restore file written there survives a kill -9 in the middle), in the kernel's order and in its own
 * bytes; a journal that fails stops the deletion; and {@link KernelAuditState#close()} loads them again
 * in that order. Rules come from the real {@code auditctl}, on syscalls nothing here makes, under a
 * key of this run; {@code -D} is limited to that key so that rules of anything else running on the
 * host are never touched.
 */
@Tag("root")
class KernelAuditStateRootTest {
    private static final String AUDITCTL = "/usr/sbin/auditctl";
    private final String key = "canister-journal-test-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    private final String first = "-a always,exit -F arch=b64 -S acct -F key=" + key + "-1";
    private final String second = "-a always,exit -F arch=b64 -S swapoff -F key=" + key + "-2";
    private final String third = "-a always,exit -F arch=b64 -S swapon -F key=" + key + "-3";
    private List<String> before;

    @BeforeEach
    void loadRulesAsSomeoneElse() throws Exception {
        assumeTrue(Libc.geteuid() == 0, "needs root: audit rule changes need CAP_AUDIT_CONTROL");
        assumeTrue(Files.isExecutable(Path.of(AUDITCTL)), "needs auditctl (apt-get install auditd)");
        try (AuditNetlink nl = AuditNetlink.open()) {
            assumeTrue(nl.status().enabled() != 2, "audit is locked (enabled 2): no rule can change until reboot");
        }
        for (String rule : List.of(first, second, third)) {
            auditctl(rule.split(" "));
        }
        before = ours();
        assertThat(before).hasSize(3);
    }

    @AfterEach
    void deleteTheRules() throws Exception {
        for (String rule : List.of(first, second, third)) {
            run((AUDITCTL + " " + rule.replaceFirst("^-a ", "-d ")).split(" ")); // ENOENT when restored already failed
        }
    }

    private static String run(String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("%s finished", String.join(" ", argv)).isTrue();
        return out;
    }

    private static void auditctl(String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(AUDITCTL));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("auditctl %s: %s", String.join(" ", args), out).isZero();
    }

    /** This test's rules as auditctl lists them, in the kernel's order. */
    private List<String> ours() throws Exception {
        return run(AUDITCTL, "-l").lines().filter(l -> l.contains(key)).toList();
    }

    private static List<String> text(List<byte[]> rules) {
        return rules.stream().map(d -> AuditRuleData.decode(d).toString()).toList();
    }

    @Test
    void shouldJournalRulesMinusDDeletesWhileTheyAreStillLoadedAndReAddThemInOrder() throws Exception {
        List<List<String>> journalled = new ArrayList<>();
        List<List<String>> loadedAtJournal = new ArrayList<>();
        try (AuditNetlink nl = AuditNetlink.open(); KernelAuditState state = KernelAuditState.snapshot(nl)) {
            state.journal(removing -> {
                journalled.add(text(removing));
                try {
                    loadedAtJournal.add(ours());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            state.apply(AuditRules.parse("-D -k " + key + "\n" + first + "\n", new HostAuditFacts()));

            assertThat(journalled).as("one call, before any deletion").hasSize(1);
            assertThat(journalled.get(0)).containsExactly(first, second, third);
            assertThat(loadedAtJournal.get(0)).as("all still loaded when the journal heard of them").isEqualTo(before);
            assertThat(text(state.removedRules())).containsExactly(first, second, third);
            assertThat(ours()).as("-D deleted them; the file loaded the first again").containsExactly(first);
        }
        assertThat(ours()).as("ours deleted, theirs back in their order, the first once").isEqualTo(before);
    }

    @Test
    void shouldJournalARuleMinusDDeletesButNotOneThatIsNotLoaded() throws Exception {
        List<List<String>> journalled = new ArrayList<>();
        try (AuditNetlink nl = AuditNetlink.open(); KernelAuditState state = KernelAuditState.snapshot(nl)) {
            state.journal(removing -> journalled.add(text(removing)));
            state.apply(AuditRules.parse(second.replaceFirst("^-a ", "-d ") + "\n", new HostAuditFacts()));
            assertThat(journalled).containsExactly(List.of(second));
            assertThat(ours()).containsExactly(first, third);

            // Not loaded: the kernel's ENOENT, and nothing written down that the restore would then add.
            assertThatThrownBy(() -> state.apply(AuditRules.parse(
                    "-d always,exit -F arch=b64 -S acct -F key=" + key + "-never\n", new HostAuditFacts())))
                    .isInstanceOf(ErrnoException.class).hasMessageContaining("line 1")
                    .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(2));
            assertThat(journalled).hasSize(1);
            assertThat(text(state.removedRules())).containsExactly(second);
        }
        assertThat(ours()).as("back, though now after the others (-d of one rule cannot keep its place)")
                .containsExactly(first, third, second);
    }

    @Test
    void shouldDeleteNothingWhenTheJournalFails() throws Exception {
        try (AuditNetlink nl = AuditNetlink.open(); KernelAuditState state = KernelAuditState.snapshot(nl)) {
            state.journal(removing -> {
                throw new IllegalStateException("cannot write the restore file");
            });
            assertThatThrownBy(() -> state.deleteAllRules(key)).isInstanceOf(IllegalStateException.class);
            assertThat(ours()).isEqualTo(before);
            assertThat(state.removedRules()).isEmpty();
        }
        assertThat(ours()).isEqualTo(before);
    }
}
