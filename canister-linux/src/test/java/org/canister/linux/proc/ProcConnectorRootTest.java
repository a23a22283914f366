package org.canister.linux.proc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.canister.core.task.TaskEvent;
import org.canister.linux.Libc;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The proc connector against the running kernel, with real child processes. Needs root. */
@Tag("root")
class ProcConnectorRootTest {

    @BeforeEach
    void requireRoot() {
        assumeTrue(Libc.geteuid() == 0, "the proc connector needs root (CAP_NET_ADMIN); run the tests as root");
    }

    @Test
    void shouldReceiveForkExecAndExitOfARealProcess() throws Exception {
        try (ProcConnector connector = ProcConnector.open()) {
            assertThat(connector.receiveBufferBytes()).isGreaterThanOrEqualTo(ProcConnector.DEFAULT_RECEIVE_BUFFER);
            Process child = new ProcessBuilder("/bin/true").start();
            int pid = (int) child.pid();
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();

            List<TaskEvent> mine = new ArrayList<>();
            boolean fork = false;
            boolean exec = false;
            boolean exit = false;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            List<TaskEvent> batch = new ArrayList<>();
            while (!(fork && exec && exit) && System.nanoTime() < deadline) {
                batch.clear();
                assertThat(connector.poll(batch, 200)).isNotEqualTo(ProcConnector.OVERRUN);
                for (TaskEvent e : batch) {
                    switch (e) {
                        case TaskEvent.Fork f when f.childTgid() == pid -> {
                            mine.add(f);
                            fork = true;
                            assertThat(f.childTid()).isEqualTo(pid);
                            assertThat(f.parentTgid()).isEqualTo(Libc.getpid());
                            assertThat(f.childStartTime()).isEqualTo(-1L);
                        }
                        case TaskEvent.Exec x when x.tgid() == pid -> {
                            mine.add(x);
                            exec = true;
                        }
                        case TaskEvent.Exit x when x.tgid() == pid && x.tid() == pid -> {
                            mine.add(x);
                            exit = true;
                            assertThat(x.exitCode()).isZero();
                        }
                        default -> {
                            // another process on this machine
                        }
                    }
                }
            }
            assertThat(fork).as("fork event for pid %d, got %s", pid, mine).isTrue();
            assertThat(exec).as("exec event for pid %d, got %s", pid, mine).isTrue();
            assertThat(exit).as("exit event for pid %d, got %s", pid, mine).isTrue();
            // Kernel order: fork before exec before exit, on CLOCK_MONOTONIC timestamps.
            assertThat(mine.getFirst()).isInstanceOf(TaskEvent.Fork.class);
            assertThat(mine.getLast()).isInstanceOf(TaskEvent.Exit.class);
            assertThat(mine.getLast().timeNs()).isGreaterThanOrEqualTo(mine.getFirst().timeNs());
            assertThat(connector.spoofed()).isZero();
        }
    }

    @Test
    void shouldReportAnOverrunWhenTheReceiveBufferOverflowsAndKeepWorking() throws Exception {
        // The smallest buffer the kernel allows (SOCK_MIN_RCVBUF), then a burst of processes without
        // reading: the kernel drops events and reports ENOBUFS on the next receive.
        try (ProcConnector connector = ProcConnector.open(1, ProcConnector.DEFAULT_ACK_TIMEOUT_MS)) {
            List<Process> burst = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                burst.add(new ProcessBuilder("/bin/true").start());
            }
            for (Process p : burst) {
                assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            }
            List<TaskEvent> out = new ArrayList<>();
            int result = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (result != ProcConnector.OVERRUN && System.nanoTime() < deadline) {
                result = connector.poll(out, 100);
            }
            assertThat(result).isEqualTo(ProcConnector.OVERRUN);
            assertThat(connector.overruns()).isEqualTo(1);

            // After the overrun the socket still delivers. The buffer is so small that other processes on
            // the machine may overflow it again, so ask only that events keep arriving.
            Process after = new ProcessBuilder("/bin/true").start();
            after.waitFor(10, TimeUnit.SECONDS);
            boolean seen = false;
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!seen && System.nanoTime() < deadline) {
                out.clear();
                seen = connector.poll(out, 100) > 0;
            }
            assertThat(seen).as("events after the overrun").isTrue();
        }
    }

    @Test
    void shouldReturnZeroOnTimeoutAndRefuseUseAfterClose() {
        ProcConnector connector = ProcConnector.open();
        List<TaskEvent> out = new ArrayList<>();
        int n = connector.poll(out, 0);
        assertThat(n).isEqualTo(out.size());
        connector.close();
        connector.close(); // idempotent
        assertThatThrownBy(() -> connector.poll(out, 0)).isInstanceOf(IllegalStateException.class);
    }
}
