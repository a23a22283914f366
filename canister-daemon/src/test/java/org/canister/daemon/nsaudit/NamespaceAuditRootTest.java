package org.canister.daemon.nsaudit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.canister.core.audit.AuditEvent;
import org.canister.core.audit.AuditFields;
import org.canister.core.audit.AuditRecord;
import org.canister.core.audit.AuditRule;
import org.canister.core.audit.AuditStamp;
import org.canister.core.audit.AuditStatusField;
import org.canister.core.audit.AuditTypes;
import org.canister.core.audit.ns.NamespaceAuditRules;
import org.canister.core.audit.ns.NamespaceTracker;
import org.canister.core.audit.ns.NsId;
import org.canister.core.audit.ns.NsRecords;
import org.canister.core.audit.ns.NsSlot;
import org.canister.core.audit.ns.NsView;
import org.canister.core.task.TaskEvent;
import org.canister.core.task.TaskTable;
import org.canister.linux.ErrnoException;
import org.canister.linux.Libc;
import org.canister.linux.audit.AuditNetlink;
import org.canister.linux.audit.AuditStatus;
import org.canister.linux.audit.KernelAuditState;
import org.canister.linux.proc.ProcFs;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The namespace rules against the running kernel: util-linux {@code unshare -n} under the canister-ns
 * rules yields a SYSCALL event with that key, and the tracker, fed with real {@code /proc} namespace stats,
 * turns it into NS_CREATE {@code nstype=net}; the process's exit then gives NS_DESTROY. Needs root
 * (CAP_AUDIT_CONTROL, CAP_AUDIT_READ) in the initial namespaces and {@code /usr/bin/unshare}; skips with the
 * reason otherwise. Registers as the audit daemon, or reads the multicast group when a daemon (auditd) holds
 * the pid. Restores everything: rules deleted, enabled, backlog_wait_time (0 while the test runs, so a slow
 * reader never stalls audited processes) and the audit pid.
 */
@Tag("root")
class NamespaceAuditRootTest {

    @Test
    void shouldTurnRealUnshareOfNetIntoNsCreateAndItsExitIntoNsDestroy() throws Exception {
        assumeTrue(Libc.geteuid() == 0, "needs root: audit rules need CAP_AUDIT_CONTROL");
        Path unshare = Path.of("/usr/bin/unshare");
        assumeTrue(Files.isExecutable(unshare), "util-linux unshare not installed");
        AuditStatus original;
        try (AuditNetlink probe = AuditNetlink.open()) {
            original = probe.status();
        } catch (ErrnoException e) {
            assumeTrue(false, "kernel audit netlink unavailable here: " + e.getMessage());
            return;
        }
        assumeTrue(original.enabled() != 2, "audit is locked (enabled 2): no rule or setting can change until reboot");

        ProcNamespaceReader reader = new ProcNamespaceReader();
        long nsfsDev = reader.nsfsDev();
        NsView mine = reader.read((int) ProcessHandle.current().pid());
        assertThat(mine).as("this JVM's namespaces").isNotNull();

        // The process to watch: a shell that waits for a line, then becomes `unshare -n sleep 10`.
        Process p = new ProcessBuilder("/bin/sh", "-c", "read x; exec " + unshare + " -n sleep 10")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        int pid = (int) p.pid();
        List<AuditRecord> seen = new ArrayList<>();
        try {
            TaskTable table = new TaskTable();
            try (ProcFs proc = new ProcFs()) {
                table.reconcile(proc.scanAll(), System.nanoTime());
            }
            assertThat(table.process(pid)).as("the shell is in the seeded table").isNotNull();
            long[] serial = {1L << 31};
            NamespaceTracker tracker = NamespaceTracker.attach(table, nsfsDev, t -> null,
                    ms -> new AuditStamp(ms / 1000, (int) (ms % 1000), serial[0]++),
                    t -> reader.read(t.tid()), NamespaceTracker.DEFAULT_MAX_PENDING);
            assertThat(tracker.viewOf(table.process(pid)).get(NsSlot.NET)).isEqualTo(mine.get(NsSlot.NET));

            AuditRecord syscall;
            List<AuditRecord> out;
            try (AuditNetlink nl = AuditNetlink.open();
                 KernelAuditState state = KernelAuditState.snapshot(nl)) {
                state.set(AuditStatusField.BACKLOG_WAIT_TIME, 0);
                AuditNetlink source = nl;
                AuditNetlink multicast = null;
                try {
                    nl.setReceiveBuffer(AuditNetlink.DEFAULT_RECEIVE_BUFFER);
                    try {
                        state.registerAsDaemon();
                    } catch (ErrnoException e) {
                        assumeTrue(e.errno() == 17, "cannot register as audit daemon: " + e.getMessage());
                        // auditd (or another reader) holds the pid: read beside it, as Canister's multicast mode does
                        multicast = AuditNetlink.openMulticastReader(AuditNetlink.DEFAULT_RECEIVE_BUFFER);
                        source = multicast;
                    }
                    for (AuditRule r : NamespaceAuditRules.rules()) {
                        state.addRule(r);
                    }
                    if (original.enabled() == 0) {
                        state.set(AuditStatusField.ENABLED, 1);
                    }
                    try (OutputStream in = p.getOutputStream()) {
                        in.write("go\n".getBytes(StandardCharsets.US_ASCII));
                    }
                    syscall = awaitSyscall(source, pid, seen);
                    // the daemon's work: read the namespaces of the tasks the tracker names, at once
                    int[] tids = tracker.tasksToRead(syscall);
                    Map<Integer, NsView> observed = reader.readAll(tids);
                    assertThat(tids).containsExactly(pid);
                    assertThat(observed).as("unshare -n sleep is still running").containsKey(pid);
                    out = tracker.onSyscall(syscall, observed);
                } finally {
                    if (multicast != null) {
                        multicast.close();
                    }
                }
            }
            try (AuditNetlink check = AuditNetlink.open()) {
                AuditStatus after = check.status();
                assertThat(after.pid()).as("audit pid restored").isEqualTo(original.pid());
                assertThat(after.enabled()).isEqualTo(original.enabled());
                assertThat(after.backlogWaitTime()).isEqualTo(original.backlogWaitTime());
                assertThat(check.listRules()).as("canister-ns rules deleted")
                        .noneMatch(r -> r.keys().contains(NamespaceAuditRules.KEY));
            }

            assertThat(AuditFields.decodeUntrusted(syscall.field("key"))).isEqualTo(NamespaceAuditRules.KEY);
            NsView now = reader.read(pid);
            NsId newNet = now.get(NsSlot.NET);
            assertThat(newNet).isNotEqualTo(mine.get(NsSlot.NET));
            assertThat(out).as("records for %s", syscall).hasSize(1);
            AuditRecord create = out.get(0);
            assertThat(create.type()).isEqualTo(NsRecords.NS_CREATE);
            assertThat(create.stamp()).isEqualTo(syscall.stamp());
            assertThat(create.body()).isEqualTo("pid=" + pid + " tid=" + pid + " syscall=unshare contid=-1 nstype=net"
                    + " old-dev=" + NsId.formatDev(nsfsDev) + " old-inode=" + mine.get(NsSlot.NET).inode()
                    + " dev=" + NsId.formatDev(nsfsDev) + " inode=" + newNet.inode());

            p.destroy();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            // what the proc connector would report; this test does not run the connector
            table.apply(new TaskEvent.Exit(System.nanoTime(), pid, pid, 0));
            List<AuditEvent> destroyed = tracker.takePendingEvents(System.currentTimeMillis());
            assertThat(destroyed).hasSize(1);
            assertThat(destroyed.get(0).records()).extracting(AuditRecord::body).containsExactly(
                    "nstype=net dev=" + NsId.formatDev(nsfsDev) + " inode=" + newNet.inode()
                            + " contid=-1 cause=exit pid=" + pid);
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Receives until the canister-ns SYSCALL of {@code pid} arrives (10 s at most). */
    private static AuditRecord awaitSyscall(AuditNetlink nl, int pid, List<AuditRecord> seen) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        AuditRecord[] found = {null};
        while (found[0] == null && System.nanoTime() < deadline) {
            nl.receive(r -> {
                if (seen.size() < 200) {
                    seen.add(r);
                }
                if (r.type() == AuditTypes.SYSCALL && String.valueOf(pid).equals(r.field("pid"))
                        && "272".equals(r.field("syscall")) && found[0] == null) {
                    found[0] = r;
                }
            }, 200);
        }
        assertThat(found[0]).as("unshare SYSCALL of pid %d; records seen: %s", pid, seen).isNotNull();
        return found[0];
    }
}
