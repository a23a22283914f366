package org.canister.core.contid;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.canister.core.audit.AuditEvent;
import org.canister.core.task.Task;
import org.canister.core.task.TaskEvent;
import org.canister.core.task.TaskSnapshot;
import org.canister.core.task.TaskTable;
import org.junit.jupiter.api.Test;

/**
 * Restart without loss (spec req. 19, issue 3 item 4): save, let the "kernel" move on while the daemon
 * is down, rebuild a table from a /proc scan of it, reconcile.
 */
class ContidReconcileTest {

    /** A fresh table as a /proc scan of {@code kernel} would seed it: same tasks, no labels. */
    private static TaskTable scan(TaskTable kernel, long nowNs) {
        List<Task> live = new ArrayList<>();
        kernel.forEachProcess(p -> kernel.forEachThread(p.tgid(), live::add));
        live.sort(Comparator.comparingLong(Task::startTime));
        TaskTable fresh = new TaskTable();
        for (Task t : live) {
            fresh.apply(new TaskEvent.Refresh(nowNs, new TaskSnapshot(t.tid(), t.tgid(), t.ppid(), t.startTime(),
                    t.creds(), t.ns(), t.cgroup(), t.comm(), t.exe())));
        }
        return fresh;
    }

    private static ContidState roundTrip(ContidState s) {
        return ContidStateCodec.decode(ContidStateCodec.encode(s));
    }

    @Test
    void shouldReattachLabelsInheritUnseenForksAndDropDeadContainersOnce() {
        ContidFixture before = new ContidFixture();
        int orch = before.fork(1);
        int a = before.fork(orch);
        assertThat(before.set(orch, a, 1).isSuccess()).isTrue();
        int b = before.fork(a);
        assertThat(before.set(a, b, 2).isSuccess()).isTrue();
        int bt = before.thread(b);
        int d = before.fork(orch);
        assertThat(before.set(orch, d, 3).isSuccess()).isTrue();
        int p = before.fork(orch);
        assertThat(before.cap(orch, p, 1).isSuccess()).isTrue();
        long savedAt = before.ticks++;
        String file = ContidStateCodec.encode(before.registry.snapshot(ContidFixture.BOOT, savedAt));
        assertThat(file).contains("label " + b + ":" + before.start(b) + " 2\n")
                .contains("label " + bt + ":" + before.start(bt) + " 2\n")
                .contains("capcontid " + p + ":" + before.start(p) + "\n");

        // The daemon is down: d exits, b forks e (unseen), d's pid comes back as a child of orch.
        long dStart = before.start(d);
        before.exit(d);
        int e = before.fork(b);
        before.forkAs(orch, d);
        assertThat(before.start(d)).isNotEqualTo(dStart);
        int late = before.fork(orch); // unlabelled orchestrator's new child

        ContidFixture after = new ContidFixture(scan(before.table, before.nowNs), ContidSettings.DEFAULTS);
        List<AuditEvent> drops = after.registry.reconcile(ContidStateCodec.decode(file), ContidFixture.BOOT,
                after.wallMs);

        assertThat(drops).hasSize(1);
        assertThat(drops.get(0).records().get(0).body()).isEqualTo("op=drop opid=" + d + " contid=-1 old-contid=3 res=1");
        assertThat(after.registry.chainOf(a)).isEqualTo("1");
        assertThat(after.registry.chainOf(b)).isEqualTo("2,^1");
        assertThat(after.registry.chainOf(bt)).isEqualTo("2,^1");
        assertThat(after.registry.chainOf(e)).as("forked while the daemon was down").isEqualTo("2,^1");
        assertThat(after.registry.chainOf(d)).as("a reused pid never inherits a dead task's ID").isNull();
        assertThat(after.registry.chainOf(late)).isNull();
        assertThat(after.registry.chainOf(orch)).isNull();
        assertThat(after.registry.object(3)).as("released, reusable").isNull();
        assertThat(after.registry.object(1).memberCount()).isEqualTo(1);
        assertThat(after.registry.object(2).memberCount()).isEqualTo(3);
        assertThat(after.task(p).capContid()).isTrue();
        assertThat(after.registry.object(2).owner()).isEqualTo(new TaskRef(a, after.start(a)));

        // Rules still hold after the restart: the owner may inject, others get ENOTUNIQ, drops keep counting.
        int a2 = after.fork(orch);
        assertThat(after.set(orch, a2, 1).isSuccess()).isTrue();
        int x = after.fork(1);
        int y = after.fork(x);
        assertThat(after.set(x, y, 2).errno()).isEqualTo(org.canister.core.Errno.ENOTUNIQ);
        assertThat(after.set(x, y, 3).isSuccess()).as("3 was released by the reconcile").isTrue();

        // A second restart produces no second drop for 3's first incarnation.
        long savedAt2 = after.ticks++;
        ContidState second = roundTrip(after.registry.snapshot(ContidFixture.BOOT, savedAt2));
        ContidFixture third = new ContidFixture(scan(after.table, after.nowNs), ContidSettings.DEFAULTS);
        assertThat(third.registry.reconcile(second, ContidFixture.BOOT, third.wallMs)).isEmpty();
        assertThat(third.registry.chainOf(y)).isEqualTo("3");
    }

    @Test
    void shouldKeepADroppedParentReservedAcrossARestart() {
        ContidFixture before = new ContidFixture();
        int orch = before.fork(1);
        int a = before.fork(orch);
        before.set(orch, a, 1);
        int b = before.fork(a);
        before.set(a, b, 2);
        before.exit(a);
        assertThat(before.registry.takePendingEvents(before.wallMs)).hasSize(1);
        ContidState saved = roundTrip(before.registry.snapshot(ContidFixture.BOOT, before.ticks++));
        assertThat(saved.objects()).extracting(ContidState.ObjectEntry::dropped).containsExactly(true, false);

        ContidFixture after = new ContidFixture(scan(before.table, before.nowNs), ContidSettings.DEFAULTS);
        assertThat(after.registry.reconcile(saved, ContidFixture.BOOT, after.wallMs))
                .as("1 was dropped before the save: no second record").isEmpty();
        assertThat(after.registry.object(1).isDropped()).isTrue();
        int t = after.fork(orch);
        assertThat(after.set(orch, t, 1).errno()).isEqualTo(org.canister.core.Errno.ENOTUNIQ);
        after.exit(b);
        assertThat(after.registry.takePendingEvents(after.wallMs)).hasSize(1);
        assertThat(after.registry.object(1)).isNull();
    }

    @Test
    void shouldEndEveryContainerAfterAReboot() {
        ContidFixture before = new ContidFixture();
        int orch = before.fork(1);
        int a = before.fork(orch);
        before.set(orch, a, 1);
        int b = before.fork(a);
        before.set(a, b, 2);
        int p = before.fork(orch);
        before.cap(orch, p, 1);
        ContidState saved = roundTrip(before.registry.snapshot(ContidFixture.BOOT, before.ticks++));

        // Same pids and start times by coincidence, another boot: nothing may match.
        ContidFixture after = new ContidFixture(scan(before.table, before.nowNs), ContidSettings.DEFAULTS);
        List<AuditEvent> drops = after.registry.reconcile(saved, "another-boot", after.wallMs);
        assertThat(drops).extracting(ev -> ev.records().get(0).body()).containsExactly(
                "op=drop opid=" + b + " contid=-1 old-contid=2,^1 res=1",
                "op=drop opid=" + a + " contid=-1 old-contid=1 res=1");
        assertThat(after.registry.chainOf(a)).isNull();
        assertThat(after.registry.chainOf(b)).isNull();
        assertThat(after.task(p).capContid()).isFalse();
        assertThat(after.registry.objects()).isEmpty();
    }
}
