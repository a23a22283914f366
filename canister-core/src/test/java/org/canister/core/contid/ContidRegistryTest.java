package org.canister.core.contid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.canister.core.contid.ContidFixture.body;
import static org.canister.core.contid.ContidFixture.field;

import java.util.List;

import org.canister.core.CanisterException;
import org.canister.core.Errno;
import org.canister.core.audit.AuditEvent;
import org.canister.core.audit.AuditRecord;
import org.canister.core.audit.AuditStamp;
import org.canister.core.audit.CanisterTypes;
import org.canister.core.fs.Caller;
import org.junit.jupiter.api.Test;

/**
 * The acceptance cases of spec/audit-contid.md sections 2 and 6.4 that the model expresses (TC1-TC8,
 * TC7b, TC11-TC14, nesting chains), plus the check order of req. 2, driven through the TaskTable.
 */
class ContidRegistryTest {
    static final long CONTID1 = 4_515_122_123_205_246_976L;
    static final long CONTID1A = 4_515_122_123_205_246_977L;

    final ContidFixture f = new ContidFixture();
    /** The test harness (the orchestrator): root, in the initial namespaces. */
    final int orch = f.fork(1);

    private static void assertRefused(ContidOutcome o, Errno errno) {
        assertThat(o.errno()).as(o.message()).isEqualTo(errno);
        assertThat(o.events()).hasSize(1);
        assertThat(o.attemptEvent().records()).hasSize(1);
        assertThat(field(o, "res")).isEqualTo("0");
        assertThat(field(o, "errno")).isEqualTo(Integer.toString(errno.number()));
    }

    private static void assertAccepted(ContidOutcome o) {
        assertThat(o.errno()).as(o.message()).isNull();
        assertThat(field(o, "res")).isEqualTo("1");
        assertThat(field(o, "errno")).isEqualTo("0");
    }

    // ---------------------------------------------------------------- spec section 2 / 6.4

    @Test
    void tc1_shouldRejectSelfSetWithExdevAndStillRecordIt() {
        int child = f.fork(orch);
        ContidOutcome o = f.set(child, child, CONTID1);
        assertRefused(o, Errno.EXDEV);
        assertThat(field(o, "op")).isEqualTo("set");
        assertThat(field(o, "opid")).isEqualTo(Integer.toString(child));
        assertThat(field(o, "contid")).isEqualTo(Long.toUnsignedString(CONTID1));
        assertThat(field(o, "old-contid")).isEqualTo("-1");
        assertThat(field(o, "pid")).isEqualTo(Integer.toString(child));
    }

    @Test
    void tc2_shouldSetTheIdOfAChildAndRecordIt() {
        int t1 = f.fork(orch);
        ContidOutcome o = f.set(orch, t1, CONTID1);
        assertAccepted(o);
        assertThat(body(o)).startsWith("op=set opid=" + t1 + " contid=" + CONTID1 + " old-contid=-1 pid=" + orch
                + " uid=0 auid=4294967295 ses=4294967295 comm=");
        AuditRecord ns = o.attemptEvent().records().get(1);
        assertThat(ns.type()).isEqualTo(CanisterTypes.NS_INFO);
        // The pipeline's own event: made whole by the daemon, one daemon stamp, named by Canister's table.
        assertThat(o.attemptEvent().completion()).isEqualTo(AuditEvent.Completion.ORIGINATED);
        assertThat(o.attemptEvent().records()).allSatisfy(r -> {
            assertThat(r.stamp()).isEqualTo(o.attemptEvent().stamp());
            assertThat(r.numbering()).isEqualTo(AuditRecord.Numbering.CANISTER);
        });
        assertThat(ns.body()).startsWith("opid=" + t1 + " dev=? ns_cgroup=4026531835 ");
        assertThat(f.registry.read(f.caller(orch), t1, -1)).isEqualTo(CONTID1);
        assertThat(ContidRegistry.chainOf(f.task(t1))).isEqualTo(Long.toString(CONTID1));
        assertThat(f.registry.object(CONTID1).owner()).isEqualTo(new TaskRef(orch, f.start(orch)));
        assertThat(f.registry.object(CONTID1).memberCount()).isEqualTo(1);
    }

    @Test
    void tc3_shouldRejectSettingTheSameIdAgainWithEexist() {
        int t1 = f.fork(orch);
        assertAccepted(f.set(orch, t1, CONTID1));
        ContidOutcome o = f.set(orch, t1, CONTID1);
        assertRefused(o, Errno.EEXIST);
        assertThat(field(o, "old-contid")).isEqualTo(Long.toString(CONTID1));
    }

    @Test
    void tc4_shouldRejectUnsetWithEinvalRecordingTheRequestedValue() {
        int t1 = f.fork(orch);
        assertAccepted(f.set(orch, t1, CONTID1));
        ContidOutcome o = f.set(orch, t1, ContidValue.UNSET);
        assertRefused(o, Errno.EINVAL);
        assertThat(field(o, "contid")).isEqualTo("18446744073709551615");
        assertThat(f.registry.read(f.caller(orch), t1, -1)).isEqualTo(CONTID1);
    }

    @Test
    void tc5_shouldRejectADifferentIdFromTheSameOrchestratorWithEexist() {
        int t1 = f.fork(orch);
        assertAccepted(f.set(orch, t1, CONTID1));
        ContidOutcome o = f.set(orch, t1, CONTID1A);
        assertRefused(o, Errno.EEXIST);
        assertThat(field(o, "contid")).isEqualTo(Long.toString(CONTID1A));
        assertThat(f.registry.object(CONTID1A)).isNull();
    }

    @Test
    void tc6_shouldLetTheOwnerInjectANewChildIntoItsContainer() {
        int t1 = f.fork(orch);
        assertAccepted(f.set(orch, t1, CONTID1));
        int t1a = f.fork(orch);
        ContidOutcome o = f.set(orch, t1a, CONTID1);
        assertAccepted(o);
        assertThat(field(o, "opid")).isEqualTo(Integer.toString(t1a));
        assertThat(field(o, "contid")).isEqualTo(Long.toString(CONTID1));
        assertThat(f.task(t1a).containerLabel()).isSameAs(f.task(t1).containerLabel());
        assertThat(f.registry.object(CONTID1).memberCount()).isEqualTo(2);
    }

    @Test
    void tc7_shouldRejectATargetThatHasAChildWithEbusy() {
        int t2 = f.fork(orch);
        f.fork(t2);
        ContidOutcome o = f.set(orch, t2, 77);
        assertRefused(o, Errno.EBUSY);
        assertThat(field(o, "opid")).isEqualTo(Integer.toString(t2));
        assertThat(field(o, "contid")).isEqualTo("77");
    }

    @Test
    void tc7b_shouldRejectATargetWithTwoThreadsWithEbusy() {
        int t = f.fork(orch);
        f.thread(t);
        assertRefused(f.set(orch, t, 78), Errno.EBUSY);
    }

    @Test
    void shouldRejectANonLeaderThreadTargetWithEbusy() {
        int t = f.fork(orch);
        int tid = f.thread(t);
        ContidOutcome o = f.set(orch, tid, 79);
        assertRefused(o, Errno.EBUSY);
        assertThat(field(o, "opid")).as("opid is the thread group").isEqualTo(Integer.toString(t));
    }

    @Test
    void shouldLetATargetBeLabelledAgainOnceItsChildrenAndThreadsExited() {
        int t = f.fork(orch);
        int c = f.fork(t);
        int th = f.thread(t);
        assertRefused(f.set(orch, t, 80), Errno.EBUSY);
        f.exit(c);
        f.exit(th);
        assertAccepted(f.set(orch, t, 80));
    }

    @Test
    void tc8_shouldLetANestedOrchestratorLabelItsChildrenWithChains() {
        long contidsig = 1000, contidsigc = 1001, contidsigc2 = 1002, contidsigk = 1003;
        int s = f.fork(orch);
        assertAccepted(f.set(orch, s, contidsig));
        int c1 = f.fork(s);
        int c2 = f.fork(s);
        assertThat(ContidRegistry.chainOf(f.task(c1))).as("inherited").isEqualTo("1000");
        ContidOutcome o1 = f.set(s, c1, contidsigc);
        assertAccepted(o1);
        assertThat(field(o1, "contid")).isEqualTo("1001,^1000");
        assertThat(field(o1, "old-contid")).isEqualTo("1000");
        assertAccepted(f.set(s, c2, contidsigc2));
        int k = f.fork(orch);
        assertAccepted(f.set(orch, k, contidsigk));
        assertThat(f.registry.chainOf(c1)).isEqualTo("1001,^1000");
        assertThat(f.registry.chainOf(c2)).isEqualTo("1002,^1000");
        assertThat(f.registry.chainOf(s)).isEqualTo("1000");
        assertThat(f.registry.chainOf(k)).isEqualTo("1003");
        assertThat(f.registry.object(contidsig).nestedCount()).isEqualTo(2);
        assertThat(f.registry.object(contidsigc).owner()).isEqualTo(new TaskRef(s, f.start(s)));
    }

    @Test
    void shouldPrintThreeLevelNestingAsTheSpecsExample() {
        int a = f.fork(orch);
        assertAccepted(f.set(orch, a, 1));
        int b = f.fork(a);
        assertAccepted(f.set(a, b, 2));
        int c = f.fork(b);
        ContidOutcome o = f.set(b, c, 4);
        assertAccepted(o);
        assertThat(field(o, "contid")).isEqualTo("4,^2,^1");
        assertThat(field(o, "old-contid")).isEqualTo("2,^1");
        int grandchild = f.fork(c);
        int th = f.thread(grandchild);
        assertThat(f.registry.chainOf(th)).isEqualTo("4,^2,^1");
        assertThat(ContidRegistry.labelOf(f.task(th)).toChain()).isEqualTo(ContidChain.of(4, 2, 1));
        assertThat(ContidRegistry.labelOf(f.task(th)).chainContains(2)).isTrue();
        assertThat(f.registry.read(f.caller(orch), grandchild, -1)).as("a read shows the leaf").isEqualTo(4);
    }

    @Test
    void tc11_shouldLetAUserNamespaceChildWithCapcontidLabelItsChild() {
        int p = f.fork(orch);
        f.unshareUser(p);
        int q = f.fork(p);
        // Without the delegation: root in a child user namespace is not capable in the initial one.
        assertRefused(f.set(p, q, 5150), Errno.EPERM);
        ContidOutcome cap = f.cap(orch, p, 1);
        assertThat(cap.errno()).as(cap.message()).isNull();
        assertThat(body(cap)).isEqualTo("opid=" + p + " capcontid=1 old-capcontid=0 res=1");
        assertThat(cap.attemptEvent().records().get(0).type()).isEqualTo(CanisterTypes.SET_CAPCONTID);
        assertAccepted(f.set(p, q, 5150));
        assertThat(f.registry.readCapContid(f.caller(orch), p, -1)).isEqualTo(1);
        assertThat(f.registry.read(f.caller(p), q, -1)).as("capcontid also allows reads").isEqualTo(5150);
    }

    @Test
    void shouldNotInheritCapcontid() {
        int p = f.fork(orch);
        assertThat(f.cap(orch, p, 1).isSuccess()).isTrue();
        int child = f.fork(p);
        int th = f.thread(p);
        assertThat(f.task(child).capContid()).isFalse();
        assertThat(f.task(th).capContid()).isFalse();
    }

    @Test
    void shouldRejectCapcontidOnSelfOrNonDescendantWithExdevBeforeEperm() {
        int p = f.fork(orch);
        int sibling = f.fork(orch);
        ContidOutcome self = f.cap(p, p, 1);
        assertThat(self.errno()).isEqualTo(Errno.EXDEV);
        assertThat(body(self)).isEqualTo("opid=" + p + " capcontid=1 old-capcontid=0 res=0 errno=18");
        assertThat(f.registry.setCapContid(f.unprivileged(p), sibling, -1, 1, f.wallMs).errno())
                .as("EXDEV is checked before EPERM").isEqualTo(Errno.EXDEV);
        int child = f.fork(p);
        ContidOutcome noRight = f.registry.setCapContid(f.unprivileged(p), child, -1, 1, f.wallMs);
        assertThat(noRight.errno()).isEqualTo(Errno.EPERM);
        assertThat(f.task(child).capContid()).isFalse();
    }

    @Test
    void shouldRequireCapcontidEvenOutsideTheInitialUserNamespace() {
        int p = f.fork(orch);
        f.unshareUser(p);
        int q = f.fork(p);
        // v11 skipped the check for callers outside init_user_ns; Canister does not (req. 11 [choice]).
        assertThat(f.cap(p, q, 1).errno()).isEqualTo(Errno.EPERM);
    }

    @Test
    void shouldRevokeCapcontidWithZero() {
        int p = f.fork(orch);
        int q = f.fork(p);
        f.cap(orch, p, 1);
        ContidOutcome revoke = f.cap(orch, p, 0);
        assertThat(body(revoke)).isEqualTo("opid=" + p + " capcontid=0 old-capcontid=1 res=1");
        assertThat(f.registry.set(f.unprivileged(p), q, -1, 9, f.wallMs).errno()).isEqualTo(Errno.EPERM);
    }

    @Test
    void tc12_shouldRefuseAnotherOrchestratorsLiveIdWithEnotuniqAndAcceptItAfterTheDrop() {
        int t = f.fork(orch);
        assertAccepted(f.set(orch, t, CONTID1));
        int orch2 = f.fork(1);
        int u = f.fork(orch2);
        assertRefused(f.set(orch2, u, CONTID1), Errno.ENOTUNIQ);
        f.exit(t);
        List<AuditEvent> drops = f.registry.takePendingEvents(f.wallMs);
        assertThat(drops).hasSize(1);
        assertThat(f.registry.object(CONTID1)).as("released").isNull();
        ContidOutcome reuse = f.set(orch2, u, CONTID1);
        assertAccepted(reuse);
        assertThat(f.registry.object(CONTID1).owner().pid()).isEqualTo(orch2);
    }

    @Test
    void tc13_shouldEmitExactlyOneDropWhenTheLastMemberExits() {
        int t = f.fork(orch);
        assertAccepted(f.set(orch, t, 4242));
        int th = f.thread(t);
        int child = f.fork(t);
        int grandchild = f.fork(child);
        f.exit(th);
        f.exit(child);
        f.exit(t);
        assertThat(f.registry.takePendingEvents(f.wallMs)).as("grandchild still carries it").isEmpty();
        f.exit(grandchild);
        List<AuditEvent> drops = f.registry.takePendingEvents(f.wallMs);
        assertThat(drops).hasSize(1);
        AuditRecord drop = drops.get(0).records().get(0);
        assertThat(drop.type()).isEqualTo(CanisterTypes.CONTAINER_OP);
        assertThat(drop.body()).isEqualTo("op=drop opid=" + grandchild + " contid=-1 old-contid=4242 res=1");
        assertThat(f.registry.takePendingEvents(f.wallMs)).isEmpty();
        assertThat(f.registry.stats().drops()).isEqualTo(1);
        assertThat(f.registry.chainOf(grandchild)).as("the tombstone still attributes late records")
                .isEqualTo("4242");
    }

    @Test
    void tc14_shouldRejectANonOwnerNonNestedOrchestratorOnAnInheritedLabelWithEexist() {
        int outer = f.fork(1);
        int o = f.fork(outer);
        int t = f.fork(o);
        assertAccepted(f.set(o, t, 31));
        int u = f.fork(t);
        // outer is an ancestor of u but not inside the owner's subtree: not nesting.
        ContidOutcome r = f.set(outer, u, 32);
        assertRefused(r, Errno.EEXIST);
        assertThat(field(r, "old-contid")).isEqualTo("31");
    }

    // ---------------------------------------------------------------- req. 2 order and the other errnos

    @Test
    void shouldCheckUnsetBeforePermission() {
        int t = f.fork(orch);
        assertRefused(f.registry.set(f.unprivileged(orch), t, -1, ContidValue.UNSET, f.wallMs), Errno.EINVAL);
    }

    @Test
    void shouldCheckPermissionBeforeBusy() {
        int t = f.fork(orch);
        f.fork(t);
        assertRefused(f.registry.set(f.unprivileged(orch), t, -1, 5, f.wallMs), Errno.EPERM);
    }

    @Test
    void shouldCheckBusyBeforeDescendancy() {
        int sibling = f.fork(1);
        f.fork(sibling);
        assertRefused(f.set(orch, sibling, 5), Errno.EBUSY);
    }

    @Test
    void shouldRejectANonDescendantWithExdev() {
        int sibling = f.fork(1);
        assertRefused(f.set(orch, sibling, 5), Errno.EXDEV);
        int parentOfOrch = 1;
        assertRefused(f.set(orch, parentOfOrch, 5), Errno.EBUSY); // pid 1 has children: EBUSY comes first
    }

    @Test
    void shouldCheckEexistBeforeEnotuniq() {
        int t = f.fork(orch);
        assertAccepted(f.set(orch, t, 10));
        int orch2 = f.fork(1);
        int u = f.fork(orch2);
        assertAccepted(f.set(orch2, u, 20));
        int t2 = f.fork(orch);
        assertAccepted(f.set(orch, t2, 11));
        assertRefused(f.set(orch, t2, 20), Errno.EEXIST);
    }

    @Test
    void shouldRejectInjectionAfterTheOwnerExitedWithEnotuniq() {
        int o = f.fork(orch);
        int t = f.fork(o);
        assertAccepted(f.set(o, t, 600));
        long oldStart = f.start(o);
        f.exit(o);
        // The pid comes back as another process (another start time) that forks its own child.
        f.forkAs(orch, o);
        assertThat(f.start(o)).isNotEqualTo(oldStart);
        int t2 = f.fork(o);
        ContidOutcome r = f.set(o, t2, 600);
        assertRefused(r, Errno.ENOTUNIQ);
        assertThat(r.message()).contains("exited");
        assertThat(ContidRegistry.chainOf(f.task(t2))).as("a reused pid never inherits").isNull();
    }

    @Test
    void shouldKeepAnIdReservedWhileANestedObjectNamesItAsParent() {
        int a = f.fork(orch);
        assertAccepted(f.set(orch, a, 1));
        int b = f.fork(a);
        assertAccepted(f.set(a, b, 2));
        f.exit(a);
        List<AuditEvent> drops = f.registry.takePendingEvents(f.wallMs);
        assertThat(drops).hasSize(1);
        assertThat(drops.get(0).records().get(0).body()).isEqualTo("op=drop opid=" + a + " contid=-1 old-contid=1 res=1");
        assertThat(f.registry.object(1).isDropped()).isTrue();
        int other = f.fork(orch);
        ContidOutcome owner = f.set(orch, other, 1);
        assertRefused(owner, Errno.ENOTUNIQ);
        assertThat(owner.message()).contains("nested");
        int orch2 = f.fork(1);
        int u = f.fork(orch2);
        assertRefused(f.set(orch2, u, 1), Errno.ENOTUNIQ);
        f.exit(b);
        assertThat(f.registry.takePendingEvents(f.wallMs)).hasSize(1);
        assertThat(f.registry.object(1)).isNull();
        assertThat(f.registry.object(2)).isNull();
        assertAccepted(f.set(orch2, u, 1));
    }

    @Test
    void shouldRejectAGoneOrReplacedTargetWithEsrchAndRecordTheAttempt() {
        int t = f.fork(orch);
        long start = f.start(t);
        ContidOutcome wrongStart = f.registry.set(f.caller(orch), t, start + 1, 5, f.wallMs);
        assertRefused(wrongStart, Errno.ESRCH);
        f.exit(t);
        ContidOutcome gone = f.registry.set(f.caller(orch), t, start, 5, f.wallMs);
        assertRefused(gone, Errno.ESRCH);
        assertThat(field(gone, "opid")).isEqualTo(Integer.toString(t));
        assertThat(field(gone, "old-contid")).isEqualTo("-1");
        assertThat(f.registry.setCapContid(f.caller(orch), t, start, 1, f.wallMs).errno()).isEqualTo(Errno.ESRCH);
    }

    @Test
    void shouldRefuseNewIdsWithEnomemWhenTheRegistryIsFull() {
        ContidFixture small = new ContidFixture(new org.canister.core.task.TaskTable(), new ContidSettings("00:04", 2));
        int o = small.fork(1);
        assertThat(small.set(o, small.fork(o), 1).isSuccess()).isTrue();
        assertThat(small.set(o, small.fork(o), 2).isSuccess()).isTrue();
        int t3 = small.fork(o);
        ContidOutcome full = small.set(o, t3, 3);
        assertThat(full.errno()).isEqualTo(Errno.ENOMEM);
        assertThat(small.set(o, t3, 1).isSuccess()).as("injection needs no new object").isTrue();
        assertThat(ContidRecords.nsInfo(AuditStamp.ofMillis(0, 1), 1, "00:04", ContidFixture.HOST_NS).body())
                .contains("dev=00:04");
    }

    @Test
    void shouldRequirePrivilegeOrCapcontidToRead() {
        int t = f.fork(orch);
        assertThat(f.registry.read(f.caller(orch), t, -1)).isEqualTo(ContidValue.UNSET);
        assertThatThrownBy(() -> f.registry.read(f.unprivileged(orch), t, -1))
                .isInstanceOf(CanisterException.class)
                .extracting(e -> ((CanisterException) e).errno()).isEqualTo(Errno.EPERM);
        assertThatThrownBy(() -> f.registry.readCapContid(f.unprivileged(orch), t, -1))
                .extracting(e -> ((CanisterException) e).errno()).isEqualTo(Errno.EPERM);
        f.exit(t);
        assertThatThrownBy(() -> f.registry.read(f.caller(orch), t, -1))
                .extracting(e -> ((CanisterException) e).errno()).isEqualTo(Errno.ESRCH);
    }

    @Test
    void shouldAcceptCapcontidHeldByTheCallingThreadOfAMultithreadedWriter() {
        int p = f.fork(orch);
        int th = f.thread(p);
        int q = f.fork(p);
        f.cap(orch, th, 1); // task/<tid>/audit_capcontainerid of a thread of p
        Caller fromThread = new Caller(th, p, f.start(p), ContidFixture.USER, ContidFixture.INIT_USER_NS, true);
        Caller fromLeader = new Caller(p, p, f.start(p), ContidFixture.USER, ContidFixture.INIT_USER_NS, true);
        assertThat(f.registry.set(fromLeader, q, -1, 1, f.wallMs).errno()).isEqualTo(Errno.EPERM);
        assertThat(f.registry.set(fromThread, q, -1, 1, f.wallMs).isSuccess()).isTrue();
    }

    // ---------------------------------------------------------------- inheritance, relabel drops, events

    @Test
    void shouldInheritIntoEveryChildAndThreadAndCountThemAsMembers() {
        int t = f.fork(orch);
        assertAccepted(f.set(orch, t, 7));
        int th = f.thread(t);
        int c = f.fork(t);
        int cth = f.thread(c);
        for (int tid : new int[] {t, th, c, cth}) {
            assertThat(f.registry.chainOf(tid)).isEqualTo("7");
        }
        assertThat(f.registry.object(7).memberCount()).isEqualTo(4);
        assertThat(f.registry.chainOf(orch)).isNull();
    }

    @Test
    void shouldInheritForAChildFoundByRefreshInsteadOfAForkEvent() {
        int t = f.fork(orch);
        assertAccepted(f.set(orch, t, 7));
        int missed = f.nextPid++;
        f.table.apply(new org.canister.core.task.TaskEvent.Refresh(f.tick(), new org.canister.core.task.TaskSnapshot(
                missed, missed, t, f.ticks++, ContidFixture.ROOT, ContidFixture.HOST_NS, "/", "sh", "/bin/sh")));
        assertThat(f.registry.chainOf(missed)).isEqualTo("7");
        assertThat(f.registry.object(7).memberCount()).isEqualTo(2);
    }

    @Test
    void shouldDropTheOldContainerWhenARelabelTakesItsLastMember() {
        int n = f.fork(orch);          // a nested orchestrator, itself unlabelled
        int t = f.fork(n);
        int t0 = f.fork(orch);
        assertAccepted(f.set(orch, t0, 60));  // X, owned by orch
        assertAccepted(f.set(orch, t, 60));   // injected into t, a descendant of orch
        f.exit(t0);
        assertThat(f.registry.takePendingEvents(f.wallMs)).as("t still carries X").isEmpty();
        // n lives inside orch's subtree and is not X's owner: nesting, so it may relabel t.
        ContidOutcome o = f.set(n, t, 70);
        assertAccepted(o);
        assertThat(field(o, "contid")).isEqualTo("70");
        assertThat(field(o, "old-contid")).isEqualTo("60");
        assertThat(o.events()).hasSize(2);
        AuditEvent drop = o.events().get(1);
        assertThat(drop.records()).hasSize(1);
        assertThat(drop.records().get(0).body()).isEqualTo("op=drop opid=" + t + " contid=-1 old-contid=60 res=1");
        assertThat(drop.stamp()).isNotEqualTo(o.attemptEvent().stamp());
        assertThat(f.registry.object(60)).as("released: no member, no nested object").isNull();
        assertThat(f.registry.takePendingEvents(f.wallMs)).isEmpty();
    }

    @Test
    void shouldStampEveryEventDistinctly() {
        int t = f.fork(orch);
        ContidOutcome a = f.registry.set(f.caller(orch), t, -1, 1, 1_700_000_000_000L);
        ContidOutcome b = f.registry.set(f.caller(orch), t, -1, 1, 1_700_000_000_000L);
        assertThat(a.attemptEvent().stamp()).isNotEqualTo(b.attemptEvent().stamp());
        assertThat(a.attemptEvent().stamp().seconds()).isEqualTo(1_700_000_000L);
    }

    @Test
    void shouldBumpTheStateVersionOnEveryChangeARestartMustKeep() {
        long v0 = f.registry.stateVersion();
        int t = f.fork(orch);
        assertThat(f.registry.stateVersion()).isEqualTo(v0);
        assertAccepted(f.set(orch, t, 3));
        long v1 = f.registry.stateVersion();
        assertThat(v1).isGreaterThan(v0);
        f.fork(t);
        assertThat(f.registry.stateVersion()).as("forks are recovered from /proc").isEqualTo(v1);
        f.exit(t);
        assertThat(f.registry.stateVersion()).as("a labelled process ended").isGreaterThan(v1);
    }
}
