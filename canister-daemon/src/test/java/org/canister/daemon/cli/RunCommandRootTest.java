package org.canister.daemon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code canister run} as a real process: a kill -9 leaves a dead FUSE mount that the next start
 * recovers by itself, and SIGTERM unmounts and exits 0.
 */
@Tag("root")
class RunCommandRootTest {
    @TempDir
    Path dir;
    private Path mount;
    private final List<Process> started = new ArrayList<>();

    @BeforeEach
    void check() {
        Assumptions.assumeTrue(ProcessHandle.current().info().user().map("root"::equals).orElse(false), "needs root");
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/fuse")), "needs /dev/fuse");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/fusermount3")), "needs fusermount3 (apt-get install fuse3)");
        mount = dir.resolve("fs");
    }

    @AfterEach
    void cleanup() throws Exception {
        for (Process p : started) {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
        if (isMounted()) {
            new ProcessBuilder("fusermount3", "-u", "-z", mount.toString()).start().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Process startDaemon(String name) throws IOException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "run", "--mount", mount.toString(),
                "--state-dir", dir.resolve("state").toString(), "--log-dir", dir.resolve("log").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
        started.add(p);
        return p;
    }

    private boolean serving() {
        try {
            return Files.readString(mount.resolve("status")).contains("\"version\"");
        } catch (IOException e) {
            return false;
        }
    }

    private boolean isMounted() throws IOException {
        String where = " " + mount + " ";
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream().anyMatch(l -> l.contains(where));
    }

    private void awaitServing(Process p, String name) throws Exception {
        for (int i = 0; i < 300 && !serving(); i++) {
            assertThat(p.isAlive()).as("daemon %s exited early:%n%s", name,
                    Files.readString(dir.resolve(name + ".log"))).isTrue();
            Thread.sleep(50);
        }
        assertThat(serving()).as("daemon %s serves %s", name, mount).isTrue();
    }

    @Test
    void shouldRecoverAfterKill9AndStopCleanlyOnSigterm() throws Exception {
        Process first = startDaemon("first");
        awaitServing(first, "first");
        first.destroyForcibly(); // SIGKILL: nothing is unmounted
        assertThat(first.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(isMounted()).as("the killed daemon left its mount").isTrue();
        assertThat(serving()).as("the dead mount serves nothing").isFalse();

        Process second = startDaemon("second");
        awaitServing(second, "second");
        assertThat(Files.readString(dir.resolve("second.log"))).contains("recovering a dead Canister mount");

        second.destroy(); // SIGTERM
        assertThat(second.waitFor(20, TimeUnit.SECONDS)).as("stopped on SIGTERM").isTrue();
        assertThat(second.exitValue()).as("clean stop exit status; log:%n%s",
                Files.readString(dir.resolve("second.log"))).isZero();
        assertThat(isMounted()).as("unmounted on SIGTERM").isFalse();
        assertThat(Files.readString(dir.resolve("second.log"))).contains("canister: stopped");
    }

    @Test
    void shouldExitNonZeroWithOneSentenceForAMistypedConfigKey() throws Exception {
        Path cfg = dir.resolve("bad.yaml");
        Files.writeString(cfg, "daemon:\n  mount: " + mount + "\n  logdir: /tmp\n");
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "run", "--config", cfg.toString())
                .redirectErrorStream(true).start();
        started.add(p);
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(out).contains("unknown config key 'daemon.logdir'").contains(cfg.toString()).contains("line 3");
        assertThat(isMounted()).isFalse();
    }
}
