package org.canister.linux.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.canister.core.task.Credentials;
import org.canister.core.task.Namespaces;
import org.canister.core.task.TaskSnapshot;
import org.canister.linux.Libc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcFsTest {
    private static final int GONE = 0x3fffffff; // above PID_MAX_LIMIT: never a live task

    private final ProcFs proc = new ProcFs();

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        proc.close();
    }

    /** A stat line with the given comm; fields 3.. are state, ppid, then numbers up to field 52. */
    private static String statLine(int pid, String comm, char state, int ppid, long startTime) {
        StringBuilder s = new StringBuilder().append(pid).append(" (").append(comm).append(") ").append(state)
                .append(' ').append(ppid);
        for (int field = 5; field <= 52; field++) {
            s.append(' ').append(field == 22 ? startTime : field * 11L);
        }
        return s.append('\n').toString();
    }

    @Test
    void shouldParseStatWhoseCommHasSpacesAndParentheses() {
        String line = statLine(42, "a) S 1 (b c) R", 'S', 7, 123_456_789L);
        ProcStat stat = ProcFs.parseStat(line);
        assertThat(stat).isEqualTo(new ProcStat("a) S 1 (b c) R", 'S', 7, 123_456_789L));
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        assertThat(ProcFs.parseStartTime(b, b.length)).isEqualTo(123_456_789L);
    }

    @Test
    void shouldParseAnEmptyComm() {
        assertThat(ProcFs.parseStat(statLine(5, "", 'I', 2, 3))).isEqualTo(new ProcStat("", 'I', 2, 3));
    }

    @Test
    void shouldRejectStatLinesWithoutCommOrWithTooFewFields() {
        assertThatThrownBy(() -> ProcFs.parseStat("42 no comm here")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProcFs.parseStat("42 (x) S 1 2 3")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("42 (x) S 1 2 3");
    }

    private static final String STATUS = """
            Name:\tcat
            Umask:\t0022
            State:\tR (running)
            Tgid:\t17319
            Ngid:\t0
            Pid:\t17320
            PPid:\t17317
            TracerPid:\t0
            Uid:\t1000\t1001\t1002\t1003
            Gid:\t100\t101\t102\t103
            FDSize:\t256
            Groups:\t
            CapInh:\t0000000000000000
            CapPrm:\t000001ffffffffff
            CapEff:\t000001ffffffffff
            CapBnd:\t00000000a80425fb
            CapAmb:\t0000000000000000
            NoNewPrivs:\t0
            """;

    @Test
    void shouldParseTheStatusLinesCanisterNeeds() {
        ProcStatus s = ProcFs.parseStatus(STATUS);
        assertThat(s).isEqualTo(new ProcStatus(17319, 17317, 1000, 1001, 100, 101, 0x1ffffffffffL, 0xa80425fbL));
        assertThat(s.credentials()).isEqualTo(new Credentials(1000, 1001, 100, 101, 0x1ffffffffffL, 0xa80425fbL));
        assertThat(s.credentials().hasEffective(Credentials.CAP_AUDIT_CONTROL)).isTrue();
    }

    @Test
    void shouldLeaveMissingStatusFieldsUnknown() {
        assertThat(ProcFs.parseStatus("Name:\tx\nUid:\t4294967294\t0\t0\t0"))
                .isEqualTo(new ProcStatus(-1, -1, -2, 0, -1, -1, 0, 0));
    }

    @Test
    void shouldFindTheUnifiedHierarchyLineOfACgroupFile() {
        assertThat(ProcFs.parseCgroup("0::/system.slice/docker-abc.scope\n")).isEqualTo("/system.slice/docker-abc.scope");
        assertThat(ProcFs.parseCgroup("9:name=systemd:/\n4:memory:/x\n0::/\n")).isEqualTo("/");
        assertThat(ProcFs.parseCgroup("4:memory:/x\n1:cpu:/\n")).isEmpty();
        assertThat(ProcFs.parseCgroup("10::/not-zero\n")).isEmpty();
    }

    @Test
    void shouldParseNamespaceLinkInodes() {
        assertThat(ProcFs.parseNamespaceLink("net:[4026531840]")).isEqualTo(4026531840L);
        assertThat(ProcFs.parseNamespaceLink("cgroup:[4026531835]")).isEqualTo(4026531835L);
        assertThatThrownBy(() -> ProcFs.parseNamespaceLink("/usr/bin/java")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProcFs.parseNamespaceLink("net:[]")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldReadAnImitatedProcTreeExactly() throws IOException {
        Path task = Files.createDirectories(dir.resolve("300/task/301"));
        Files.createDirectories(dir.resolve("300/task/300"));
        Files.createDirectories(dir.resolve("self"));
        Files.writeString(task.resolve("stat"), statLine(301, "my (worker)", 'S', 1, 5555));
        Files.writeString(task.resolve("status"), STATUS.replace("Tgid:\t17319", "Tgid:\t300"));
        Files.writeString(task.resolve("cgroup"), "1:cpu:/\n0::/canister/c1\n");
        Path ns = Files.createDirectories(task.resolve("ns"));
        String[] types = {"mnt", "net", "pid", "user", "uts", "ipc", "cgroup"};
        for (int i = 0; i < types.length; i++) {
            Files.createSymbolicLink(ns.resolve(types[i]), Path.of(types[i] + ":[" + (4026531000L + i) + "]"));
        }
        Files.createSymbolicLink(task.resolve("exe"), Path.of("/usr/bin/worker"));
        try (ProcFs fake = new ProcFs(dir.toString())) {
            assertThat(fake.pids()).containsExactly(300);
            assertThat(fake.tids(300)).containsExactlyInAnyOrder(300, 301);
            assertThat(fake.tids(301)).isEmpty();
            assertThat(fake.startTime(300, 301)).isEqualTo(5555);
            assertThat(fake.read(300, 301)).isEqualTo(new TaskSnapshot(301, 300, 17317, 5555,
                    new Credentials(1000, 1001, 100, 101, 0x1ffffffffffL, 0xa80425fbL),
                    new Namespaces(4026531000L, 4026531001L, 4026531002L, 4026531003L, 4026531004L, 4026531005L,
                            4026531006L),
                    "/canister/c1", "my (worker)", "/usr/bin/worker"));
            assertThat(fake.read(300, 300)).as("a task whose files are gone").isNull();
        }
    }

    @Test
    void shouldReadThisProcessAsProcAndTheJdkSeeIt() throws Exception {
        int pid = Libc.getpid();
        int tid = Libc.gettid();
        TaskSnapshot me = proc.read(pid, tid);
        assertThat(me).isNotNull();
        Path base = Path.of("/proc/self/task/" + tid);
        String stat = Files.readString(base.resolve("stat"));
        String[] afterComm = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        assertThat(me.tid()).isEqualTo(tid);
        assertThat(me.tgid()).isEqualTo(pid);
        assertThat(me.ppid()).isEqualTo((int) ProcessHandle.current().parent().orElseThrow().pid());
        assertThat(me.startTime()).isEqualTo(Long.parseLong(afterComm[22 - 3]));
        assertThat(me.comm()).isEqualTo(Files.readString(base.resolve("comm")).strip());
        assertThat(me.exe()).isEqualTo(Files.readSymbolicLink(Path.of("/proc/self/exe")).toString());
        assertThat(me.ns().net()).isEqualTo(ProcFs.parseNamespaceLink(
                Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString()));
        assertThat(me.ns().mnt()).isEqualTo(ProcFs.parseNamespaceLink(
                Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")).toString()));
        assertThat(me.creds().euid()).isEqualTo(Libc.geteuid());
        String cgroupLine = Files.readAllLines(base.resolve("cgroup")).stream()
                .filter(l -> l.startsWith("0::")).findFirst().orElse("0::");
        assertThat(me.cgroup()).isEqualTo(cgroupLine.substring(3));
        assertThat(proc.startTime(pid, tid)).isEqualTo(me.startTime());
    }

    @Test
    void shouldReadAnotherThreadOfThisProcess() throws Exception {
        CompletableFuture<Integer> tidOf = new CompletableFuture<>();
        CountDownLatch done = new CountDownLatch(1);
        Thread t = Thread.ofPlatform().name("canister-t1").start(() -> {
            tidOf.complete(Libc.gettid());
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            int tid = tidOf.get(10, TimeUnit.SECONDS);
            assertThat(proc.tids(Libc.getpid())).contains(tid);
            TaskSnapshot s = proc.read(Libc.getpid(), tid);
            assertThat(s.tid()).isEqualTo(tid);
            assertThat(s.tgid()).isEqualTo(Libc.getpid());
            assertThat(s.comm()).isEqualTo("canister-t1"); // the JDK names native threads after Java threads
        } finally {
            done.countDown();
            t.join();
        }
    }

    @Test
    void shouldReadWhatExecChangesAsTheFullReadSeesIt() {
        int pid = Libc.getpid();
        int tid = Libc.gettid();
        TaskSnapshot full = proc.read(pid, tid);
        ProcExec x = proc.readExec(pid, tid, true);
        assertThat(x).isNotNull();
        assertThat(x.tid()).isEqualTo(tid);
        assertThat(x.tgid()).isEqualTo(full.tgid());
        assertThat(x.ppid()).isEqualTo(full.ppid());
        assertThat(x.startTime()).isEqualTo(full.startTime());
        assertThat(x.creds()).isEqualTo(full.creds());
        assertThat(x.exe()).isEqualTo(full.exe());
        ProcExec creds = proc.readExec(pid, tid, false);
        assertThat(creds.comm()).as("a uid/gid change keeps comm and exe: not read").isNull();
        assertThat(creds.exe()).isNull();
        assertThat(creds.creds()).isEqualTo(full.creds());
        assertThat(proc.readExec(GONE, GONE, true)).isNull();
    }

    @Test
    void shouldReadAnExecOfAnImitatedTreeAndRejectAZombie() throws IOException {
        Path task = Files.createDirectories(dir.resolve("300/task/301"));
        Files.writeString(task.resolve("stat"), statLine(301, "w", 'S', 1, 5555));
        Files.writeString(task.resolve("status"), STATUS.replace("Tgid:\t17319", "Tgid:\t300"));
        Files.createSymbolicLink(task.resolve("exe"), Path.of("/usr/bin/worker"));
        Path zombie = Files.createDirectories(dir.resolve("302/task/302"));
        Files.writeString(zombie.resolve("stat"), statLine(302, "z", 'Z', 1, 6666));
        Files.writeString(zombie.resolve("status"), STATUS);
        try (ProcFs fake = new ProcFs(dir.toString())) {
            assertThat(fake.readExec(300, 301, true)).isEqualTo(new ProcExec(301, 300, 17317, 5555,
                    new Credentials(1000, 1001, 100, 101, 0x1ffffffffffL, 0xa80425fbL), "w", "/usr/bin/worker"));
            assertThat(fake.readExec(302, 302, true)).as("a zombie has exited").isNull();
        }
    }

    @Test
    void shouldCompleteAnExecReadWithTheTablesNamespacesAndCgroupForTheSameIncarnationOnly() {
        Namespaces ns = new Namespaces(1, 2, 3, 4, 5, 6, 7);
        Credentials root = new Credentials(0, 0, 0, 0, 0x1ffffffffffL, 0x1ffffffffffL);
        org.canister.core.task.TaskTable table = new org.canister.core.task.TaskTable();
        table.apply(new org.canister.core.task.TaskEvent.Refresh(1,
                new TaskSnapshot(50, 50, 1, 700, root, ns, "/c1", "sh", "/bin/sh")));
        org.canister.core.task.Task t = table.task(50);
        Credentials user = new Credentials(1000, 1000, 1000, 1000, 0, 0x1ffffffffffL);
        ProcExec exec = new ProcExec(50, 50, 1, 700, user, "true", "/bin/true");
        assertThat(exec.sameIncarnation(t)).isTrue();
        assertThat(exec.toSnapshot(t)).isEqualTo(new TaskSnapshot(50, 50, 1, 700, user, ns, "/c1", "true", "/bin/true"));
        ProcExec setuid = new ProcExec(50, 50, 1, 700, user, null, null);
        assertThat(setuid.toSnapshot(t).comm()).isEqualTo("sh");
        assertThat(setuid.toSnapshot(t).exe()).isEqualTo("/bin/sh");
        assertThat(new ProcExec(50, 50, 1, 701, user, "true", "/bin/true").sameIncarnation(t))
                .as("a reused pid").isFalse();
        assertThat(new ProcExec(50, 49, 1, 700, user, "true", "/bin/true").sameIncarnation(t)).isFalse();
    }

    @Test
    void shouldReportGoneTasksAsNullAndMinusOne() {
        assertThat(proc.read(GONE, GONE)).isNull();
        assertThat(proc.startTime(GONE, GONE)).isEqualTo(-1);
        assertThat(proc.tids(GONE)).isEmpty();
    }

    @Test
    void shouldScanEveryProcessIncludingInitKernelThreadsAndThisThread() {
        int[] pids = proc.pids();
        assertThat(pids).contains(1, Libc.getpid());
        List<TaskSnapshot> all = proc.scanAll();
        assertThat(all).anyMatch(s -> s.tid() == Libc.gettid() && s.tgid() == Libc.getpid());
        assertThat(all).anyMatch(s -> s.tid() == 1 && s.ppid() == 0);
        assertThat(all).allMatch(s -> s.startTime() >= 0 && s.tgid() > 0 && s.creds().uid() >= 0);
        // kthreadd's children are kernel threads: no exe, but a comm (and namespaces, which only root
        // may read for tasks it does not own).
        assertThat(all).filteredOn(s -> s.ppid() == 2).isNotEmpty()
                .allMatch(s -> s.exe().isEmpty() && !s.comm().isEmpty())
                .allMatch(s -> Libc.geteuid() != 0 || s.ns().mnt() != 0);
        assertThat(all.size()).isGreaterThanOrEqualTo(pids.length / 2);
    }
}
