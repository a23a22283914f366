package org.canister.daemon.contid;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.canister.core.Errno;
import org.canister.core.contid.ContidOutcome;
import org.canister.core.contid.ContidRegistry;
import org.canister.core.contid.LoginIds;
import org.canister.core.fs.Caller;
import org.canister.core.fs.TaskRef;
import org.canister.core.task.Credentials;
import org.canister.core.task.Namespaces;
import org.canister.core.task.TaskEvent;
import org.canister.core.task.TaskSnapshot;
import org.canister.core.task.TaskTable;
import org.canister.daemon.config.CanisterConfig;
import org.canister.daemon.config.ConfigLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service's wiring without a kernel: a task table driven by events, sets through the service as
 * the files make them, drops queued while exits are applied, the state saved and reconciled.
 */
class ContidServiceTest {
    private static final Credentials ROOT = new Credentials(0, 0, 0, 0, 0x1ff_ffff_ffffL, 0x1ff_ffff_ffffL);
    private static final Credentials NOBODY = new Credentials(65534, 65534, 65534, 65534, 0, 0x1ff_ffff_ffffL);
    private static final Namespaces NS = new Namespaces(4026531841L, 4026531840L, 4026531836L, 4026531837L,
            4026531838L, 4026531839L, 4026531835L);

    @TempDir
    Path dir;
    private final ReentrantLock lock = new ReentrantLock();
    private final ByteArrayOutputStream daemonLog = new ByteArrayOutputStream();
    private TaskTable table;
    private ContidService service;
    private long nowNs = 1_000;
    private long ticks = 1_000;

    @AfterEach
    void close() {
        if (service != null) {
            service.close();
        }
    }

    private CanisterConfig config() throws Exception {
        return new ConfigLoader().loadEmbedded().withDaemon(dir.resolve("fs"), dir.resolve("state"), dir.resolve("log"))
                .withRunDir(dir.resolve("run")).withMetrics(new CanisterConfig.Metrics(0, null));
    }

    private TaskTable table(int... pidAndParent) {
        TaskTable t = new TaskTable();
        t.apply(new TaskEvent.Refresh(nowNs++, new TaskSnapshot(1, 1, 0, 1, ROOT, NS, "/", "init", "/sbin/init")));
        for (int i = 0; i < pidAndParent.length; i += 2) {
            seed(t, pidAndParent[i], pidAndParent[i + 1]);
        }
        return t;
    }

    private void seed(TaskTable t, int pid, int ppid) {
        t.apply(new TaskEvent.Refresh(nowNs++, new TaskSnapshot(pid, pid, ppid, ticks + pid, ROOT, NS, "/",
                "p" + pid, "/usr/bin/p" + pid)));
    }

    private ContidService start(TaskTable t) throws Exception {
        table = t;
        service = ContidService.start(config(), t, lock, new PrintStream(daemonLog, true, StandardCharsets.UTF_8));
        return service;
    }

    private Caller caller(int pid, Credentials creds) {
        return new Caller(pid, pid, table.process(pid).startTime(), creds, 4026531837L, true);
    }

    private TaskRef ref(int tid) {
        lock.lock();
        try {
            return TaskRef.of(table.task(tid));
        } finally {
            lock.unlock();
        }
    }

    private void apply(TaskEvent e) {
        lock.lock();
        try {
            table.apply(e);
        } finally {
            lock.unlock();
        }
    }

    private List<String> log() throws Exception {
        assertThat(service.auditLog().flush(5000)).isTrue();
        try {
            return Files.readAllLines(dir.resolve("log/audit.log"));
        } catch (NoSuchFileException e) {
            return List.of();
        }
    }

    private String state() throws Exception {
        return Files.readString(dir.resolve("state/contid.state"));
    }

    @Test
    void shouldRecordTheSetSaveItSoonAndQueueTheDropOnceWhenTheLastMemberExits() throws Exception {
        start(table(100, 1, 101, 100));
        ContidOutcome o = service.set(caller(100, ROOT), LoginIds.UNSET, ref(101), 77, false);
        assertThat(o.isSuccess()).as(o.message()).isTrue();
        assertThat(log()).hasSize(2).first().asString()
                .startsWith("type=UNKNOWN[1020] msg=audit(").contains("op=set opid=101 contid=77 old-contid=-1 pid=100 ");
        long t0 = System.nanoTime();
        ContidRootFixture.await(() -> state().contains("label 101:"), "the label saved");
        assertThat((System.nanoTime() - t0) / 1_000_000).as("ms until saved").isLessThan(2_000);

        apply(new TaskEvent.Exit(nowNs++, 101, 101, 0));
        List<String> drops = log().stream().filter(l -> l.contains(" op=drop ")).toList();
        assertThat(drops).containsExactly(drops.get(0));
        assertThat(drops.get(0)).endsWith("op=drop opid=101 contid=-1 old-contid=77 res=1");
        ContidRootFixture.await(() -> !state().contains("object 77 "), "the released object saved");
        service.close();
        assertThat(Files.readAllLines(dir.resolve("log/audit.log")).stream().filter(l -> l.contains(" op=drop "))).hasSize(1);
    }

    @Test
    void shouldEmitTheDropOfAContainerThatEndedWhileStoppedOnceAfterRestart() throws Exception {
        start(table(100, 1, 101, 100));
        assertThat(service.set(caller(100, ROOT), LoginIds.UNSET, ref(101), 78, false).isSuccess()).isTrue();
        service.close();
        assertThat(state()).contains("label 101:");

        // The next start sees the same host without 101 (it exited while no daemon ran).
        start(table(100, 1));
        List<String> drops = log().stream().filter(l -> l.contains(" op=drop ")).toList();
        assertThat(drops).hasSize(1);
        assertThat(drops.get(0)).startsWith("type=UNKNOWN[1020] msg=audit(")
                .endsWith("): op=drop opid=101 contid=-1 old-contid=78 res=1");
        assertThat(state()).doesNotContain("object 78 ");
        service.close();
        start(table(100, 1));
        assertThat(log().stream().filter(l -> l.contains(" op=drop "))).hasSize(1);
    }

    @Test
    void shouldLetAPrivilegedHookActForItsRuntimeAndLabelEveryThreadOfTheInit() throws Exception {
        // runc (200) runs the hook (201) beside the container's init (202), which has three threads.
        start(table(200, 1, 201, 200, 202, 200, 300, 1));
        apply(new TaskEvent.Fork(nowNs++, 202, 202, 2021, 202, ticks + 2021));
        apply(new TaskEvent.Fork(nowNs++, 202, 202, 2022, 202, ticks + 2022));
        Caller hook = caller(201, ROOT);

        // The v11 file refuses both the sibling (EXDEV comes after EBUSY for the threads).
        assertThat(service.set(hook, LoginIds.UNSET, ref(202), 90, false).errno()).isEqualTo(Errno.EBUSY);
        // A hook without CAP_AUDIT_CONTROL is judged as itself: EPERM.
        assertThat(service.set(caller(201, NOBODY), LoginIds.UNSET, ref(202), 90, true).errno()).isEqualTo(Errno.EPERM);
        // A target that is not the runtime's child: judged as the hook itself, EXDEV.
        assertThat(service.set(hook, LoginIds.UNSET, ref(300), 90, true).errno()).isEqualTo(Errno.EXDEV);

        ContidOutcome o = service.set(hook, LoginIds.UNSET, ref(202), 90, true);
        assertThat(o.isSuccess()).as(o.message()).isTrue();
        lock.lock();
        try {
            for (int tid : new int[] {202, 2021, 2022}) {
                assertThat(ContidRegistry.chainOf(table.task(tid))).as("thread %d", tid).isEqualTo("90");
            }
            assertThat(service.registry().object(90).owner().pid()).as("the runtime owns it").isEqualTo(200);
        } finally {
            lock.unlock();
        }
        assertThat(log()).anySatisfy(l -> assertThat(l).contains("op=set opid=202 contid=90 old-contid=-1 pid=200 ")
                .contains(" comm=\"p200\" ").endsWith(" res=1 errno=0"));
        // capcontid through the runtime file: the same rule.
        assertThat(service.setCapContid(hook, ref(202), 1, true).isSuccess()).isTrue();
        assertThat(service.setCapContid(hook, ref(202), 1, false).errno()).isEqualTo(Errno.EXDEV);
    }

    @Test
    void shouldSetAnUnreadableStateAsideAndStartEmpty() throws Exception {
        Files.createDirectories(dir.resolve("state"));
        Files.writeString(dir.resolve("state/contid.state"), "canister-contid-state 1\nboot x\n");
        start(table(100, 1));
        assertThat(daemonLog.toString(StandardCharsets.UTF_8)).contains("is unreadable").contains("rejected-");
        try (var s = Files.list(dir.resolve("state"))) {
            assertThat(s.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("contid.state.rejected-"));
        }
        assertThat(state()).startsWith("canister-contid-state 1\n");
        java.util.Map<String, Object> counters = new java.util.LinkedHashMap<>();
        service.addCounters(counters);
        assertThat(counters.get("contid_state_rejected").toString()).contains("rejected-");
    }
}
