package org.canister.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.canister.daemon.config.CanisterConfig;
import org.canister.daemon.config.ConfigLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole daemon on the real kernel: proc connector in, FUSE out, on a fresh temporary mount. */
@Tag("root")
class DaemonRootTest {
    @TempDir
    Path dir;
    private Daemon daemon;
    private Path mount;

    @BeforeEach
    void start() throws Exception {
        Assumptions.assumeTrue(ProcessHandle.current().info().user().map("root"::equals).orElse(false), "needs root");
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/fuse")), "needs /dev/fuse");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/fusermount3")), "needs fusermount3 (apt-get install fuse3)");
        mount = dir.resolve("fs");
        CanisterConfig base = new ConfigLoader().loadEmbedded().withDaemon(mount, dir.resolve("state"), dir.resolve("log"))
                .withRunDir(dir.resolve("run"));
        // No kernel audit link: these tests are about the filesystem, and must not need the audit daemon slot.
        CanisterConfig cfg = base.withAudit(base.audit().withMode("off"));
        daemon = Daemon.start(cfg, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void shouldServeStatusWithFacilitiesAndCounters() throws Exception {
        String status = Files.readString(mount.resolve("status"));
        assertThat(status).contains("\"version\"").contains("\"proc connector\"").contains("\"live_processes\"");
        assertThat(status).contains("\"audit netlink\"").contains("\"FUSE\"");
    }

    @Test
    void shouldListOurOwnProcessAndItsThreads() throws Exception {
        long self = ProcessHandle.current().pid();
        try (var s = Files.list(mount.resolve("proc"))) {
            List<String> names = s.map(p -> p.getFileName().toString()).toList();
            assertThat(names).contains(Long.toString(self));
            assertThat(names).allMatch(n -> n.chars().allMatch(Character::isDigit));
        }
        try (var s = Files.list(mount.resolve("proc/" + self + "/task"))) {
            assertThat(s.count()).as("the JVM's threads").isGreaterThan(5);
        }
    }

    @Test
    void shouldShowSleepWithinMillisecondsAndDropItAfterExit() throws Exception {
        int rounds = 50;
        long[] appear = new long[rounds];
        long[] vanish = new long[rounds];
        for (int i = 0; i < rounds; i++) {
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder("sleep", "0.2").start();
            Path entry = mount.resolve("proc/" + p.pid());
            while (!Files.exists(entry)) {
                assertThat(System.nanoTime() - t0).as("sleep %d never appeared", p.pid()).isLessThan(5_000_000_000L);
                Thread.onSpinWait();
            }
            appear[i] = System.nanoTime() - t0;
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            long t1 = System.nanoTime();
            while (listed(p.pid())) {
                assertThat(System.nanoTime() - t1).as("sleep %d never disappeared", p.pid()).isLessThan(5_000_000_000L);
                Thread.onSpinWait();
            }
            vanish[i] = System.nanoTime() - t1;
        }
        Arrays.sort(appear);
        Arrays.sort(vanish);
        // Figures for the record: the 100 ms target is judged from these printed percentiles (CI log and
        // the issue note), never asserted, since a loaded machine must not fail a correctness test.
        System.out.printf("proc/ visibility over %d sleeps: appear p50=%.2f ms p99=%.2f ms; disappear p50=%.2f ms p99=%.2f ms%n",
                rounds, appear[rounds / 2] / 1e6, appear[rounds * 99 / 100] / 1e6,
                vanish[rounds / 2] / 1e6, vanish[rounds * 99 / 100] / 1e6);
    }

    private boolean listed(long pid) throws Exception {
        List<String> names = new ArrayList<>();
        try (var s = Files.list(mount.resolve("proc"))) {
            s.forEach(p -> names.add(p.getFileName().toString()));
        }
        return names.contains(Long.toString(pid));
    }

    @Test
    void shouldServePsTableWithHeaderAndOurPid() throws Exception {
        String ps = Files.readString(mount.resolve("ps"));
        assertThat(ps.lines().findFirst()).hasValue("PID\tPPID\tUID\tCOMM\tCONTID\tMNTNS\tCGROUP");
        assertThat(ps).contains("\n" + ProcessHandle.current().pid() + "\t");
    }

    @Test
    void shouldRefuseASecondDaemonOnTheSameMountWithAClearError() throws Exception {
        // Its own sockets and no audit link, so that the mount is what it trips over (a second daemon
        // would otherwise be refused earlier: audit.sock is served and the audit link held by the first).
        CanisterConfig base = new ConfigLoader().loadEmbedded().withDaemon(mount, dir.resolve("state2"), dir.resolve("log2"))
                .withRunDir(dir.resolve("run2"));
        CanisterConfig cfg = base.withAudit(base.audit().withMode("off"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Daemon.start(cfg,
                        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)))
                .isInstanceOf(Daemon.StartupException.class)
                .hasMessageContaining("cannot serve the control filesystem at " + mount);
        // the first daemon is untouched
        assertThat(Files.readString(mount.resolve("status"))).contains("\"version\"");
    }
}
