package org.canister.core.task;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TaskTableTest {
    private static final long GRACE = 1_000;
    private static final Credentials ROOT = new Credentials(0, 0, 0, 0, 0x1ff_ffff_ffffL, 0x1ff_ffff_ffffL);
    private static final Credentials USER = new Credentials(1000, 1000, 1000, 1000, 0, 0x1ff_ffff_ffffL);
    private static final Namespaces HOST = new Namespaces(11, 12, 13, 14, 15, 16, 17);

    private TaskTable table;
    private final List<String> log = new ArrayList<>();

    @BeforeEach
    void setUp() {
        table = new TaskTable(GRACE);
        table.addListener(new TaskListener() {
            @Override
            public void onTaskStart(Task task, Task parent) {
                log.add("start " + task.tid() + (parent == null ? "" : " from " + parent.tid()));
            }

            @Override
            public void onTaskExit(Task task, boolean processEnded, long timeNs) {
                log.add("exit " + task.tid() + (processEnded ? " ended" : "") + " @" + timeNs);
            }
        });
    }

    private static TaskSnapshot snap(int tid, int tgid, int ppid, long start) {
        return new TaskSnapshot(tid, tgid, ppid, start, USER, HOST, "/system.slice/a.service", "comm" + tgid,
                "/usr/bin/x" + tgid);
    }

    private void seed(TaskSnapshot... snaps) {
        for (TaskSnapshot s : snaps) {
            table.apply(new TaskEvent.Refresh(0, s));
        }
        log.clear();
    }

    private void seedInit() {
        seed(new TaskSnapshot(1, 1, 0, 1, ROOT, HOST, "/init.scope", "systemd", "/usr/lib/systemd/systemd"));
    }

    // ------------------------------------------------------------------ fork

    @Test
    void shouldCreateChildProcessThatInheritsTheForkingThreadsIdentity() {
        seedInit();
        seed(snap(100, 100, 1, 50), new TaskSnapshot(101, 100, 1, 60, ROOT, HOST, "/other", "thr", "/usr/bin/x100"));
        Object label = new Object();
        table.task(101).setContainerLabel(label);
        table.task(101).setCapContid(true);

        table.apply(new TaskEvent.Fork(10, 101, 100, 200, 200, 70));

        Task child = table.task(200);
        assertThat(child).isNotNull();
        assertThat(child.isLeader()).isTrue();
        assertThat(child.ppid()).isEqualTo(100);
        assertThat(child.startTime()).isEqualTo(70);
        assertThat(child.creds()).isEqualTo(ROOT);
        assertThat(child.cgroup()).isEqualTo("/other");
        assertThat(child.comm()).isEqualTo("thr");
        assertThat(child.containerLabel()).isSameAs(label);
        assertThat(child.capContid()).as("capcontid is never inherited (ghak90 v11)").isFalse();
        assertThat(table.process(100).liveChildren()).isEqualTo(1);
        assertThat(table.isDescendant(200, 100)).isTrue();
        assertThat(log).containsExactly("start 200 from 101");
    }

    @Test
    void shouldAddThreadToTheGroupNamedByChildTgid() {
        seedInit();
        seed(snap(100, 100, 1, 50));

        // proc_fork_connector names task->real_parent: for a thread, its group's parent (pid 1 here).
        table.apply(new TaskEvent.Fork(10, 1, 1, 101, 100, 60));

        Task thread = table.task(101);
        assertThat(thread.isLeader()).isFalse();
        assertThat(thread.tgid()).isEqualTo(100);
        assertThat(thread.ppid()).isEqualTo(1);
        assertThat(thread.comm()).isEqualTo("comm100");
        assertThat(table.process(100).liveThreads()).isEqualTo(2);
        assertThat(table.process(1).liveChildren()).as("a thread is not a child process").isEqualTo(1);
        List<Integer> tids = new ArrayList<>();
        table.forEachThread(100, t -> tids.add(t.tid()));
        assertThat(tids).containsExactlyInAnyOrder(100, 101);
        assertThat(table.liveProcessCount()).isEqualTo(2);
        assertThat(table.liveTaskCount()).isEqualTo(3);
    }

    @Test
    void shouldTreatReusedPidAsNewTask() {
        seedInit();
        seed(snap(100, 100, 1, 50));
        table.apply(new TaskEvent.Fork(5, 100, 100, 300, 300, 55));
        log.clear();

        // pid 300's exit was lost; the kernel hands 300 to a new child of init.
        table.apply(new TaskEvent.Fork(20, 1, 1, 300, 300, 90));

        Task reused = table.task(300);
        assertThat(reused.startTime()).isEqualTo(90);
        assertThat(reused.ppid()).isEqualTo(1);
        assertThat(reused.creds()).isEqualTo(ROOT);
        assertThat(log).containsExactly("exit 300 ended @20", "start 300 from 1");
        assertThat(table.process(100).liveChildren()).isZero();
        assertThat(table.stats().replacedIncarnations()).isEqualTo(1);
        assertThat(table.liveTaskCount()).isEqualTo(3);
    }

    @Test
    void shouldReplaceTaskWhenRefreshShowsAnotherStartTime() {
        seedInit();
        seed(snap(100, 100, 1, 50));

        table.apply(new TaskEvent.Refresh(30, snap(100, 100, 1, 77)));

        assertThat(table.task(100).startTime()).isEqualTo(77);
        assertThat(log).containsExactly("exit 100 ended @30", "start 100");
        assertThat(table.liveProcessCount()).isEqualTo(2);
    }

    @Test
    void shouldUpdateTaskInPlaceWhenRefreshShowsTheSameIncarnation() {
        seedInit();
        seed(snap(100, 100, 1, 50));
        Task before = table.task(100);

        table.apply(new TaskEvent.Refresh(30, new TaskSnapshot(100, 100, 1, 50, ROOT, HOST, "/moved", "new", "/bin/new")));

        assertThat(table.task(100)).isSameAs(before);
        assertThat(before.cgroup()).isEqualTo("/moved");
        assertThat(before.comm()).isEqualTo("new");
        assertThat(before.creds()).isEqualTo(ROOT);
        assertThat(log).isEmpty();
    }

    @Test
    void shouldGuessStartTimeFromParentAndAdoptTheRealOneOnRefresh() {
        seedInit();
        seed(snap(100, 100, 1, 50));

        table.apply(new TaskEvent.Fork(10, 100, 100, 200, 200, -1));
        Task child = table.task(200);
        assertThat(child.startTime()).isEqualTo(50);
        assertThat(child.startTimeGuessed()).isTrue();

        table.apply(new TaskEvent.Refresh(11, snap(200, 200, 100, 64)));

        assertThat(table.task(200)).isSameAs(child);
        assertThat(child.startTime()).isEqualTo(64);
        assertThat(child.startTimeGuessed()).isFalse();
        assertThat(log).containsExactly("start 200 from 100");
    }

    @Test
    void shouldGuessZeroStartTimeAndCountUnknownParent() {
        table.apply(new TaskEvent.Fork(10, 77, 77, 200, 200, -1));

        Task child = table.task(200);
        assertThat(child.startTime()).isZero();
        assertThat(child.creds()).isEqualTo(Credentials.UNKNOWN);
        assertThat(child.needsRefresh()).isTrue();
        assertThat(table.stats().unknownTaskEvents()).isEqualTo(1);
    }

    // ------------------------------------------------------------------ exit and groups

    @Test
    void shouldKeepGroupAliveUntilLastThreadExits() {
        seedInit();
        seed(snap(100, 100, 1, 50), snap(101, 100, 1, 51), snap(102, 100, 1, 52));

        table.apply(new TaskEvent.Exit(10, 100, 100, 0));

        Task leader = table.process(100);
        assertThat(leader).as("group stays listed while threads run").isNotNull();
        assertThat(leader.isAlive()).isFalse();
        assertThat(table.task(100)).as("the leader itself is no live task").isNull();
        assertThat(table.taskOrTombstone(100)).isSameAs(leader);
        assertThat(table.liveProcessCount()).isEqualTo(2);
        assertThat(table.liveTaskCount()).isEqualTo(3);
        List<Integer> tids = new ArrayList<>();
        table.forEachThread(100, t -> tids.add(t.tid()));
        assertThat(tids).containsExactlyInAnyOrder(101, 102);

        table.apply(new TaskEvent.Exit(11, 101, 100, 0));
        assertThat(table.process(100)).isNotNull();

        table.apply(new TaskEvent.Exit(12, 102, 100, 0));
        assertThat(table.process(100)).isNull();
        assertThat(table.liveProcessCount()).isEqualTo(1);
        assertThat(table.liveTaskCount()).isEqualTo(1);
        assertThat(log).containsExactly("exit 100 @10", "exit 101 @11", "exit 102 ended @12");
        // The tgid was taken until the last thread exited: that is the process's end.
        assertThat(table.taskOrTombstone(100).exitTimeNs()).isEqualTo(12);
    }

    @Test
    void shouldEndProcessWhenLeaderExitsLast() {
        seedInit();
        seed(snap(100, 100, 1, 50), snap(101, 100, 1, 51));

        table.apply(new TaskEvent.Exit(10, 101, 100, 0));
        table.apply(new TaskEvent.Exit(11, 100, 100, 0));

        assertThat(table.process(100)).isNull();
        assertThat(table.process(1).liveChildren()).isZero();
        assertThat(log).containsExactly("exit 101 @10", "exit 100 ended @11");
    }

    @Test
    void shouldReparentOrphansToInit() {
        seedInit();
        seed(snap(100, 100, 1, 50), snap(200, 200, 100, 60), snap(201, 201, 100, 61), snap(300, 300, 200, 70));

        table.apply(new TaskEvent.Exit(10, 100, 100, 0));

        assertThat(table.task(200).ppid()).isEqualTo(1);
        assertThat(table.task(200).ppidProvisional()).isTrue();
        assertThat(table.task(201).ppid()).isEqualTo(1);
        assertThat(table.task(300).ppid()).as("grandchildren keep their parent").isEqualTo(200);
        assertThat(table.process(1).liveChildren()).isEqualTo(2);
        assertThat(table.isDescendant(300, 1)).isTrue();
        assertThat(table.isDescendant(300, 100)).isFalse();
        assertThat(table.takeOrphans()).containsExactlyInAnyOrder(200, 201);
        assertThat(table.takeOrphans()).isEmpty();
    }

    @Test
    void shouldMoveOrphanToItsSubreaperOnRefresh() {
        seedInit();
        seed(snap(50, 50, 1, 10), snap(100, 100, 50, 50), snap(200, 200, 100, 60), snap(201, 200, 100, 61));
        table.apply(new TaskEvent.Exit(10, 100, 100, 0));

        // The source re-read PPid: a subreaper (pid 50) adopted it, not init.
        table.apply(new TaskEvent.Refresh(11, snap(200, 200, 50, 60)));

        Task orphan = table.task(200);
        assertThat(orphan.ppid()).isEqualTo(50);
        assertThat(orphan.ppidProvisional()).isFalse();
        assertThat(table.task(201).ppid()).as("threads follow their group's parent").isEqualTo(50);
        assertThat(table.process(50).liveChildren()).isEqualTo(1);
        assertThat(table.process(1).liveChildren()).isEqualTo(1);
        assertThat(table.takeOrphans()).as("a refreshed orphan needs no re-read").isEmpty();
    }

    @Test
    void shouldNotQueueOrphansThatExitedBeforeBeingTaken() {
        seedInit();
        seed(snap(100, 100, 1, 50), snap(200, 200, 100, 60), snap(201, 201, 100, 61));
        table.apply(new TaskEvent.Exit(10, 100, 100, 0));
        table.apply(new TaskEvent.Exit(11, 200, 200, 0));

        assertThat(table.takeOrphans()).containsExactly(201);
    }

    @Test
    void shouldExpireTombstonesAfterGrace() {
        seedInit();
        seed(snap(100, 100, 1, 50));
        table.apply(new TaskEvent.Exit(100, 100, 100, 0));

        assertThat(table.task(100)).isNull();
        assertThat(table.taskOrTombstone(100)).isNotNull();
        assertThat(table.expireTombstones(100 + GRACE - 1)).isZero();
        assertThat(table.taskOrTombstone(100)).isNotNull();
        assertThat(table.stats().tombstones()).isEqualTo(1);

        assertThat(table.expireTombstones(100 + GRACE)).isEqualTo(1);

        assertThat(table.taskOrTombstone(100)).isNull();
        assertThat(table.stats().tombstones()).isZero();
    }

    @Test
    void shouldKeepTheNewerTombstoneWhenAnOlderOneOfTheSameTidExpires() {
        seedInit();
        seed(snap(100, 100, 1, 50));
        table.apply(new TaskEvent.Exit(100, 100, 100, 0));
        table.apply(new TaskEvent.Fork(600, 1, 1, 100, 100, 90));
        table.apply(new TaskEvent.Exit(700, 100, 100, 0));

        assertThat(table.expireTombstones(100 + GRACE)).isZero();
        assertThat(table.taskOrTombstone(100).startTime()).isEqualTo(90);
        assertThat(table.expireTombstones(700 + GRACE)).isEqualTo(1);
        assertThat(table.taskOrTombstone(100)).isNull();
    }

    @Test
    void shouldPreferTheLiveTaskOverItsPredecessorsTombstone() {
        seedInit();
        seed(snap(100, 100, 1, 50));
        table.apply(new TaskEvent.Exit(100, 100, 100, 0));
        table.apply(new TaskEvent.Fork(200, 1, 1, 100, 100, 90));

        assertThat(table.taskOrTombstone(100).startTime()).isEqualTo(90);
        assertThat(table.taskOrTombstone(100).isAlive()).isTrue();
    }

    // ------------------------------------------------------------------ exec, uid, gid, comm

    @Test
    void shouldReviveLeaderWhenANonLeaderThreadExecs() {
        seedInit();
        seed(snap(100, 100, 1, 50), snap(101, 100, 1, 51), snap(102, 100, 1, 52));

        // de_thread(): 102 exits, the leader exits, 101 takes over pid 100 and execs.
        table.apply(new TaskEvent.Exit(10, 102, 100, 9));
        table.apply(new TaskEvent.Exit(10, 100, 100, 9));
        table.apply(new TaskEvent.Exec(11, 100, 100));

        Task leader = table.task(100);
        assertThat(leader).isNotNull();
        assertThat(leader.isAlive()).isTrue();
        assertThat(leader.startTime()).isEqualTo(50);
        assertThat(leader.needsRefresh()).isTrue();
        assertThat(table.task(101)).as("the exec'ing thread's old tid vanished").isNull();
        assertThat(leader.liveThreads()).isEqualTo(1);
        assertThat(table.liveTaskCount()).isEqualTo(2);
        assertThat(table.liveProcessCount()).isEqualTo(2);

        table.apply(new TaskEvent.Refresh(12, new TaskSnapshot(100, 100, 1, 50, USER, HOST, "/x", "sh", "/bin/sh")));
        assertThat(leader.needsRefresh()).isFalse();
        assertThat(leader.comm()).isEqualTo("sh");
    }

    @Test
    void shouldRetireTheOtherThreadsWhenTheLeaderExecs() {
        seedInit();
        seed(snap(100, 100, 1, 50), snap(101, 100, 1, 51));

        table.apply(new TaskEvent.Exec(11, 100, 100));

        assertThat(table.task(101)).isNull();
        assertThat(table.process(100).liveThreads()).isEqualTo(1);
        assertThat(log).containsExactly("exit 101 @11");
    }

    @Test
    void shouldChangeOnlyTheNamedTasksCredentialsAndAskForRefresh() {
        seedInit();
        seed(snap(100, 100, 1, 50), snap(101, 100, 1, 51));

        table.apply(new TaskEvent.UidChange(5, 101, 100, 0, 33));
        table.apply(new TaskEvent.GidChange(6, 101, 100, 44, 45));

        Credentials c = table.task(101).creds();
        assertThat(c.uid()).isZero();
        assertThat(c.euid()).isEqualTo(33);
        assertThat(c.gid()).isEqualTo(44);
        assertThat(c.egid()).isEqualTo(45);
        assertThat(c.capBnd()).isEqualTo(USER.capBnd());
        assertThat(table.task(101).needsRefresh()).isTrue();
        assertThat(table.task(100).creds()).isEqualTo(USER);
        assertThat(table.task(100).needsRefresh()).isFalse();
    }

    @Test
    void shouldChangeComm() {
        seedInit();
        seed(snap(100, 100, 1, 50));

        table.apply(new TaskEvent.CommChange(5, 100, 100, "renamed"));

        assertThat(table.task(100).comm()).isEqualTo("renamed");
    }

    @Test
    void shouldShareEqualIdentitiesBetweenTasks() {
        seedInit();
        seed(new TaskSnapshot(100, 100, 1, 50, new Credentials(5, 5, 5, 5, 0, 0), new Namespaces(1, 2, 3, 4, 5, 6, 7),
                        new String("/cg"), new String("same"), new String("/bin/same")),
                new TaskSnapshot(200, 200, 1, 60, new Credentials(5, 5, 5, 5, 0, 0), new Namespaces(1, 2, 3, 4, 5, 6, 7),
                        new String("/cg"), new String("same"), new String("/bin/same")));
        table.apply(new TaskEvent.UidChange(5, 100, 100, 7, 7));
        table.apply(new TaskEvent.UidChange(5, 200, 200, 7, 7));

        Task a = table.task(100);
        Task b = table.task(200);
        assertThat(a.creds()).isSameAs(b.creds());
        assertThat(a.ns()).isSameAs(b.ns());
        assertThat(a.cgroup()).isSameAs(b.cgroup());
        assertThat(a.comm()).isSameAs(b.comm());
        assertThat(a.exe()).isSameAs(b.exe());
    }

    @Test
    void shouldCountEventsForUnknownTasksWithoutThrowing() {
        seedInit();

        table.apply(new TaskEvent.Exit(1, 999, 999, 0));
        table.apply(new TaskEvent.Exec(1, 999, 999));
        table.apply(new TaskEvent.UidChange(1, 999, 999, 1, 1));
        table.apply(new TaskEvent.GidChange(1, 999, 999, 1, 1));
        table.apply(new TaskEvent.CommChange(1, 999, 999, "x"));
        table.apply(new TaskEvent.Exit(1, 1, 2, 0)); // right tid, wrong tgid
        table.apply(new TaskEvent.Refresh(1, null));

        TaskTableStats s = table.stats();
        assertThat(s.unknownTaskEvents()).isEqualTo(7);
        assertThat(s.eventsApplied()).isEqualTo(8);
        assertThat(table.task(1)).isNotNull();
        assertThat(log).isEmpty();
    }

    @Test
    void shouldIgnoreASecondExitOfTheSameTask() {
        seedInit();
        seed(snap(100, 100, 1, 50), snap(101, 100, 1, 51));
        table.apply(new TaskEvent.Exit(10, 100, 100, 0));
        table.apply(new TaskEvent.Exit(11, 100, 100, 0));

        assertThat(table.process(100)).isNotNull();
        assertThat(table.stats().exits()).isEqualTo(1);
        assertThat(table.stats().unknownTaskEvents()).isEqualTo(1);
    }

    // ------------------------------------------------------------------ descendants

    @Test
    void shouldWalkRealParentLinksForDescendants() {
        seedInit();
        seed(snap(10, 10, 1, 5), snap(20, 20, 10, 6), snap(30, 30, 20, 7), snap(31, 30, 20, 8));

        assertThat(table.isDescendant(30, 1)).isTrue();
        assertThat(table.isDescendant(30, 10)).isTrue();
        assertThat(table.isDescendant(30, 20)).isTrue();
        assertThat(table.isDescendant(10, 30)).isFalse();
        assertThat(table.isDescendant(30, 30)).as("strict ancestor only").isFalse();
        assertThat(table.isDescendant(999, 1)).isFalse();
    }

    @Test
    void shouldStopWalkingOnAParentCycle() {
        // Inconsistent input (two scans racing) must not hang the walk.
        seed(snap(10, 10, 20, 5), snap(20, 20, 10, 6));

        assertThat(table.isDescendant(10, 99)).isFalse();
        assertThat(table.isDescendant(10, 20)).isTrue();
    }

    // ------------------------------------------------------------------ reconcile

    @Test
    void shouldMakeTheTableEqualAScan() {
        seedInit();
        seed(snap(100, 100, 1, 50), snap(101, 100, 1, 51), snap(200, 200, 1, 60));

        ReconcileResult r = table.reconcile(List.of(
                new TaskSnapshot(1, 1, 0, 1, ROOT, HOST, "/init.scope", "systemd", "/usr/lib/systemd/systemd"),
                new TaskSnapshot(100, 100, 1, 50, USER, HOST, "/x", "changed", "/bin/changed"),
                snap(300, 300, 100, 80)), 500);

        assertThat(r).isEqualTo(new ReconcileResult(1, 2, 2));
        assertThat(table.task(100).comm()).isEqualTo("changed");
        assertThat(table.task(101)).isNull();
        assertThat(table.process(200)).isNull();
        assertThat(table.task(300).ppid()).isEqualTo(100);
        assertThat(table.process(100).liveChildren()).isEqualTo(1);
        assertThat(table.process(100).liveThreads()).isEqualTo(1);
        assertThat(table.liveTaskCount()).isEqualTo(3);
        assertThat(log).containsExactlyInAnyOrder("start 300", "exit 101 @500", "exit 200 ended @500");
    }

    @Test
    void shouldTellListenersThreadsBeforeTheLeaderWhenAGroupVanished() {
        seedInit();
        seed(snap(100, 100, 1, 50), snap(101, 100, 1, 51));

        table.reconcile(List.of(new TaskSnapshot(1, 1, 0, 1, ROOT, HOST, "/init.scope", "systemd", "/sbin/init")), 9);

        assertThat(log).containsExactly("exit 101 @9", "exit 100 ended @9");
    }

    @Test
    void shouldReconcileAScanInAnyOrder() {
        List<TaskSnapshot> scan = new ArrayList<>();
        scan.add(new TaskSnapshot(1, 1, 0, 1, ROOT, HOST, "/init.scope", "systemd", "/sbin/init"));
        for (int p = 100; p < 160; p += 4) {
            int parent = p == 100 ? 1 : p - 4;
            scan.add(snap(p, p, parent, p));
            scan.add(snap(p + 1, p, parent, p + 1));
            scan.add(snap(p + 2, p, parent, p + 2));
        }
        Collections.shuffle(scan, new Random(7));

        ReconcileResult r = table.reconcile(scan, 10);

        assertThat(r.added()).isEqualTo(scan.size());
        assertThat(table.liveProcessCount()).isEqualTo(16);
        assertThat(table.liveTaskCount()).isEqualTo(scan.size());
        for (int p = 100; p < 160; p += 4) {
            Task leader = table.process(p);
            assertThat(leader.liveThreads()).as("threads of %d", p).isEqualTo(3);
            assertThat(leader.liveChildren()).as("children of %d", p).isEqualTo(p == 156 ? 0 : 1);
        }
        assertThat(table.process(1).liveChildren()).isEqualTo(1);
        assertThat(table.isDescendant(156, 1)).isTrue();
    }

    @Test
    void shouldNotTrackAZombieProcessFromAScan() {
        seedInit();
        TaskSnapshot zombie = new TaskSnapshot(100, 100, 1, 50, USER, HOST, "/x", "defunct", "", true);

        ReconcileResult r = table.reconcile(List.of(
                new TaskSnapshot(1, 1, 0, 1, ROOT, HOST, "/init.scope", "systemd", "/sbin/init"), zombie), 5);

        assertThat(r.added()).isZero();
        assertThat(table.process(100)).isNull();
        assertThat(table.liveProcessCount()).isEqualTo(1);
    }

    @Test
    void shouldHoldAnExitedLeaderFromAScanWhileItsThreadsRun() {
        seedInit();
        TaskSnapshot zombieLeader = new TaskSnapshot(100, 100, 1, 50, USER, HOST, "/x", "app", "/app", true);

        table.reconcile(List.of(zombieLeader, snap(101, 100, 1, 51),
                new TaskSnapshot(1, 1, 0, 1, ROOT, HOST, "/init.scope", "systemd", "/sbin/init")), 5);

        Task leader = table.process(100);
        assertThat(leader).isNotNull();
        assertThat(leader.isAlive()).isFalse();
        assertThat(leader.liveThreads()).isEqualTo(1);
        assertThat(log).containsExactly("start 101");

        table.apply(new TaskEvent.Exit(6, 101, 100, 0));
        assertThat(table.process(100)).isNull();
        assertThat(log).containsExactly("start 101", "exit 101 ended @6");
    }

    @Test
    void shouldTreatAZombieSnapshotOfALiveTaskAsItsLostExit() {
        seedInit();
        seed(snap(100, 100, 1, 50));

        table.apply(new TaskEvent.Refresh(8, new TaskSnapshot(100, 100, 1, 50, USER, HOST, "/x", "c", "", true)));

        assertThat(table.process(100)).isNull();
        assertThat(log).containsExactly("exit 100 ended @8");
    }

    @Test
    void shouldReportCounters() {
        seedInit();
        seed(snap(100, 100, 1, 50));
        table.apply(new TaskEvent.Fork(1, 100, 100, 200, 200, 60));
        table.apply(new TaskEvent.Fork(2, 100, 100, 201, 100, 61));
        table.apply(new TaskEvent.Exit(3, 200, 200, 0));
        table.apply(new TaskEvent.Exit(4, 999, 999, 0));

        TaskTableStats s = table.stats();
        assertThat(s.eventsApplied()).isEqualTo(6);
        assertThat(s.unknownTaskEvents()).isEqualTo(1);
        assertThat(s.exits()).isEqualTo(1);
        assertThat(s.tombstones()).isEqualTo(1);
        assertThat(s.liveProcesses()).isEqualTo(2);
        assertThat(s.liveTasks()).isEqualTo(3);
        assertThat(s.replacedIncarnations()).isZero();
    }

    @Test
    void shouldListExactlyTheLiveProcesses() {
        seedInit();
        seed(snap(100, 100, 1, 50), snap(101, 100, 1, 51), snap(200, 200, 1, 60));
        table.apply(new TaskEvent.Exit(3, 200, 200, 0));
        table.apply(new TaskEvent.Exit(3, 100, 100, 0));

        List<Integer> tgids = new ArrayList<>();
        table.forEachProcess(p -> tgids.add(p.tgid()));

        assertThat(tgids).containsExactlyInAnyOrder(1, 100);
    }
}
