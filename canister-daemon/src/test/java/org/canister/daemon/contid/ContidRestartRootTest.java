package org.canister.daemon.contid;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.canister.daemon.Daemon;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restart without loss (spec req. 19, issue 3 item 4): a real daemon labels a real process, stops
 * (cleanly, as if killed without the save at close, or really killed with SIGKILL in a separate JVM),
 * the process exits while no daemon runs, and the next daemon writes its drop record exactly once.
 */
@Tag("root")
class ContidRestartRootTest {
    @TempDir
    Path dir;
    private ContidRootFixture f;
    private Process daemonJvm;
    private final String id = Long.toString(ThreadLocalRandom.current().nextLong(1L << 40, 1L << 60));

    @AfterEach
    void stop() throws Exception {
        if (daemonJvm != null && daemonJvm.isAlive()) {
            daemonJvm.destroyForcibly();
            daemonJvm.waitFor(10, TimeUnit.SECONDS);
        }
        if (f != null) {
            f.close();
        }
    }

    private List<String> drops() throws Exception {
        return f.logMatching(s -> s.contains(" op=drop ") && s.contains(" old-contid=" + id + " "));
    }

    /** Label a sleep child through the mount and wait until the saved state names it. */
    private Process labelledSleeper() throws Exception {
        Process p = f.spawn("sleep", "60");
        f.awaitTracked(p.pid());
        assertThat(ContidRootFixture.write(f.taskFile(p.pid(), ContidService.CONTAINERID_FILE), id)).isZero();
        Path state = f.stateDir.resolve("contid.state");
        ContidRootFixture.await(() -> Files.readString(state).contains("label " + p.pid() + ":"), "the label in " + state);
        return p;
    }

    private void exitWhileDown(Process p) throws Exception {
        f.killAndWait(p);
        assertThat(Files.exists(Path.of("/proc/" + p.pid()))).isFalse();
    }

    private void restartAndExpectOneDrop(Process p) throws Exception {
        f.startDaemon();
        List<String> d = f.awaitLog(s -> s.contains(" op=drop ") && s.contains(" old-contid=" + id + " "), "restart drop");
        assertThat(d).hasSize(1);
        assertThat(d.get(0)).endsWith("op=drop opid=" + p.pid() + " contid=-1 old-contid=" + id + " res=1");
        assertThat(f.daemon.statusJson()).contains("\"contid_restart_drops\" : 1");
        // Exactly once: a second restart has nothing left to drop.
        f.daemon.close();
        f.startDaemon();
        Thread.sleep(300);
        assertThat(drops()).hasSize(1);
        assertThat(ContidRootFixture.read(f.mount.resolve(ContidService.CONTAINERS_FILE))).doesNotContain(id + "\t");
    }

    @Test
    void shouldDropOnceAfterACleanStopWhenTheContainerEndedMeanwhile() throws Exception {
        f = ContidRootFixture.start(dir);
        Process p = labelledSleeper();
        f.daemon.close();
        exitWhileDown(p);
        assertThat(drops()).isEmpty();

        restartAndExpectOneDrop(p);
    }

    @Test
    void shouldDropOnceWhenTheDaemonStoppedWithoutItsCloseTimeSave() throws Exception {
        f = ContidRootFixture.start(dir);
        Process p = labelledSleeper();
        f.daemon.contid().skipSaveOnCloseForTest();
        f.daemon.close();
        exitWhileDown(p);

        restartAndExpectOneDrop(p);
    }

    @Test
    void shouldDropOnceAfterSigkillOfARealDaemonProcess() throws Exception {
        ContidRootFixture.assumeRootAndFuse();
        f = new ContidRootFixture(dir);
        Path cfg = dir.resolve("canister.yaml");
        Files.writeString(cfg, "tasks:\n  tombstone-grace-seconds: 30\naudit:\n  mode: off\nmetrics:\n  port: 0\n");
        daemonJvm = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "org.canister.daemon.cli.Main", "run", "--config", cfg.toString(), "--mount", f.mount.toString(),
                "--state-dir", f.stateDir.toString(), "--log-dir", f.logDir.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("daemon.out").toFile()).start();
        try {
            ContidRootFixture.await(() -> Files.readString(f.mount.resolve("status")).contains("\"contid_registered\""),
                    "the daemon in a separate JVM serving " + f.mount);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; its output: " + Files.readString(dir.resolve("daemon.out")), e);
        }
        Process p = labelledSleeper();

        daemonJvm.destroyForcibly(); // SIGKILL: no shutdown hook, no save at close, a dead FUSE mount left behind
        assertThat(daemonJvm.waitFor(10, TimeUnit.SECONDS)).isTrue();
        exitWhileDown(p);

        restartAndExpectOneDrop(p);
    }

    @Test
    void shouldNeverGiveAReusedPidTheLabelOfTheTaskThatHadIt() throws Exception {
        f = ContidRootFixture.start(dir);
        Process p = labelledSleeper();
        Process other = f.spawn("sleep", "60");
        f.awaitTracked(other.pid());
        f.daemon.close();
        exitWhileDown(p);
        // Stand for pid reuse: the saved label now names pid `other`, whose start time is not the saved one.
        Path state = f.stateDir.resolve("contid.state");
        String text = Files.readString(state);
        assertThat(text).contains("label " + p.pid() + ":");
        Files.writeString(state, text.replace("label " + p.pid() + ":", "label " + other.pid() + ":"));

        f.daemon = Daemon.start(f.config(), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertThat(ContidRootFixture.read(f.taskFile(other.pid(), ContidService.CONTAINERID_FILE)))
                .isEqualTo("18446744073709551615");
        assertThat(f.psRow(other.pid()).contid()).isEmpty();
        List<String> d = f.awaitLog(s -> s.contains(" op=drop ") && s.contains(" old-contid=" + id + " "), "drop");
        assertThat(d).hasSize(1);
    }
}
