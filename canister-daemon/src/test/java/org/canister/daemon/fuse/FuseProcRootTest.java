package org.canister.daemon.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.canister.core.fs.ControlFs;
import org.canister.core.fs.FileNode;
import org.canister.core.fs.ProcDirectory;
import org.canister.core.fs.PsTable;
import org.canister.core.fs.SnapshotFile;
import org.canister.core.fs.StaticDirectory;
import org.canister.core.fs.TaskFileProvider;
import org.canister.core.fs.TaskRef;
import org.canister.core.task.TaskTable;
import org.canister.linux.proc.ProcFs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code proc/} and {@code ps} through a real mount, over a TaskTable seeded by a real /proc scan
 * (needs root, /dev/fuse, libfuse3, fusermount3).
 */
@Tag("root")
class FuseProcRootTest {
    private final ReentrantLock lock = new ReentrantLock();
    private final TaskTable tasks = new TaskTable();
    private Path dir;
    private FuseServer server;
    private Process sleep;

    @BeforeEach
    void mount() throws IOException {
        FuseServerRootTest.assumeFuse();
        sleep = new ProcessBuilder("sleep", "60").start();
        rescan();
        ProcDirectory proc = new ProcDirectory(tasks, lock);
        proc.addTaskFile(new TaskFileProvider() {
            @Override
            public String name() {
                return "ident";
            }

            @Override
            public FileNode file(TaskRef task) {
                return SnapshotFile.readOnly(() -> task.tid() + " " + task.tgid() + " " + task.startTime() + "\n");
            }
        });
        ControlFs fs = new ControlFs(StaticDirectory.builder()
                .put("proc", proc)
                .put("ps", SnapshotFile.readOnly(new PsTable(tasks, lock)))
                .build());
        dir = Files.createTempDirectory("canister-fuse-proc");
        server = FuseServer.mount(fs, dir.resolve("fs"));
    }

    @AfterEach
    void unmount() throws Exception {
        if (server != null) {
            server.close();
            Files.deleteIfExists(dir.resolve("fs"));
            Files.deleteIfExists(dir);
        }
        if (sleep != null) {
            sleep.destroyForcibly();
            sleep.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** What the proc connector would keep current: here a fresh /proc scan applied to the table. */
    private void rescan() {
        try (ProcFs procFs = new ProcFs()) {
            List<org.canister.core.task.TaskSnapshot> all = procFs.scanAll();
            lock.lock();
            try {
                tasks.reconcile(all, System.nanoTime());
            } finally {
                lock.unlock();
            }
        }
    }

    private Set<String> list(Path p) throws IOException {
        try (Stream<Path> s = Files.list(p)) {
            Set<String> names = new HashSet<>();
            s.forEach(e -> names.add(e.getFileName().toString()));
            return names;
        }
    }

    @Test
    void shouldListLiveProcessLeadersButNotTheirThreads() throws Exception {
        Path proc = server.mountPoint().resolve("proc");
        Set<String> listed = list(proc);
        String jvm = Long.toString(ProcessHandle.current().pid());
        assertThat(listed).contains(jvm, Long.toString(sleep.pid()), "1");
        assertThat(listed).allSatisfy(n -> assertThat(ProcDirectory.parsePid(n)).as(n).isPositive());
        // Every listed name was a live leader at the scan: most still are (only exits since then differ).
        long stillAlive = listed.stream().filter(n -> Files.exists(Path.of("/proc", n))).count();
        assertThat(stillAlive).isGreaterThanOrEqualTo(listed.size() - 5);
        // Threads of this JVM (there are many) are never listed, but their directories resolve.
        Set<String> jvmThreads = list(Path.of("/proc/self/task"));
        jvmThreads.remove(jvm);
        assertThat(jvmThreads).isNotEmpty();
        String someThread = jvmThreads.stream().filter(t -> tasks.task(Integer.parseInt(t)) != null).findFirst().orElseThrow();
        assertThat(listed).doesNotContainAnyElementsOf(jvmThreads);
        assertThat(Files.isDirectory(proc.resolve(someThread))).isTrue();
        assertThat(list(proc.resolve(jvm).resolve("task"))).contains(jvm, someThread);
        assertThat(Files.readString(proc.resolve(jvm).resolve("task").resolve(someThread).resolve("ident")))
                .startsWith(someThread + " " + jvm + " ");
    }

    @Test
    void shouldShowAProcessOnlyWhileItLives() throws Exception {
        Path child = server.mountPoint().resolve("proc").resolve(Long.toString(sleep.pid()));
        assertThat(list(child)).containsExactlyInAnyOrder("task", "ident");
        assertThat(list(child.resolve("task"))).containsExactly(Long.toString(sleep.pid()));
        String ps = Files.readString(server.mountPoint().resolve("ps"));
        assertThat(PsTable.parse(ps)).anySatisfy(r -> {
            assertThat(r.pid()).isEqualTo((int) sleep.pid());
            assertThat(r.comm()).isEqualTo("sleep");
            assertThat(r.ppid()).isEqualTo((int) ProcessHandle.current().pid());
        });

        sleep.destroyForcibly();
        sleep.waitFor(10, TimeUnit.SECONDS);
        rescan();
        assertThat(Files.exists(child)).isFalse();
        try {
            Files.readString(child.resolve("ident"));
            throw new AssertionError("proc/<pid>/ident of an exited process must not open");
        } catch (NoSuchFileException expected) {
            // ENOENT, as /proc
        }
        assertThat(list(server.mountPoint().resolve("proc"))).doesNotContain(Long.toString(sleep.pid()));
    }
}
