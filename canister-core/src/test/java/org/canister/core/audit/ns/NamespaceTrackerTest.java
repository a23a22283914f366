package org.canister.core.audit.ns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.canister.core.audit.ns.NsFixture.DEV;
import static org.canister.core.audit.ns.NsFixture.HOST_MNT;
import static org.canister.core.audit.ns.NsFixture.HOST_NET;
import static org.canister.core.audit.ns.NsFixture.HOST_PID;
import static org.canister.core.audit.ns.NsFixture.hostObserved;
import static org.canister.core.audit.ns.NsFixture.id;
import static org.canister.core.audit.ns.NsFixture.observed;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.canister.core.audit.AuditEvent;
import org.canister.core.audit.AuditRecord;
import org.canister.core.audit.AuditTypes;
import org.junit.jupiter.api.Test;

class NamespaceTrackerTest {
    private static final long CLONE_NEWNS = 0x20000L;
    private static final long CLONE_NEWPID = 0x20000000L;
    private static final long CLONE_NEWNET = 0x40000000L;
    private static final long SIGCHLD = 17;

    private final NsFixture f = new NsFixture();

    private NsView withNet(long inode) {
        return hostObserved().with(NsSlot.NET, id(NsType.NET, inode));
    }

    // ---------------------------------------------------------------- seeding

    @Test
    void shouldSeedHostNamespacesWithoutRecordsOrEvents() {
        f.fork(1);
        assertThat(f.tracker.takePendingEvents(f.wallMs)).isEmpty();
        NamespaceTracker.NsState net = f.tracker.state(id(NsType.NET, HOST_NET));
        assertThat(net).isNotNull();
        assertThat(net.members()).as("init, kthreadd and the fork").isEqualTo(3);
        assertThat(f.tracker.stats().created()).isZero();
        assertThat(f.tracker.state(id(NsType.TIME, NsFixture.HOST_TIME)))
                .as("the task table carries no time namespace").isNull();
    }

    // ---------------------------------------------------------------- TC15, TC16

    @Test
    void shouldReportLabelledUnshareOfNetAsOneNsCreateWithItsChainAndHostNetAsOld() { // TC15
        int runc = f.fork(1);
        int init = f.fork(runc);
        f.label(runc, init, 123456);
        long newNet = f.newInode();
        AuditRecord sc = f.syscall("unshare", init, 0, CLONE_NEWNET, 0);

        assertThat(f.tracker.tasksToRead(sc)).containsExactly(init);
        List<AuditRecord> out = f.tracker.onSyscall(sc, observed(init, withNet(newNet)));

        assertThat(out).hasSize(1);
        AuditRecord r = out.get(0);
        assertThat(r.type()).isEqualTo(NsRecords.NS_CREATE);
        assertThat(r.stamp()).as("joins the kernel event").isEqualTo(sc.stamp());
        assertThat(r.body()).isEqualTo("pid=" + init + " tid=" + init + " syscall=unshare contid=123456 nstype=net"
                + " old-dev=00:04 old-inode=" + HOST_NET + " dev=00:04 inode=" + newNet);
        assertThat(f.tracker.viewOf(f.table.task(init)).get(NsSlot.NET)).isEqualTo(id(NsType.NET, newNet));
        assertThat(f.tracker.state(id(NsType.NET, newNet)).chains()).containsExactly("123456");
        assertThat(f.tracker.state(id(NsType.NET, HOST_NET))).as("the host netns keeps its members").isNotNull();
    }

    @Test
    void shouldEmitExactlyOneStandaloneNsDestroyWhenTheLabelledTaskExits() { // TC16
        int runc = f.fork(1);
        int init = f.fork(runc);
        f.label(runc, init, 123456);
        int worker = f.thread(init);
        long newNet = f.newInode();
        AuditRecord sc = f.syscall("unshare", init, 0, CLONE_NEWNET, 0);
        Map<Integer, NsView> seen = new HashMap<>();
        seen.put(init, withNet(newNet));
        seen.put(worker, hostObserved());
        assertThat(f.tracker.tasksToRead(sc)).containsExactly(init, worker);
        assertThat(f.tracker.onSyscall(sc, seen)).extracting(AuditRecord::type).containsExactly(NsRecords.NS_CREATE);
        int child = f.fork(init); // lives in the new netns too

        f.exit(child);
        f.exit(worker);
        assertThat(f.tracker.takePendingEvents(f.wallMs)).as("the leader is still in the netns").isEmpty();
        f.exit(init);
        List<AuditEvent> events = f.tracker.takePendingEvents(f.wallMs);

        assertThat(events).hasSize(1);
        AuditEvent e = events.get(0);
        assertThat(e.records()).hasSize(1);
        assertThat(e.records().get(0).type()).isEqualTo(NsRecords.NS_DESTROY);
        assertThat(e.records().get(0).body()).isEqualTo("nstype=net dev=00:04 inode=" + newNet
                + " contid=123456 cause=exit pid=" + init);
        assertThat(e.stamp().serial()).as("daemon stamp, antipodal to the kernel's serial")
                .isNotEqualTo(sc.stamp().serial());
        assertThat(f.tracker.takePendingEvents(f.wallMs)).isEmpty();
        assertThat(f.tracker.state(id(NsType.NET, newNet))).isNull();
        f.exit(runc);
        assertThat(f.tracker.takePendingEvents(f.wallMs)).as("host namespaces live on (init)").isEmpty();
    }

    // ---------------------------------------------------------------- TC17

    @Test
    void shouldDestroyPinnedNetnsWithItsLastTaskAndReRegisterItOnLaterSetns() { // TC17
        int shell = f.fork(1);
        int ipAdd = f.fork(shell);
        long blue = f.newInode();
        List<AuditRecord> created = f.tracker.onSyscall(f.syscall("unshare", ipAdd, 0, CLONE_NEWNET, 0),
                observed(ipAdd, withNet(blue)));
        assertThat(created).extracting(AuditRecord::type).containsExactly(NsRecords.NS_CREATE);
        long firstGeneration = f.tracker.state(id(NsType.NET, blue)).generation();

        f.exit(ipAdd); // `ip netns add blue` bind-mounted it and exited: only the mount keeps it alive
        List<AuditEvent> destroyed = f.tracker.takePendingEvents(f.wallMs);
        assertThat(destroyed).hasSize(1);
        assertThat(destroyed.get(0).records().get(0).body())
                .isEqualTo("nstype=net dev=00:04 inode=" + blue + " contid=-1 cause=exit pid=" + ipAdd);

        int ipExec = f.fork(shell); // `ip netns exec blue ...`: setns(fd, CLONE_NEWNET), unshare(CLONE_NEWNS)
        AuditRecord setns = f.syscall("setns", ipExec, 0, 5, CLONE_NEWNET);
        List<AuditRecord> change = f.tracker.onSyscall(setns, observed(ipExec, withNet(blue)));
        assertThat(change).hasSize(1);
        assertThat(change.get(0).type()).isEqualTo(NsRecords.NS_CHANGE);
        assertThat(change.get(0).body()).isEqualTo("pid=" + ipExec + " tid=" + ipExec
                + " syscall=setns contid=-1 nstype=net old-dev=00:04 old-inode=" + HOST_NET
                + " dev=00:04 inode=" + blue);
        NamespaceTracker.NsState again = f.tracker.state(id(NsType.NET, blue));
        assertThat(again.generation()).as("re-registered under a new generation").isGreaterThan(firstGeneration);
        assertThat(again.members()).isEqualTo(1);

        long mnt = f.newInode();
        List<AuditRecord> mntCreate = f.tracker.onSyscall(f.syscall("unshare", ipExec, 0, CLONE_NEWNS, 0),
                observed(ipExec, withNet(blue).with(NsSlot.MNT, id(NsType.MNT, mnt))));
        assertThat(mntCreate).extracting(AuditRecord::body).containsExactly("pid=" + ipExec + " tid=" + ipExec
                + " syscall=unshare contid=-1 nstype=mnt old-dev=00:04 old-inode=" + HOST_MNT
                + " dev=00:04 inode=" + mnt);

        f.exit(ipExec);
        List<AuditEvent> end = f.tracker.takePendingEvents(f.wallMs);
        assertThat(end).hasSize(1);
        assertThat(end.get(0).records()).extracting(AuditRecord::body).containsExactly(
                "nstype=mnt dev=00:04 inode=" + mnt + " contid=-1 cause=exit pid=" + ipExec,
                "nstype=net dev=00:04 inode=" + blue + " contid=-1 cause=exit pid=" + ipExec);
    }

    // ---------------------------------------------------------------- unshare / setns details

    @Test
    void shouldJoinNsDestroyCausedBySetnsToTheKernelEvent() {
        int c = f.fork(1);
        int orchestrated = f.fork(c);
        f.label(c, orchestrated, 7);
        long net = f.newInode();
        f.tracker.onSyscall(f.syscall("unshare", orchestrated, 0, CLONE_NEWNET, 0), observed(orchestrated, withNet(net)));

        AuditRecord back = f.syscall("setns", orchestrated, 0, 3, CLONE_NEWNET);
        List<AuditRecord> out = f.tracker.onSyscall(back, observed(orchestrated, hostObserved()));

        assertThat(out).extracting(AuditRecord::type).containsExactly(NsRecords.NS_CHANGE, NsRecords.NS_DESTROY);
        assertThat(out).allSatisfy(r -> assertThat(r.stamp()).isEqualTo(back.stamp()));
        assertThat(out.get(1).body()).isEqualTo("nstype=net dev=00:04 inode=" + net + " contid=7 cause=setns pid="
                + orchestrated);
        assertThat(f.tracker.takePendingEvents(f.wallMs)).isEmpty();
    }

    @Test
    void shouldNameTheThreadThatUnsharedInAMultiThreadedCaller() {
        int p = f.fork(1);
        int t1 = f.thread(p);
        int t2 = f.thread(p);
        long uts = f.newInode();
        AuditRecord sc = f.syscall("unshare", p, 0, 0x04000000L, 0);
        Map<Integer, NsView> seen = new HashMap<>();
        seen.put(p, hostObserved());
        seen.put(t1, hostObserved());
        seen.put(t2, hostObserved().with(NsSlot.UTS, id(NsType.UTS, uts)));

        List<AuditRecord> out = f.tracker.onSyscall(sc, seen);

        assertThat(out).hasSize(1);
        assertThat(out.get(0).body()).startsWith("pid=" + p + " tid=" + t2 + " syscall=unshare").contains("nstype=uts");
        assertThat(f.tracker.viewOf(f.table.task(p)).get(NsSlot.UTS)).isEqualTo(id(NsType.UTS, NsFixture.HOST_UTS));
        f.exit(t2);
        assertThat(f.tracker.takePendingEvents(f.wallMs)).singleElement()
                .satisfies(e -> assertThat(e.records().get(0).body()).contains("nstype=uts").endsWith("pid=" + p));
    }

    @Test
    void shouldReportUnknownIdsWhenTheCallerWasGoneBeforeProcWasRead() {
        int p = f.fork(1);
        List<AuditRecord> out = f.tracker.onSyscall(f.syscall("unshare", p, 0, CLONE_NEWNET | CLONE_NEWNS, 0),
                observed(p, null));

        assertThat(out).extracting(AuditRecord::body).containsExactly(
                "pid=" + p + " tid=" + p + " syscall=unshare contid=-1 nstype=mnt old-dev=00:04 old-inode=" + HOST_MNT
                        + " dev=? inode=?",
                "pid=" + p + " tid=" + p + " syscall=unshare contid=-1 nstype=net old-dev=00:04 old-inode=" + HOST_NET
                        + " dev=? inode=?");
        assertThat(f.tracker.stats().unobserved()).isEqualTo(1);
    }

    @Test
    void shouldPrintUnknownTypeForAGoneSetnsWithoutNstype() {
        int p = f.fork(1);
        List<AuditRecord> out = f.tracker.onSyscall(f.syscall("setns", p, 0, 4, 0), Map.of());
        assertThat(out).extracting(AuditRecord::body).containsExactly("pid=" + p + " tid=" + p
                + " syscall=setns contid=-1 nstype=? old-dev=? old-inode=? dev=? inode=?");
    }

    @Test
    void shouldCreatePidNamespaceForChildrenOnUnshareAndDestroyItWithTheLastChild() {
        int p = f.fork(1);
        long pidNs = f.newInode();
        NsView after = hostObserved().with(NsSlot.PID_FOR_CHILDREN, id(NsType.PID, pidNs));
        List<AuditRecord> out = f.tracker.onSyscall(f.syscall("unshare", p, 0, CLONE_NEWPID, 0), observed(p, after));
        assertThat(out).extracting(AuditRecord::body).containsExactly("pid=" + p + " tid=" + p
                + " syscall=unshare contid=-1 nstype=pid old-dev=00:04 old-inode=" + HOST_PID + " dev=00:04 inode=" + pidNs);

        int child = f.fork(p); // pid 1 of the new namespace
        assertThat(f.tracker.viewOf(f.table.task(child)).get(NsSlot.PID)).isEqualTo(id(NsType.PID, pidNs));
        f.exit(p);
        assertThat(f.tracker.takePendingEvents(f.wallMs)).as("the child is in it").isEmpty();
        f.exit(child);
        assertThat(f.tracker.takePendingEvents(f.wallMs)).singleElement().satisfies(e -> assertThat(
                e.records().get(0).body()).isEqualTo("nstype=pid dev=00:04 inode=" + pidNs + " contid=-1 cause=exit pid="
                + child));
    }

    @Test
    void shouldReportUnreadablePidForChildrenAsUnknownAfterUnshareNewpid() {
        int p = f.fork(1);
        // pid_for_children cannot be read until the first child exists (no child_reaper yet)
        NsView after = hostObserved().with(NsSlot.PID_FOR_CHILDREN, NsId.unknown(NsType.PID));
        List<AuditRecord> out = f.tracker.onSyscall(f.syscall("unshare", p, 0, CLONE_NEWPID, 0), observed(p, after));
        assertThat(out).extracting(AuditRecord::body).containsExactly("pid=" + p + " tid=" + p
                + " syscall=unshare contid=-1 nstype=pid old-dev=00:04 old-inode=" + HOST_PID + " dev=? inode=?");
        int child = f.fork(p);
        assertThat(f.tracker.viewOf(f.table.task(child)).get(NsSlot.PID).known())
                .as("the child's pid namespace is not the host's").isFalse();
    }

    // ---------------------------------------------------------------- clone, clone3

    @Test
    void shouldReportCloneNamespacesOfAChildTheTableAlreadyHas() {
        int runc = f.fork(1);
        int parent = f.fork(runc);
        f.label(runc, parent, 42);
        int child = f.fork(parent); // fork event first, as usual
        long net = f.newInode();
        long pid = f.newInode();
        NsView childNs = hostObserved().with(NsSlot.NET, id(NsType.NET, net))
                .with(NsSlot.PID, id(NsType.PID, pid)).with(NsSlot.PID_FOR_CHILDREN, id(NsType.PID, pid));
        AuditRecord sc = f.syscall("clone", parent, child, CLONE_NEWNET | CLONE_NEWPID | SIGCHLD, 0);
        assertThat(f.tracker.tasksToRead(sc)).containsExactly(child);

        List<AuditRecord> out = f.tracker.onSyscall(sc, observed(child, childNs));

        assertThat(out).extracting(AuditRecord::body).containsExactly(
                "pid=" + child + " tid=" + child + " syscall=clone contid=42 nstype=net old-dev=00:04 old-inode="
                        + HOST_NET + " dev=00:04 inode=" + net,
                "pid=" + child + " tid=" + child + " syscall=clone contid=42 nstype=pid old-dev=00:04 old-inode="
                        + HOST_PID + " dev=00:04 inode=" + pid);
        assertThat(f.tracker.state(id(NsType.NET, HOST_NET)).members())
                .as("init, kthreadd, runc, parent: the child left the host netns it was counted in at fork").isEqualTo(4);
        f.exit(child);
        List<AuditEvent> end = f.tracker.takePendingEvents(f.wallMs);
        assertThat(end).singleElement().satisfies(e -> assertThat(e.records()).extracting(AuditRecord::body)
                .containsExactly("nstype=net dev=00:04 inode=" + net + " contid=42 cause=exit pid=" + child,
                        "nstype=pid dev=00:04 inode=" + pid + " contid=42 cause=exit pid=" + child));
    }

    @Test
    void shouldHoldACloneChildsNamespacesUntilItsForkEventArrives() {
        int parent = f.fork(1);
        int child = f.nextPid; // the SYSCALL event comes before the proc connector's fork event
        long net = f.newInode();
        AuditRecord sc = f.syscall("clone", parent, child, CLONE_NEWNET | SIGCHLD, 0);
        List<AuditRecord> out = f.tracker.onSyscall(sc, observed(child, withNet(net)));
        assertThat(out).extracting(AuditRecord::type).containsExactly(NsRecords.NS_CREATE);
        assertThat(f.tracker.stats().pendingChildren()).isEqualTo(1);

        assertThat(f.fork(parent)).isEqualTo(child);
        assertThat(f.tracker.stats().pendingChildren()).isZero();
        assertThat(f.tracker.viewOf(f.table.task(child)).get(NsSlot.NET)).isEqualTo(id(NsType.NET, net));
        assertThat(f.tracker.state(id(NsType.NET, net)).members()).isEqualTo(1);
        f.exit(child);
        assertThat(f.tracker.takePendingEvents(f.wallMs)).hasSize(1);
        assertThat(f.tracker.state(id(NsType.NET, net))).isNull();
    }

    @Test
    void shouldReleaseTheOldestPendingChildBeyondTheBound() {
        NsFixture small = new NsFixture(1);
        int parent = small.fork(1);
        long n1 = small.newInode();
        long n2 = small.newInode();
        small.tracker.onSyscall(small.syscall("clone", parent, 900, CLONE_NEWNET, 0),
                observed(900, hostObserved().with(NsSlot.NET, id(NsType.NET, n1))));
        small.tracker.onSyscall(small.syscall("clone", parent, 901, CLONE_NEWNET, 0),
                observed(901, hostObserved().with(NsSlot.NET, id(NsType.NET, n2))));

        assertThat(small.tracker.stats().evictedPending()).isEqualTo(1);
        assertThat(small.tracker.takePendingEvents(small.wallMs)).singleElement().satisfies(e -> assertThat(
                e.records().get(0).body()).isEqualTo("nstype=net dev=00:04 inode=" + n1 + " contid=-1 cause=exit pid=900"));
    }

    @Test
    void shouldAddNothingForClone3ThreadsAndAdoptTheTimeNamespaceSilently() {
        int p = f.fork(1);
        int th = f.thread(p);
        AuditRecord sc = f.syscall("clone3", p, th, 0x7ffc0000L, 88);
        assertThat(f.tracker.onSyscall(sc, observed(th, hostObserved()))).isEmpty();
        assertThat(f.tracker.viewOf(f.table.task(th)).get(NsSlot.TIME)).isEqualTo(id(NsType.TIME, NsFixture.HOST_TIME));
        assertThat(f.tracker.stats().created()).isZero();

        int gone = f.nextPid + 50;
        assertThat(f.tracker.onSyscall(f.syscall("clone3", p, gone, 0x7ffc0000L, 88), observed(gone, null)))
                .as("a gone clone3 child says nothing: its flags were in user memory").isEmpty();
        assertThat(f.tracker.stats().unobserved()).isEqualTo(1);
    }

    @Test
    void shouldReportClone3NamespacesByComparingEverySlot() {
        int p = f.fork(1);
        int child = f.fork(p);
        long uts = f.newInode();
        long ipc = f.newInode();
        NsView now = hostObserved().with(NsSlot.UTS, id(NsType.UTS, uts)).with(NsSlot.IPC, id(NsType.IPC, ipc));
        List<AuditRecord> out = f.tracker.onSyscall(f.syscall("clone3", p, child, 0x7ffc0000L, 88),
                observed(child, now));
        assertThat(out).extracting(r -> AuditFieldsOf(r, "nstype")).containsExactly("ipc", "uts");
        assertThat(out).extracting(r -> AuditFieldsOf(r, "syscall")).containsOnly("clone3");
    }

    @Test
    void shouldNotLookUpACloneChildByAPidOfAnotherPidNamespace() {
        int p = f.fork(1);
        long pidNs = f.newInode();
        f.tracker.onSyscall(f.syscall("unshare", p, 0, CLONE_NEWPID, 0),
                observed(p, hostObserved().with(NsSlot.PID_FOR_CHILDREN, id(NsType.PID, pidNs))));
        int inside = f.fork(p); // pid 1 inside; its clone returns pids of that namespace
        AuditRecord sc = f.syscall("clone", inside, 2, CLONE_NEWNET | SIGCHLD, 0);

        assertThat(f.tracker.tasksToRead(sc)).isEmpty();
        assertThat(f.tracker.onSyscall(sc, Map.of())).extracting(AuditRecord::body).containsExactly(
                "pid=? tid=? syscall=clone contid=-1 nstype=net old-dev=00:04 old-inode=" + HOST_NET + " dev=? inode=?");
    }

    @Test
    void shouldIgnoreRecordsThatAreNotSuccessfulNamespaceSyscalls() {
        int p = f.fork(1);
        AuditRecord execve = new AuditRecord(AuditTypes.SYSCALL, f.syscall("unshare", p, 0, 0, 0).stamp(),
                "arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 pid=" + p);
        AuditRecord failed = new AuditRecord(AuditTypes.SYSCALL, execve.stamp(),
                "arch=c000003e syscall=272 success=no exit=-1 a0=40000000 a1=0 pid=" + p);
        AuditRecord i386 = new AuditRecord(AuditTypes.SYSCALL, execve.stamp(),
                "arch=40000003 syscall=310 success=yes exit=0 a0=40000000 a1=0 pid=" + p);
        for (AuditRecord r : List.of(execve, failed, i386)) {
            assertThat(f.tracker.tasksToRead(r)).isEmpty();
            assertThat(f.tracker.onSyscall(r, observed(p, withNet(f.newInode())))).isEmpty();
        }
    }

    @Test
    void shouldListEveryChainThatEverHadAMemberIncludingLabelsSetAfterJoining() {
        int runc = f.fork(1);
        int a = f.fork(runc);
        long net = f.newInode();
        f.tracker.onSyscall(f.syscall("unshare", a, 0, CLONE_NEWNET, 0), observed(a, withNet(net)));
        int b = f.fork(a); // in the same netns, labelled only after joining
        f.label(a, b, 9);
        f.exit(b);
        f.exit(a);
        assertThat(f.tracker.takePendingEvents(f.wallMs)).singleElement().satisfies(e -> assertThat(
                e.records().get(0).body()).contains(" contid=9 cause=exit pid=" + a));
    }

    private static String AuditFieldsOf(AuditRecord r, String key) {
        return r.field(key);
    }

    @Test
    void shouldKeepDevInRecordsFromTheStatResult() {
        assertThat(NsId.formatDev(DEV)).isEqualTo("00:04");
    }
}
