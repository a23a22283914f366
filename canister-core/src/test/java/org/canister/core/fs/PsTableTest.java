package org.canister.core.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.canister.core.CanisterException;
import org.canister.core.Errno;
import org.canister.core.task.Credentials;
import org.canister.core.task.Namespaces;
import org.canister.core.task.TaskEvent;
import org.canister.core.task.TaskSnapshot;
import org.canister.core.task.TaskTable;
import org.junit.jupiter.api.Test;

class PsTableTest {
    private final TaskTable tasks = new TaskTable(1_000);
    private final PsTable ps = new PsTable(tasks, new ReentrantLock());

    private void seed(int tid, int tgid, int ppid, int euid, long mntns, String comm, String cgroup) {
        tasks.apply(new TaskEvent.Refresh(0, new TaskSnapshot(tid, tgid, ppid, tid, new Credentials(euid, euid, 0, 0, 0, 0),
                new Namespaces(mntns, 0, 0, 0, 0, 0, 0), cgroup, comm, "/x")));
    }

    @Test
    void shouldListLiveProcessesSortedByPidWithoutThreads() {
        seed(1, 1, 0, 0, 4026531841L, "systemd", "/init.scope");
        seed(300, 300, 1, 1000, 4026532000L, "bash", "/user.slice");
        seed(301, 300, 1, 1000, 4026532000L, "bash", "/user.slice"); // thread
        seed(42, 42, 1, 0, 4026531841L, "sshd", "/system.slice/ssh.service");
        assertThat(ps.get()).isEqualTo(PsTable.HEADER + "\n"
                + "1\t0\t0\tsystemd\t\t4026531841\t/init.scope\n"
                + "42\t1\t0\tsshd\t\t4026531841\t/system.slice/ssh.service\n"
                + "300\t1\t1000\tbash\t\t4026532000\t/user.slice\n");
        tasks.apply(new TaskEvent.Exit(5, 42, 42, 0));
        assertThat(PsTable.parse(ps.get())).extracting(PsTable.Row::pid).containsExactly(1, 300);
    }

    @Test
    void shouldEscapeSeparatorsAndRoundTripThroughParse() {
        seed(7, 7, 1, 0, 0, "a\tb\\c\nd", "/weird dir/x\ty");
        String text = ps.get();
        assertThat(text.lines()).hasSize(2);
        List<PsTable.Row> rows = PsTable.parse(text);
        assertThat(rows).containsExactly(new PsTable.Row(7, 1, 0, "a\tb\\c\nd", "", 0, "/weird dir/x\ty"));
        assertThat(text).contains("\t-\t"); // unknown mount namespace
    }

    @Test
    void shouldFillTheContidColumnWhenPluggedIn() {
        seed(7, 7, 1, 0, 5, "runc", "/c");
        ps.setContidColumn(t -> t.tid() == 7 ? "4,^2,^1" : "");
        assertThat(PsTable.parse(ps.get()).get(0).contid()).isEqualTo("4,^2,^1");
    }

    @Test
    void shouldRejectTextThatIsNotAPsTable() {
        assertThatThrownBy(() -> PsTable.parse("PID PPID\n1 0\n"))
                .isInstanceOfSatisfying(CanisterException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        assertThatThrownBy(() -> PsTable.parse(PsTable.HEADER + "\n1\t0\n"))
                .isInstanceOfSatisfying(CanisterException.class, e -> assertThat(e.getMessage()).contains("columns"));
        assertThatThrownBy(() -> PsTable.parse(PsTable.HEADER + "\nx\t0\t0\tc\t\t1\t/\n"))
                .isInstanceOfSatisfying(CanisterException.class, e -> assertThat(e.getMessage()).contains("number"));
    }
}
