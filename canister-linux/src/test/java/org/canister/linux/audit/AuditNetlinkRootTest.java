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
import java.util.concurrent.TimeUnit;
import org.canister.core.audit.AuditEvent;
import org.canister.core.audit.AuditFields;
import org.canister.core.audit.AuditRecord;
import org.canister.core.audit.AuditRule;
import org.canister.core.audit.AuditRuleCommand;
import org.canister.core.audit.AuditRuleData;
import org.canister.core.audit.AuditRuleListing;
import org.canister.core.audit.AuditRules;
import org.canister.core.audit.AuditStatusField;
import org.canister.core.audit.AuditTypes;
import org.canister.core.audit.EventAssembler;
import org.canister.linux.ErrnoException;
import org.canister.linux.Libc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The audit netlink client against the running kernel, checked with the real auditctl 3.0.9.
 * Needs root (CAP_AUDIT_CONTROL, CAP_AUDIT_READ) in the initial namespaces and the auditd package
 * (for auditctl); skips with the reason otherwise. Every test restores the kernel state it found:
 * rules, enabled, backlog_wait_time, and the audit pid (never left pointing at this JVM).
 */
@Tag("root")
class AuditNetlinkRootTest {

    private static String auditctl;
    private static List<byte[]> baselineRules;
    private Path dir;

    @BeforeAll
    static void requireRootAuditAndAuditctl() {
        assumeTrue(Libc.geteuid() == 0, "needs root: audit netlink requests need CAP_AUDIT_CONTROL");
        try (AuditNetlink nl = AuditNetlink.open()) {
            AuditStatus s = nl.status();
            assumeTrue(s.enabled() != 2, "audit is locked (enabled 2): no rule or setting can change until reboot");
            baselineRules = nl.listRuleData();
        } catch (ErrnoException e) {
            assumeTrue(false, "kernel audit netlink unavailable here: " + e.getMessage());
        }
        for (String p : List.of("/usr/sbin/auditctl", "/sbin/auditctl")) {
            if (Files.isExecutable(Path.of(p))) {
                auditctl = p;
            }
        }
        assumeTrue(auditctl != null, "auditctl not installed (apt-get install auditd): it is the reference these tests compare with");
    }

    @BeforeEach
    void makeWatchedFiles() throws IOException {
        dir = Files.createTempDirectory("canister-audit-");
        Files.writeString(dir.resolve("f"), "x");
    }

    @AfterEach
    void removeLeftoversAndFiles() throws IOException {
        // safety net: whatever a failed test left loaded beyond the baseline goes away
        try (AuditNetlink nl = AuditNetlink.open()) {
            for (byte[] data : nl.listRuleData()) {
                if (baselineRules.stream().noneMatch(b -> java.util.Arrays.equals(b, data))) {
                    nl.deleteRuleData(data, "leftover");
                }
            }
        }
        Files.deleteIfExists(dir.resolve("f"));
        Files.deleteIfExists(dir);
    }

    @AfterAll
    static void neverLeaveAuditPointedAtThisJvm() {
        if (auditctl == null) {
            return;
        }
        try (AuditNetlink nl = AuditNetlink.open()) {
            assertThat(nl.status().pid()).as("audit pid after the tests").isNotEqualTo(Libc.getpid());
        }
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("%s finished", String.join(" ", cmd)).isTrue();
        assertThat(p.exitValue()).as("exit status of %s: %s", String.join(" ", cmd), out).isZero();
        return out;
    }

    private static List<String> auditctlList() throws IOException, InterruptedException {
        List<String> lines = new ArrayList<>(run(auditctl, "-l").lines().toList());
        lines.remove("No rules");
        return lines;
    }

    private List<String> ruleForms() {
        String d = dir.toString();
        return List.of(
                "-a always,exit -F arch=b64 -S execve -S connect -k canister-k",
                "-A always,exit -F arch=b64 -S openat -F auid>=1000 -F auid!=unset -F success=0 -F exit=-EACCES -k canister-acc",
                "-a always,exit -F arch=b64 -S ioctl -F a1&0x5401 -F a0=3 -F a2&=0x10 -F uid<5 -F pid>1 -F pid<=100000 -F gid>=0",
                "-a never,exit -F arch=b32 -S open,openat -F dir=" + d + " -k canister-d1 -k canister-d2",
                "-a always,exit -F arch=b64 -S unlink,unlinkat -F path=" + d + "/f -F perm=wa -F success=1 -F exit=0",
                "-w " + d + "/f -p wa -k canister-watch",
                "-w " + d + "/ -p rwxa",
                "-a always,exit -S all -F path=" + d + "/f -F perm=r -k canister-x",
                "-a always,exit -F arch=b64 -S kill -F uid=root -F pid=1 -F key=canister-kill",
                "-a always,exit -F arch=x86_64 -S 59 -F auid=unset",
                "-a exit,never -F arch=b32 -S all -F pid=999999",
                "-a always,exclude -F msgtype=CWD -F pid=999999",
                "-a always,user -F uid=0 -F pid=999999",
                "-a never,task -F pid=999999",
                "-a always,filesystem -F fstype=tracefs -k canister-fs");
    }

    private static AuditRule parse(String line, int n) {
        List<AuditRuleCommand> cmds = AuditRules.parseLine(line, n, new HostAuditFacts());
        return cmds.stream().filter(c -> c instanceof AuditRuleCommand.AddRule)
                .map(c -> ((AuditRuleCommand.AddRule) c).rule()).findFirst().orElseThrow();
    }

    @Test
    void shouldReadStatusWithAuditGetAsAuditctlShowsIt() throws Exception {
        AuditStatus s;
        try (AuditNetlink nl = AuditNetlink.open()) {
            s = nl.status();
        }
        String out = run(auditctl, "-s");

        assertThat(out).contains("enabled " + s.enabled() + "\n")
                .contains("failure " + s.failure() + "\n")
                .contains("pid " + s.pid() + "\n")
                .contains("rate_limit " + s.rateLimit() + "\n")
                .contains("backlog_limit " + s.backlogLimit() + "\n")
                .contains("backlog_wait_time " + s.backlogWaitTime() + "\n");
        assertThat(s.featureBitmap() & 0x7f).as("feature bits of a 6.x kernel").isEqualTo(0x7f);
    }

    @Test
    void shouldLoadEachRuleFormAsAuditctlListsItAndRestoreTheRules() throws Exception {
        List<String> before = auditctlList();
        try (AuditNetlink nl = AuditNetlink.open(); KernelAuditState state = KernelAuditState.snapshot(nl)) {
            int n = 0;
            for (String line : ruleForms()) {
                AuditRule rule = parse(line, ++n);
                List<String> prior = auditctlList();
                state.addRule(rule);
                List<String> now = auditctlList();
                List<String> added = new ArrayList<>(now);
                prior.forEach(added::remove);

                assertThat(added).as("auditctl -l after loading '%s'", line).containsExactly(AuditRuleListing.format(rule));
                List<AuditRule> listed = nl.listRules();
                assertThat(listed).as("our AUDIT_LIST_RULES after '%s'", line)
                        .anyMatch(r -> KernelAuditState.sameKernelRule(r, rule.withoutPrepend()));
                assertThat(listed.stream().map(AuditRuleListing::format).toList())
                        .as("our listing equals auditctl's").containsExactlyInAnyOrderElementsOf(now);
            }
            assertThat(state.addedRules()).hasSize(ruleForms().size());
        }
        assertThat(auditctlList()).as("auditctl -l after restore").isEqualTo(before);
    }

    @Test
    void shouldEncodeEachRuleFormByteForByteAsAuditctl() throws Exception {
        List<String> before = auditctlList();
        try (AuditNetlink nl = AuditNetlink.open()) {
            int n = 0;
            for (String line : ruleForms()) {
                AuditRule ours = parse(line, ++n);
                List<byte[]> prior = nl.listRuleData();
                List<String> args = new ArrayList<>();
                args.add(auditctl);
                args.addAll(List.of(line.split(" ")));
                run(args.toArray(String[]::new));
                List<byte[]> now = nl.listRuleData();
                List<byte[]> fresh = now.stream()
                        .filter(d -> prior.stream().noneMatch(p -> java.util.Arrays.equals(p, d))).toList();

                assertThat(fresh).as("one new rule from auditctl '%s'", line).hasSize(1);
                AuditRule theirs = AuditRuleData.decode(fresh.get(0));
                assertThat(KernelAuditState.sameKernelRule(theirs, ours.withoutPrepend()))
                        .as("auditctl's rule %s equals ours %s", theirs, ours).isTrue();
                // and the kernel finds auditctl's rule when we delete ours
                nl.deleteRule(ours);
                assertThat(nl.listRuleData()).hasSameSizeAs(prior);
            }
        }
        assertThat(auditctlList()).isEqualTo(before);
    }

    @Test
    void shouldRestoreRulesDeletedByDeleteAllAndStatusFields() throws Exception {
        String d = dir.toString();
        run(auditctl, "-w", d + "/f", "-p", "w", "-k", "canister-preexisting");
        List<String> before = auditctlList();
        long wait;
        try (AuditNetlink nl = AuditNetlink.open()) {
            wait = nl.status().backlogWaitTime();
            try (KernelAuditState state = KernelAuditState.snapshot(nl)) {
                List<String> notes = state.apply(AuditRules.parse("""
                        -D
                        --backlog_wait_time 0
                        -a always,exit -F arch=b64 -S execve -k canister-rules-file
                        """, new HostAuditFacts()));
                assertThat(notes).isEmpty();
                assertThat(auditctlList()).containsExactly("-a always,exit -F arch=b64 -S execve -F key=canister-rules-file");
                assertThat(nl.status().backlogWaitTime()).isZero();
            }
            assertThat(nl.status().backlogWaitTime()).isEqualTo(wait);
            assertThat(auditctlList()).as("the rule -D removed is back after restore").isEqualTo(before);
        } finally {
            run(auditctl, "-W", d + "/f", "-p", "w", "-k", "canister-preexisting");
        }
        assertThat(before).contains("-w " + d + "/f -p w -k canister-preexisting");
    }

    @Test
    void shouldReceiveExecveEventAsRegisteredDaemonAndRestoreEverything() throws Exception {
        AuditStatus original;
        List<AuditRecord> raw = new ArrayList<>();
        List<AuditEvent> events = new ArrayList<>();
        long child;
        try (AuditNetlink nl = AuditNetlink.open()) {
            original = nl.status();
            assumeTrue(original.pid() == 0, "an audit daemon (pid " + original.pid() + ", auditd?) is registered;"
                    + " this test does not take its place");
            try (KernelAuditState state = KernelAuditState.snapshot(nl)) {
                // a dead or slow reader must never stall audited processes
                state.set(AuditStatusField.BACKLOG_WAIT_TIME, 0);
                nl.setReceiveBuffer(AuditNetlink.DEFAULT_RECEIVE_BUFFER);
                state.registerAsDaemon();
                assertThat(nl.status().pid()).isEqualTo(Libc.getpid());
                state.addRule(parse("-a always,exit -F arch=b64 -S execve -k canister-test", 1));
                if (original.enabled() == 0) {
                    state.set(AuditStatusField.ENABLED, 1);
                }
                Process p = new ProcessBuilder("/bin/true").start();
                child = p.pid();
                assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();

                EventAssembler assembler = new EventAssembler(e -> {
                    if (e.records().stream().anyMatch(r -> r.type() == AuditTypes.SYSCALL
                            && String.valueOf(child).equals(r.field("pid"))
                            && "\"canister-test\"".equals(r.field("key"))
                            // the JVM starts /bin/true through jspawnhelper: two execve in the same pid
                            && AuditFields.decodeUntrusted(r.field("exe")).endsWith("/true"))) {
                        events.add(e);
                    }
                });
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                boolean sawEoe = false;
                while (System.nanoTime() < deadline && !(sawEoe && !events.isEmpty())) {
                    List<AuditRecord> got = new ArrayList<>();
                    nl.receive(got::add, 200);
                    for (AuditRecord r : got) {
                        raw.add(r);
                        assembler.accept(r, System.nanoTime());
                        if (r.type() == AuditTypes.EOE && !events.isEmpty()
                                && r.stamp().equals(events.get(0).stamp())) {
                            sawEoe = true;
                        }
                    }
                }
                assertThat(sawEoe).as("EOE of the execve event seen; records: %s", raw).isTrue();
            }
            AuditStatus after = nl.status();
            assertThat(after.pid()).as("audit pid restored").isZero();
            assertThat(after.enabled()).as("enabled restored").isEqualTo(original.enabled());
            assertThat(after.backlogWaitTime()).as("backlog_wait_time restored").isEqualTo(original.backlogWaitTime());
            assertThat(nl.counters().spoofed()).isZero();
            assertThat(nl.counters().unicastQuirk()).as("records came by unicast with the nlmsg_len quirk").isPositive();
            assertThat(nl.counters().malformed()).isZero();
        }
        assertThat(events).hasSize(1);
        AuditEvent e = events.get(0);
        assertThat(e.completion()).isEqualTo(AuditEvent.Completion.LAST_RECORD);
        assertThat(e.records()).extracting(AuditRecord::type).contains(AuditTypes.SYSCALL, AuditTypes.EXECVE,
                AuditTypes.PROCTITLE);
        assertThat(e.records().getLast().type()).isEqualTo(AuditTypes.PROCTITLE);
        AuditRecord syscall = e.first(AuditTypes.SYSCALL);
        assertThat(syscall.field("syscall")).isEqualTo("59");
        assertThat(syscall.field("success")).isEqualTo("yes");
        assertThat(AuditFields.decodeUntrusted(syscall.field("exe"))).endsWith("/true");
        assertThat(AuditFields.decodeUntrusted(e.first(AuditTypes.EXECVE).field("a0"))).isEqualTo("/bin/true");
        // PROCTITLE is the kernel's cached title of the task (here still jspawnhelper's); it must decode
        assertThat(AuditFields.decodeUntrusted(e.first(AuditTypes.PROCTITLE).field("proctitle"))).isNotBlank();
    }

    @Test
    void shouldReceiveRecordsAsMulticastReader() throws Exception {
        List<AuditRecord> mine = new ArrayList<>();
        try (AuditNetlink control = AuditNetlink.open();
             KernelAuditState state = KernelAuditState.snapshot(control);
             AuditNetlink reader = AuditNetlink.openMulticastReader(AuditNetlink.DEFAULT_RECEIVE_BUFFER)) {
            assertThat(reader.receiveBufferBytes()).isGreaterThanOrEqualTo(AuditNetlink.DEFAULT_RECEIVE_BUFFER);
            state.set(AuditStatusField.BACKLOG_WAIT_TIME, 0);
            state.addRule(parse("-a always,exit -F arch=b64 -S execve -k canister-mcast", 1));
            if (state.original().enabled() == 0) {
                state.set(AuditStatusField.ENABLED, 1);
            }
            Process p = new ProcessBuilder("/bin/true").start();
            long child = p.pid();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline && mine.stream().noneMatch(r -> r.type() == AuditTypes.PROCTITLE)) {
                reader.receive(r -> {
                    if (r.type() == AuditTypes.SYSCALL && String.valueOf(child).equals(r.field("pid"))) {
                        mine.add(r);
                    } else if (!mine.isEmpty() && r.stamp().equals(mine.get(0).stamp())) {
                        mine.add(r);
                    }
                }, 200);
            }
            assertThat(reader.counters().spoofed()).isZero();
            assertThat(reader.counters().unicastQuirk()).as("multicast copies carry the real nlmsg_len").isZero();
            assertThat(reader.counters().malformed()).isZero();
            assertThat(reader.isRegisteredDaemon()).isFalse();
        }
        assertThat(mine).extracting(AuditRecord::type).contains(AuditTypes.SYSCALL, AuditTypes.EXECVE, AuditTypes.PROCTITLE);
        assertThat(mine.get(0).field("key")).isEqualTo("\"canister-mcast\"");
    }

    @Test
    void shouldRefuseSecondDaemonWithEexistAndHint() {
        try (AuditNetlink first = AuditNetlink.open(); AuditNetlink second = AuditNetlink.open()) {
            AuditStatus s = first.status();
            assumeTrue(s.pid() == 0, "an audit daemon (pid " + s.pid() + ") is registered; this test does not take its place");
            first.set(AuditStatusField.BACKLOG_WAIT_TIME, s.backlogWaitTime()); // no change; proves SET works
            try (KernelAuditState state = KernelAuditState.snapshot(first)) {
                state.set(AuditStatusField.BACKLOG_WAIT_TIME, 0);
                state.registerAsDaemon();

                assertThatThrownBy(second::registerAsDaemon)
                        .isInstanceOfSatisfying(ErrnoException.class, e -> {
                            assertThat(e.errno()).isEqualTo(17);
                            assertThat(e.getMessage()).contains("pid " + Libc.getpid()).contains("multicast");
                        });
                assertThat(second.isRegisteredDaemon()).isFalse();
            }
            assertThat(first.status().pid()).isZero();
        }
    }

    @Test
    void shouldIgnoreRecordsSentByAnotherProcessPort() {
        try (AuditNetlink victim = AuditNetlink.open()) {
            victim.status(); // the first send binds the socket to a port id
            int port = Libc.getsocknameNetlink(victim.fd());
            int forger = Libc.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, Libc.NETLINK_AUDIT);
            try {
                byte[] text = "audit(1700000000.000:1): forged=1".getBytes(StandardCharsets.ISO_8859_1);
                byte[] msg = AuditNetlinkCodec.request(AuditTypes.SYSCALL, 1, text);
                Libc.sendtoNetlink(forger, msg, 0, msg.length, 0, port, 0);
            } finally {
                Libc.close(forger);
            }
            List<AuditRecord> got = new ArrayList<>();
            victim.receive(got::add, 1000);

            assertThat(got).isEmpty();
            assertThat(victim.counters().spoofed()).isEqualTo(1);
        }
    }
}
