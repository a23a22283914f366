package org.canister.core.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.canister.core.CanisterException;
import org.canister.core.Errno;
import org.canister.core.task.Credentials;
import org.canister.core.task.Namespaces;
import org.canister.core.task.TaskEvent;
import org.canister.core.task.TaskSnapshot;
import org.canister.core.task.TaskTable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ProcDirectoryTest {
    private static final Credentials USER = new Credentials(1000, 1000, 1000, 1000, 0, 0);
    private static final Namespaces HOST = new Namespaces(11, 12, 13, 14, 15, 16, 17);

    /** Counts acquisitions and checks that providers are called without the lock. */
    private final ReentrantLock lock = new ReentrantLock() {
        private static final long serialVersionUID = 1L;

        @Override
        public void lock() {
            locks++;
            super.lock();
        }
    };
    private int locks;
    private final TaskTable tasks = new TaskTable(1_000);
    private final ProcDirectory proc = new ProcDirectory(tasks, lock);
    private final List<TaskRef> served = new ArrayList<>();
    private ControlFs fs;

    private void seed(int tid, int tgid, int ppid, long start) {
        tasks.apply(new TaskEvent.Refresh(0, new TaskSnapshot(tid, tgid, ppid, start, USER, HOST, "/a", "c" + tid, "/x")));
    }

    @BeforeEach
    void setUp() {
        seed(1, 1, 0, 1);
        seed(20, 20, 1, 5);
        seed(100, 100, 1, 10);
        seed(101, 100, 1, 11); // a thread of 100
        seed(102, 100, 1, 12); // another thread of 100
        proc.addTaskFile(new TaskFileProvider() {
            @Override
            public String name() {
                return "audit_containerid";
            }

            @Override
            public FileNode file(TaskRef task) {
                assertThat(lock.isHeldByCurrentThread()).as("providers run outside the model lock").isFalse();
                served.add(task);
                return SnapshotFile.readOnly(() -> Integer.toString(task.tid()));
            }
        });
        fs = new ControlFs(StaticDirectory.builder().put("proc", proc).build());
    }

    @Test
    void shouldListExactlyTheLiveThreadGroupLeadersInNumericOrder() {
        int before = locks;
        assertThat(proc.list()).containsExactly("1", "20", "100");
        assertThat(locks).as("the table is read under the model lock").isGreaterThan(before);
        assertThat(lock.isLocked()).isFalse();
    }

    @Test
    void shouldFindAnyLiveTidButNoNonPidNames() {
        assertThat(proc.lookup("100")).isInstanceOf(DirNode.class);
        assertThat(proc.lookup("101")).as("a thread, as /proc/<tid> works for threads").isInstanceOf(DirNode.class);
        for (String bad : new String[] {"0", "0100", "+100", "-1", "10a", "", "99999999999", "2147483648", "555"}) {
            assertThat(proc.lookup(bad)).as(bad).isNull();
        }
        assertThat(ProcDirectory.parsePid("2147483647")).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void shouldListTaskAndPerTaskFilesInPidDirectories() {
        DirNode pid = (DirNode) fs.resolve("/proc/100");
        assertThat(pid.list()).containsExactly("task", "audit_containerid");
        DirNode threads = (DirNode) fs.resolve("/proc/100/task");
        assertThat(threads.list()).containsExactly("100", "101", "102");
        DirNode thread = (DirNode) fs.resolve("/proc/100/task/101");
        assertThat(thread.list()).containsExactly("audit_containerid");
        assertThat(fs.resolve("/proc/100/task/101/task")).isNull();
        assertThat(fs.resolve("/proc/100/task/20")).as("not a thread of 100").isNull();
        assertThat(fs.resolve("/proc/101/task")).isInstanceOfSatisfying(DirNode.class,
                d -> assertThat(d.list()).as("a thread's task/ lists its whole group").containsExactly("100", "101", "102"));
        assertThat(fs.resolve("/proc/100/nope")).isNull();
    }

    @Test
    void shouldGiveProvidersTheIncarnationOfTheTaskTheyServe() {
        assertThat(fs.resolve("/proc/100/audit_containerid")).isInstanceOf(FileNode.class);
        assertThat(fs.resolve("/proc/100/task/102/audit_containerid")).isInstanceOf(FileNode.class);
        assertThat(served).containsExactly(new TaskRef(100, 100, 10), new TaskRef(102, 100, 12));
        assertThatThrownBy(() -> fs.resolve("/proc/100/audit_containerid/x"))
                .isInstanceOfSatisfying(CanisterException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOTDIR));
    }

    @Test
    void shouldForgetExitedProcessesAndNotConfuseAReusedPid() {
        DirNode old = (DirNode) fs.resolve("/proc/20");
        tasks.apply(new TaskEvent.Exit(5, 20, 20, 0));
        assertThat(proc.list()).containsExactly("1", "100");
        assertThat(fs.resolve("/proc/20")).isNull();
        assertThatThrownBy(old::list)
                .isInstanceOfSatisfying(CanisterException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
        assertThat(old.lookup("audit_containerid")).isNull();

        seed(20, 20, 1, 99); // the kernel hands pid 20 to a new process
        assertThat(proc.list()).containsExactly("1", "20", "100");
        assertThatThrownBy(old::list).as("the old directory named the previous incarnation")
                .isInstanceOfSatisfying(CanisterException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
        assertThat(((DirNode) fs.resolve("/proc/20")).list()).contains("task");
    }

    @Test
    void shouldDropExitedThreadsFromTheGroupListing() {
        tasks.apply(new TaskEvent.Exit(5, 101, 100, 0));
        assertThat(((DirNode) fs.resolve("/proc/100/task")).list()).containsExactly("100", "102");
        assertThat(fs.resolve("/proc/101")).isNull();
        assertThat(fs.resolve("/proc/100/task/101")).isNull();
    }

    @Test
    void shouldKeepAGroupWhoseLeaderExitedWhileThreadsRun() {
        tasks.apply(new TaskEvent.Exit(5, 100, 100, 0)); // pthread_exit in main: the group lives on
        assertThat(proc.list()).contains("100");
        DirNode pid = (DirNode) fs.resolve("/proc/100");
        assertThat(pid).isNotNull();
        assertThat(((DirNode) fs.resolve("/proc/100/task")).list()).containsExactly("101", "102");
    }

    @Test
    void shouldFollowForksIntoTheListing() {
        tasks.apply(new TaskEvent.Fork(7, 20, 20, 300, 300, 50));
        tasks.apply(new TaskEvent.Fork(8, 300, 300, 301, 300, 51));
        assertThat(proc.list()).containsExactly("1", "20", "100", "300");
        assertThat(((DirNode) fs.resolve("/proc/300/task")).list()).containsExactly("300", "301");
    }

    @Test
    void shouldRejectReservedOrDuplicatePerTaskFileNames() {
        assertThatThrownBy(() -> proc.addTaskFile(provider("task"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> proc.addTaskFile(provider("audit_containerid")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("twice");
        assertThatThrownBy(() -> proc.addTaskFile(provider("a/b"))).isInstanceOf(IllegalArgumentException.class);
        proc.addTaskFile(provider("audit_capcontainerid"));
        assertThat(proc.taskFileNames()).containsExactly("audit_containerid", "audit_capcontainerid");
        assertThat(((DirNode) fs.resolve("/proc/1")).list()).containsExactly("task", "audit_containerid", "audit_capcontainerid");
    }

    private static TaskFileProvider provider(String name) {
        return new TaskFileProvider() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public FileNode file(TaskRef task) {
                return SnapshotFile.readOnly(() -> "");
            }
        };
    }

    @Test
    void shouldTreatAGuessedStartTimeAsAnyIncarnation() {
        TaskRef guessed = new TaskRef(100, 100, -1);
        assertThat(guessed.sameIncarnation(tasks.task(100))).isTrue();
        assertThat(new TaskRef(100, 100, 10).matches(tasks.task(100))).isTrue();
        assertThat(new TaskRef(100, 100, 11).matches(tasks.task(100))).isFalse();
        assertThat(new TaskRef(100, 100, 10).matches(null)).isFalse();
    }
}
