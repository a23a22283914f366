package org.canister.core.audit.annotate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.canister.core.audit.AuditEvent;
import org.canister.core.audit.AuditEvent.Completion;
import org.canister.core.audit.AuditRecord;
import org.canister.core.audit.AuditStamp;
import org.canister.core.audit.AuditTypes;
import org.canister.core.audit.annotate.ContidAnnotator.Placement;
import org.canister.core.audit.annotate.ContidAnnotator.Result;
import org.canister.core.contid.ContidChain;
import org.canister.core.contid.ContidOutcome;
import org.canister.core.contid.ContidRegistry;
import org.canister.core.contid.ContidSettings;
import org.canister.core.contid.StampSource;
import org.canister.core.fs.Caller;
import org.canister.core.task.Task;
import org.canister.core.task.TaskEvent;
import org.canister.core.task.TaskSnapshot;
import org.canister.core.task.TaskTable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A pid reused inside the tombstone grace period (pid_max 32768 at ~1700 forks/s wraps in ~20 s, the
 * grace is 30 s): a late event of the exited incarnation must keep its own label, not take the live
 * one's, and an event of a new incarnation the connector has not reported yet must not take the
 * tombstone's.
 *
 * <p>One clock for the whole host here: boot time in ms ({@code b}); the wall clock is
 * {@code WALL0 + b}, CLOCK_MONOTONIC is {@code b} ms (no suspend), start times are {@code b / 10}
 * ticks, as the kernel keeps them.
 */
class PidReuseAttributionTest {
    private static final long WALL0 = 1_700_000_000_000L;

    private TaskTable table;
    private ContidRegistry registry;
    private ContidAnnotator annotator;
    private long serial = 1;

    /** init(1) -> orchestrator 100 (unlabelled) -> 200 (labelled 42) at boot 1 s. */
    @BeforeEach
    void setUp() {
        table = new TaskTable(30_000_000_000L);
        table.apply(new TaskEvent.Refresh(ns(1_000), new TaskSnapshot(1, 1, 0, 0, LabelledTree.ROOT,
                LabelledTree.HOST_NS, "/", "systemd", "/usr/lib/systemd/systemd")));
        registry = ContidRegistry.attach(table, new StampSource(), ContidSettings.DEFAULTS);
        fork(1, 100, 1_000);
        fork(100, 200, 1_010);
        label(100, 200, 42, 1_020);
        annotator = new ContidAnnotator(table, Placement.AFTER);
        annotator.clockOffsets(WALL0, WALL0);
    }

    private static long ns(long bootMs) {
        return bootMs * 1_000_000L;
    }

    private void fork(int parent, int pid, long bootMs) {
        table.apply(new TaskEvent.Fork(ns(bootMs), parent, parent, pid, pid, bootMs / 10));
    }

    private void exit(int pid, long bootMs) {
        table.apply(new TaskEvent.Exit(ns(bootMs), pid, pid, 0));
    }

    private void label(int writer, int target, long contid, long bootMs) {
        Task w = table.process(writer);
        Caller c = new Caller(writer, writer, w.startTime(), w.creds(), LabelledTree.INIT_USER_NS, true);
        ContidOutcome o = registry.set(c, target, table.task(target).startTime(), contid, WALL0 + bootMs);
        assertThat(o.isSuccess()).as(o.message()).isTrue();
    }

    /** An execve event of {@code pid} (parent {@code ppid}) stamped at boot time {@code bootMs}. */
    private AuditEvent execve(int pid, int ppid, long bootMs) {
        long wall = WALL0 + bootMs;
        AuditStamp stamp = new AuditStamp(wall / 1000, (int) (wall % 1000), serial++);
        return new AuditEvent(stamp, List.of(new AuditRecord(AuditTypes.SYSCALL, stamp,
                "arch=c000003e syscall=59 success=yes exit=0 ppid=" + ppid + " pid=" + pid
                        + " auid=0 uid=0 comm=\"true\" exe=\"/usr/bin/true\"")), Completion.EOE);
    }

    private AuditEvent kill(int pid, int ppid, int target, long bootMs) {
        AuditEvent e = execve(pid, ppid, bootMs);
        AuditRecord sys = e.records().get(0);
        return e.withRecords(List.of(sys.withBody(sys.body().replace("syscall=59", "syscall=62")),
                new AuditRecord(AuditTypes.OBJ_PID, e.stamp(), "opid=" + target + " oauid=-1 ouid=0 oses=-1 ocomm=\"x\"")));
    }

    @Test
    void shouldKeepTheExitedIncarnationsLabelWhenItsParentDiffersFromTheLiveOnes() {
        fork(200, 300, 2_000);                 // 300 inherits 42
        exit(300, 2_050);
        fork(100, 300, 22_000);                // pid 300 reused 20 s later by an unlabelled child of 100

        Result late = annotator.annotate(execve(300, 200, 2_010)); // the old 300's exec, read late

        assertThat(late.subject()).isEqualTo(ContidChain.of(42));
    }

    @Test
    void shouldKeepTheExitedIncarnationsLabelWhenBothHadTheSameParent() {
        // An exec storm: the same parent forks both incarnations; only the times tell them apart.
        fork(100, 300, 2_000);
        label(100, 300, 43, 2_001);
        exit(300, 2_050);
        fork(100, 300, 22_000);

        assertThat(annotator.annotate(execve(300, 100, 2_010)).subject()).isEqualTo(ContidChain.of(43));
        assertThat(annotator.annotate(execve(300, 100, 22_010)).subject()).as("the live one's own event").isNull();
    }

    @Test
    void shouldGiveTheLiveIncarnationItsOwnLabel() {
        fork(100, 300, 2_000);
        exit(300, 2_050);
        fork(200, 300, 22_000);                // the new 300 inherits 42

        assertThat(annotator.annotate(execve(300, 200, 22_500)).subject()).isEqualTo(ContidChain.of(42));
        assertThat(annotator.annotate(execve(300, 100, 2_010)).subject()).as("the old, unlabelled one").isNull();
    }

    @Test
    void shouldNotGiveANewIncarnationTheConnectorHasNotReportedTheTombstonesLabel() {
        fork(100, 300, 2_000);
        label(100, 300, 43, 2_001);
        exit(300, 2_050);
        fork(1, 150, 21_000);                  // unlabelled; its child 300's fork event is still in the socket

        Result r = annotator.annotate(execve(300, 150, 22_010));

        assertThat(r.subject()).as("attributed through ppid 150, which is unlabelled").isNull();
    }

    @Test
    void shouldAttributeANewIncarnationTheConnectorHasNotReportedThroughItsParent() {
        fork(100, 300, 2_000);
        exit(300, 2_050);                      // unlabelled tombstone
        // 200 (42) forked a new 300 at 22 s: fork event not applied yet

        Result r = annotator.annotate(execve(300, 200, 22_010));

        assertThat(r.subject()).isEqualTo(ContidChain.of(42));
        assertThat(annotator.stats().viaPpid()).isEqualTo(1);
    }

    @Test
    void shouldKeepAttributingAGroupWhoseLeaderExitedFirstUntilItsLastThreadEnds() {
        fork(100, 600, 2_000);
        label(100, 600, 46, 2_001);
        table.apply(new TaskEvent.Fork(ns(2_010), 600, 600, 601, 600, 201)); // a thread
        table.apply(new TaskEvent.Exit(ns(3_000), 600, 600, 0));            // the leader exits first
        assertThat(annotator.annotate(execve(600, 100, 5_000)).subject()).as("group still live")
                .isEqualTo(ContidChain.of(46));
        table.apply(new TaskEvent.Exit(ns(8_000), 601, 600, 0));            // the group ends

        // A thread's record (pid= is the tgid) stamped while the group ran, read after its end.
        assertThat(annotator.annotate(execve(600, 100, 7_000)).subject()).isEqualTo(ContidChain.of(46));
        assertThat(annotator.annotate(execve(600, 100, 9_000)).subject()).as("a later 600, not yet reported")
                .isNull();
    }

    @Test
    void shouldPickTheTargetIncarnationOfAnObjPidByTime() {
        fork(100, 300, 2_000);
        label(100, 300, 43, 2_001);
        exit(300, 2_050);
        fork(100, 300, 22_000);

        Result r = annotator.annotate(kill(200, 100, 300, 2_040)); // 200 signalled the old 300

        assertThat(r.event().records().get(3).body()).isEqualTo("record=2 contid=43");
    }

    @Test
    void shouldResolveTheParentOfAnUnreportedChildByTimeToo() {
        // 400 (labelled 44) forked 500 and exited; pid 400 was then reused by an unlabelled process.
        fork(100, 400, 2_000);
        label(100, 400, 44, 2_001);
        exit(400, 2_100);
        fork(100, 400, 22_000);

        Result r = annotator.annotate(execve(500, 400, 2_050)); // 500 never reached the table

        assertThat(r.subject()).isEqualTo(ContidChain.of(44));
    }

    @Test
    void shouldTellIncarnationsApartByParentAloneWithoutClockOffsets() {
        ContidAnnotator noClock = new ContidAnnotator(table, Placement.AFTER);
        fork(200, 300, 2_000);
        exit(300, 2_050);
        fork(100, 300, 22_000);

        assertThat(noClock.annotate(execve(300, 200, 2_010)).subject()).isEqualTo(ContidChain.of(42));
        assertThat(noClock.annotate(execve(300, 100, 22_010)).subject()).isNull();
    }

    @Test
    void shouldPreferTheLiveIncarnationInsideTheAmbiguityWindow() {
        // Reuse 50 ms after the exit: within the clocks' error the stamp cannot tell; the parent decides.
        fork(100, 300, 2_000);
        label(100, 300, 43, 2_001);
        exit(300, 2_050);
        fork(100, 300, 2_100);

        assertThat(annotator.annotate(execve(300, 100, 2_120)).subject()).isNull();
    }

    @Test
    void shouldFallBackToTheParentRuleWhenTheStampPrecedesBothIncarnations() {
        // A wall-clock step back after the offsets were taken: the stamp predates both starts, so time
        // is not trusted and the parent decides (both have parent 100 here: the live one wins).
        fork(100, 300, 12_000);
        label(100, 300, 43, 12_001);
        exit(300, 12_050);
        fork(100, 300, 32_000);

        assertThat(annotator.annotate(execve(300, 100, 5_000)).subject()).isNull();
    }
}
