package org.canister.daemon.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.canister.core.CanisterException;
import org.canister.core.Errno;
import org.canister.core.fs.Caller;
import org.canister.linux.Libc;
import org.canister.linux.proc.ProcFs;
import org.junit.jupiter.api.Test;

/** Reads the real /proc of processes this test owns; needs no root. */
class CallerResolverTest {
    private final CallerResolver resolver = new CallerResolver();

    private static int tidOfThisThread() throws Exception {
        String self = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString(); // "<tgid>/task/<tid>"
        return Integer.parseInt(self.substring(self.lastIndexOf('/') + 1));
    }

    @Test
    void shouldMapAThreadToItsProcessAndReadItsIdentity() throws Exception {
        AtomicReference<Caller> seen = new AtomicReference<>();
        AtomicReference<Integer> tid = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                tid.set(tidOfThisThread());
                seen.set(resolver.resolve(tid.get()));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        t.join();
        Caller c = seen.get();
        int pid = (int) ProcessHandle.current().pid();
        assertThat(c.tid()).isEqualTo(tid.get()).isNotEqualTo(pid);
        assertThat(c.tgid()).isEqualTo(pid);
        assertThat(c.creds().euid()).isEqualTo(Libc.geteuid());
        byte[] stat = Files.readAllBytes(Path.of("/proc/self/stat"));
        assertThat(c.startTime()).isEqualTo(ProcFs.parseStartTime(stat, stat.length));
        long userNs = ProcFs.parseNamespaceLink(Files.readSymbolicLink(Path.of("/proc/self/ns/user")).toString());
        assertThat(c.userNs()).isEqualTo(userNs);
        assertThat(c.initUserNs()).isEqualTo(userNs == CallerResolver.PROC_USER_INIT_INO);
    }

    @Test
    void shouldIdentifyAChildProcessByItsOwnPid() throws Exception {
        Process sleep = new ProcessBuilder("sleep", "30").start();
        try {
            Caller c = resolver.resolve((int) sleep.pid());
            assertThat(c.tgid()).isEqualTo((int) sleep.pid());
            assertThat(c.tid()).isEqualTo((int) sleep.pid());
            byte[] stat = Files.readAllBytes(Path.of("/proc/" + sleep.pid() + "/stat"));
            assertThat(c.startTime()).isEqualTo(ProcFs.parseStartTime(stat, stat.length));
        } finally {
            sleep.destroyForcibly();
            sleep.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldReportAnExitedCallerWithEsrch() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor(10, TimeUnit.SECONDS);
        int dead = (int) p.pid();
        // The pid may be reused at once by someone else; only check when it was not.
        if (!Files.exists(Path.of("/proc/" + dead))) {
            assertThatThrownBy(() -> resolver.resolve(dead))
                    .isInstanceOfSatisfying(CanisterException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ESRCH));
        }
        assertThatThrownBy(() -> resolver.resolve(0))
                .isInstanceOfSatisfying(CanisterException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ESRCH));
    }

    @Test
    void shouldRejectACallerThatExitsWhileBeingIdentified() {
        int[] closed = {0};
        CallerResolver dying = new CallerResolver(Path.of("/proc"), new CallerResolver.Pidfds() {
            @Override
            public int open(int pid) {
                return CallerResolver.LIBC.open(pid);
            }

            @Override
            public boolean exited(int pidfd) {
                return true; // the process died between pidfd_open and the re-validation
            }

            @Override
            public void close(int pidfd) {
                closed[0]++;
                CallerResolver.LIBC.close(pidfd);
            }
        }, CallerResolver.PROC_USER_INIT_INO);
        int pid = (int) ProcessHandle.current().pid();
        assertThatThrownBy(() -> dying.resolve(pid))
                .isInstanceOfSatisfying(CanisterException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ESRCH));
        assertThat(closed[0]).as("the pidfd is closed on every path").isEqualTo(1);
    }

    @Test
    void shouldSeeAReapedProcessThroughItsPidfd() throws Exception {
        Process p = new ProcessBuilder("sleep", "30").start();
        int fd = CallerResolver.LIBC.open((int) p.pid());
        try {
            assertThat(CallerResolver.LIBC.exited(fd)).isFalse();
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            assertThat(CallerResolver.LIBC.exited(fd)).isTrue();
        } finally {
            CallerResolver.LIBC.close(fd);
        }
    }
}
