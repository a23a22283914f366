package org.canister.core.audit.annotate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.canister.core.audit.AuditEvent;
import org.canister.core.audit.AuditEvent.Completion;
import org.canister.core.audit.AuditLogFormat;
import org.canister.core.audit.AuditRecord;
import org.canister.core.audit.AuditRecordText;
import org.canister.core.audit.AuditStamp;
import org.canister.core.audit.AuditTypes;
import org.canister.core.audit.CanisterTypes;
import org.canister.core.audit.CanisterTypes.Naming;
import org.canister.core.audit.annotate.ContidAnnotator.Placement;
import org.canister.core.audit.annotate.ContidAnnotator.Result;
import org.canister.core.contid.ContidChain;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ContidAnnotatorTest {
    private static final AuditStamp STAMP = new AuditStamp(1_700_000_000L, 226, 174542);

    private LabelledTree tree;
    private ContidAnnotator annotator;

    /** init(1) -> orchestrator 100 -> container init 200, labelled 42. */
    @BeforeEach
    void setUp() {
        tree = new LabelledTree();
        tree.fork(1, 100);
        tree.fork(100, 200);
        tree.label(100, 200, 42);
        annotator = new ContidAnnotator(tree.table, Placement.AFTER);
    }

    private static AuditRecord rec(int type, String body) {
        return new AuditRecord(type, STAMP, body);
    }

    private static String syscall(int pid, int ppid) {
        return "arch=c000003e syscall=59 success=yes exit=0 a0=5581 a1=5582 a2=5583 a3=0 items=2 ppid=" + ppid
                + " pid=" + pid + " auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3"
                + " comm=\"true\" exe=\"/usr/bin/true\" key=\"exec\"";
    }

    private static AuditEvent execve(int pid, int ppid) {
        return new AuditEvent(STAMP, List.of(
                rec(AuditTypes.SYSCALL, syscall(pid, ppid)),
                rec(AuditTypes.EXECVE, "argc=1 a0=\"/bin/true\""),
                rec(AuditTypes.CWD, "cwd=\"/\""),
                rec(AuditTypes.PROCTITLE, "proctitle=2F62696E2F74727565")), Completion.LAST_RECORD);
    }

    private static List<String> lines(AuditEvent e) {
        return List.of(AuditLogFormat.appendEvent(new StringBuilder(), e, Naming.NAMES, false).toString().split("\n"));
    }

    @Test
    void shouldAddContainerIdLinkedToSyscallWithSameStamp() {
        Result r = annotator.annotate(execve(200, 100));

        assertThat(r.added()).isEqualTo(1);
        assertThat(r.subject()).isEqualTo(ContidChain.of(42));
        List<String> lines = lines(r.event());
        assertThat(lines).hasSize(5);
        assertThat(lines.get(0)).startsWith("type=SYSCALL msg=audit(1700000000.226:174542): arch=c000003e")
                .endsWith(" key=\"exec\" record=1");
        assertThat(lines.get(1)).isEqualTo("type=CONTAINER_ID msg=audit(1700000000.226:174542): record=1 contid=42");
        assertThat(lines.get(2)).startsWith("type=EXECVE");
        assertThat(r.event().stamp()).isEqualTo(STAMP);
        assertThat(r.event().completion()).isEqualTo(Completion.LAST_RECORD);
    }

    @Test
    void shouldPutContainerIdBeforeSyscallInV11Order() {
        Result r = new ContidAnnotator(tree.table, Placement.BEFORE).annotate(execve(200, 100));

        assertThat(r.event().records().get(0).isCanister(CanisterTypes.CONTAINER_ID)).isTrue();
        assertThat(r.event().records().get(1).is(AuditTypes.SYSCALL)).isTrue();
        assertThat(r.event().records().get(1).body()).endsWith(" record=1");
    }

    @Test
    void shouldLeaveUnlabelledEventUntouched() {
        AuditEvent e = execve(100, 1);
        Result r = annotator.annotate(e);

        assertThat(r.event()).isSameAs(e);
        assertThat(r.subject()).isNull();
        assertThat(r.added()).isZero();
    }

    @Test
    void shouldAnnotateExecOfChildThatForkedExecedAndExitedBeforeTheEventArrived() {
        // The labelled task forks 300, which execs /bin/true and exits within a millisecond; the proc
        // connector has told the table about the fork and the exit before the audit event is read.
        tree.fork(200, 300);
        tree.exit(300);
        assertThat(tree.table.task(300)).isNull();

        Result r = annotator.annotate(execve(300, 200));

        assertThat(r.subject()).isEqualTo(ContidChain.of(42));
        assertThat(lines(r.event()).get(1)).endsWith("record=1 contid=42");
    }

    @Test
    void shouldAttributeThroughPpidWhenTheConnectorHasNotReportedTheChildYet() {
        // 301 is unknown to the table: its fork event is still in the connector socket.
        Result r = annotator.annotate(execve(301, 200));

        assertThat(r.subject()).isEqualTo(ContidChain.of(42));
        assertThat(annotator.stats().viaPpid()).isEqualTo(1);
    }

    @Test
    void shouldNotAttributeAKnownUnlabelledTaskThroughItsParent() {
        tree.fork(100, 150); // unlabelled sibling of the container, parent 100 unlabelled too
        Result r = annotator.annotate(execve(150, 200));

        assertThat(r.added()).isZero();
    }

    @Test
    void shouldCountSubjectsNeitherWhosePidNorPpidIsKnown() {
        Result r = annotator.annotate(execve(9001, 9000));

        assertThat(r.added()).isZero();
        assertThat(annotator.stats().unknownSubjects()).isEqualTo(1);
    }

    @Test
    void shouldGiveEachLabelledSignalTargetItsOwnRecordNumberInRecordOrder() {
        tree.fork(100, 210);
        tree.label(100, 210, 43);
        // 200 (labelled 42) kills 210 (43), an unlabelled 100, then itself.
        AuditEvent kill = new AuditEvent(STAMP, List.of(
                rec(AuditTypes.SYSCALL, syscall(200, 100).replace("syscall=59", "syscall=62")),
                rec(AuditTypes.OBJ_PID, "opid=210 oauid=-1 ouid=0 oses=-1 ocomm=\"sleep\""),
                rec(AuditTypes.OBJ_PID, "opid=100 oauid=-1 ouid=0 oses=-1 ocomm=\"orch\""),
                rec(AuditTypes.OBJ_PID, "opid=200 oauid=-1 ouid=0 oses=-1 ocomm=\"init\""),
                rec(AuditTypes.PROCTITLE, "proctitle=6B696C6C")), Completion.LAST_RECORD);

        List<String> lines = lines(annotator.annotate(kill).event());

        assertThat(lines).hasSize(8);
        assertThat(lines.get(0)).startsWith("type=SYSCALL").endsWith(" record=1");
        assertThat(lines.get(1)).endsWith("record=1 contid=42");
        assertThat(lines.get(2)).startsWith("type=OBJ_PID").contains("opid=210").endsWith(" record=2");
        assertThat(lines.get(3)).endsWith("record=2 contid=43");
        assertThat(lines.get(4)).startsWith("type=OBJ_PID").contains("opid=100").doesNotContain("record=");
        assertThat(lines.get(5)).startsWith("type=OBJ_PID").contains("opid=200").endsWith(" record=3");
        assertThat(lines.get(6)).endsWith("record=3 contid=42");
        assertThat(lines.get(7)).startsWith("type=PROCTITLE");
    }

    @Test
    void shouldNumberFromOneWhenOnlyATargetIsLabelled() {
        AuditEvent kill = new AuditEvent(STAMP, List.of(
                rec(AuditTypes.SYSCALL, syscall(100, 1).replace("syscall=59", "syscall=62")),
                rec(AuditTypes.OBJ_PID, "opid=200 oauid=-1 ouid=0 oses=-1 ocomm=\"init\"")), Completion.EOE);

        Result r = annotator.annotate(kill);

        assertThat(r.subject()).isNull();
        assertThat(r.event().records().get(0).body()).doesNotContain("record=");
        assertThat(r.event().records().get(1).body()).endsWith(" record=1");
        assertThat(r.event().records().get(2).body()).isEqualTo("record=1 contid=42");
    }

    @Test
    void shouldAddContainerIdAfterUserRecordWithoutTouchingIt() {
        String body = "pid=200 uid=0 auid=1000 ses=3 msg='op=PAM:session_open acct=\"root\" exe=\"/usr/bin/su\" res=success'";
        AuditEvent user = new AuditEvent(STAMP, List.of(rec(1105, body)), Completion.LAST_RECORD);

        Result r = annotator.annotate(user);

        assertThat(r.event().records()).hasSize(2);
        assertThat(r.event().records().get(0).body()).isEqualTo(body);
        assertThat(AuditRecordText.format(r.event().records().get(1)))
                .isEqualTo("type=CONTAINER_ID msg=audit(1700000000.226:174542): record=1 contid=42");
        assertThat(r.subject()).isEqualTo(ContidChain.of(42));
    }

    @Test
    void shouldPrintNestedChainLeafFirst() {
        // 100 labels 110 with 1; 110 (nested orchestrator) labels 120 with 2; 120 labels 130 with 4.
        tree.fork(100, 110);
        tree.label(100, 110, 1);
        tree.fork(110, 120);
        tree.label(110, 120, 2);
        tree.fork(120, 130);
        tree.label(120, 130, 4);

        Result r = annotator.annotate(execve(130, 120));

        assertThat(r.subject()).isEqualTo(ContidChain.of(4, 2, 1));
        assertThat(r.event().records().get(1).body()).isEqualTo("record=1 contid=4,^2,^1");
    }

    @Test
    void shouldNeverAnnotateTwice() {
        AuditEvent once = annotator.annotate(execve(200, 100)).event();
        Result twice = annotator.annotate(once);

        assertThat(twice.event()).isSameAs(once);
        assertThat(twice.added()).isZero();
        assertThat(twice.subject()).isEqualTo(ContidChain.of(42));
    }

    @Test
    void shouldNeverPrintContainerIdAsNumberOrUringop() {
        AuditEvent e = annotator.annotate(execve(200, 100)).event();
        for (Naming n : Naming.values()) {
            String text = AuditLogFormat.appendEvent(new StringBuilder(), e, n, true).toString();
            assertThat(text).contains("type=CONTAINER_ID").doesNotContain("1336").doesNotContain("URINGOP");
        }
        // A real kernel URINGOP record stays URINGOP beside it.
        AuditRecord uring = rec(1336, "uring_op=18 items=0 ppid=100 pid=200");
        assertThat(AuditRecordText.format(uring)).startsWith("type=URINGOP ");
    }
}
