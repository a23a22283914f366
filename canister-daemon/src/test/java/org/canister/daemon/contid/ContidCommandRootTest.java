package org.canister.daemon.contid;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code canister contid set|get|capcontid} as a person runs them: from a shell, on a process that
 * shell started, each command a separate JVM (so its parent is the shell, as with the launcher's
 * {@code exec java}). Asserts exit status, output and the daemon's verdict in the log.
 */
@Tag("root")
class ContidCommandRootTest {
    @TempDir
    Path dir;
    private ContidRootFixture f;
    private String canister;

    @BeforeEach
    void start() throws Exception {
        f = ContidRootFixture.start(dir);
        // A stand-in for the launcher: `exec java ... Main "$@"`, so the JVM's parent is the calling shell.
        Path launcher = dir.resolve("canister");
        Files.writeString(launcher, "#!/bin/sh\nexec " + Path.of(System.getProperty("java.home"), "bin", "java")
                + " --enable-native-access=ALL-UNNAMED -XX:TieredStopAtLevel=1 -cp '" + System.getProperty("java.class.path")
                + "' org.canister.daemon.cli.Main \"$@\"\n");
        Files.setPosixFilePermissions(launcher, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        canister = launcher + " ";
    }

    @AfterEach
    void stop() {
        if (f != null) {
            f.close();
        }
    }

    /** Runs a shell script; returns "exit=<n>\n<stdout+stderr>". */
    private String sh(String script) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return "exit=" + p.exitValue() + "\n" + out;
    }

    @Test
    void shouldLabelAJobOfTheCallingShellReadItAndExplainRefusals() throws Exception {
        String id = Long.toString(ThreadLocalRandom.current().nextLong(1L << 40, 1L << 60));
        String m = " --mount " + f.mount;
        // The shell starts a job and labels it: the command acts for the shell, as `echo id > file` would.
        String out = sh("sleep 30 & pid=$!; "
                + "while [ ! -d " + f.mount + "/proc/$pid ]; do sleep 0.01; done; "
                + canister + "contid set $pid " + id + m + "; echo set=$?; "
                + canister + "contid get $pid" + m + "; echo get=$?; "
                + canister + "contid set $pid " + id + m + "; echo again=$?; "
                + canister + "contid set --self $pid 5" + m + "; echo self=$?; "
                + canister + "contid set $pid 12x" + m + "; echo junk=$?; "
                + canister + "contid capcontid $pid 1" + m + "; echo cap=$?; "
                + canister + "contid set 999999999 5" + m + "; echo nopid=$?; "
                + "echo pid=$pid; kill $pid");
        assertThat(out).contains("set=0\n").contains("\n" + id + "\nget=0\n");
        assertThat(out).contains("(EEXIST): process ").contains("again=1\n");
        // --self: the JVM itself is the writer, the job is its sibling: EXDEV (checked before EEXIST).
        assertThat(out).contains("(EXDEV): only an ancestor of process ").contains("self=1\n");
        assertThat(out).contains("(EINVAL): '12x' is not a container ID").contains("junk=1\n");
        assertThat(out).contains("cap=0\n");
        assertThat(out).contains("tracks no process 999999999").contains("nopid=2\n");
        long pid = Long.parseLong(out.replaceAll("(?s).*\npid=(\\d+)\n.*", "$1"));
        List<String> set = f.logMatching(s -> s.contains(" op=set opid=" + pid + " contid=" + id + " old-contid=-1 "));
        assertThat(set).hasSize(1);
        // The recorded orchestrator is the shell (the job's parent), not the command's JVM.
        assertThat(set.get(0)).contains(" comm=\"sh\" ").endsWith(" res=1 errno=0");
    }
}
