package org.canister.daemon.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.canister.core.CanisterException;
import org.canister.core.Errno;
import org.canister.core.fs.ControlFs;
import org.canister.core.fs.SnapshotFile;
import org.canister.core.fs.StaticDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A crashed or stopped daemon must not block the next start, and closing must unmount even while a
 * file is open (needs root, /dev/fuse, libfuse3, fusermount3).
 */
@Tag("root")
class FuseServerRecoveryRootTest {
    private final ControlFs fs = new ControlFs(StaticDirectory.builder()
            .put("status", SnapshotFile.readOnly(() -> "new daemon\n"))
            .build());
    private Path dir;
    private Path mp;
    private final List<Process> children = new ArrayList<>();
    private FuseServer server;

    @BeforeEach
    void setUp() throws IOException {
        FuseServerRootTest.assumeFuse();
        dir = Files.createTempDirectory("canister-fuse-recovery");
        mp = dir.resolve("fs");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (server != null) {
            server.close();
        }
        for (Process p : children) {
            p.destroyForcibly(); // SIGKILL ends a stopped process too
            p.waitFor(10, TimeUnit.SECONDS);
        }
        if (mp != null && FuseServer.isMounted(mp)) {
            new ProcessBuilder("fusermount3", "-u", "-z", mp.toString()).start().waitFor(10, TimeUnit.SECONDS);
        }
        if (mp != null) {
            assertThat(FuseServer.isMounted(mp)).isFalse();
            Files.deleteIfExists(mp);
            Files.deleteIfExists(dir);
        }
    }

    /** Start a separate JVM that mounts at {@link #mp} and wait until it has. */
    private Process startOldDaemon() throws IOException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), StaleMountChild.class.getName(), mp.toString())
                .redirectErrorStream(true).start();
        children.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        StringBuilder seen = new StringBuilder();
        while ((line = out.readLine()) != null) {
            seen.append(line).append('\n');
            if (line.equals("mounted")) {
                assertThat(Files.readString(mp.resolve("status"))).isEqualTo("old daemon\n");
                return p;
            }
        }
        throw new AssertionError("the child daemon did not mount:\n" + seen);
    }

    @Test
    void shouldRecoverTheDeadMountOfAKilledDaemon() throws Exception {
        Process old = startOldDaemon();
        old.destroyForcibly(); // SIGKILL: no unmount, the kernel aborts the connection
        assertThat(old.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(FuseServer.isMounted(mp)).as("the dead mount is still there").isTrue();
        assertThatThrownBy(() -> Files.readString(mp.resolve("status")))
                .isInstanceOf(IOException.class).hasMessageContaining("not connected");

        server = FuseServer.mount(fs, mp);
        assertThat(Files.readString(mp.resolve("status"))).isEqualTo("new daemon\n");
    }

    @Test
    void shouldRefuseALiveDaemonsMountAndRecoverAStoppedOne() throws Exception {
        Process old = startOldDaemon();
        assertThatThrownBy(() -> FuseServer.mount(fs, mp))
                .isInstanceOfSatisfying(CanisterException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBUSY));

        assertThat(new ProcessBuilder("kill", "-STOP", Long.toString(old.pid())).start().waitFor()).isZero();
        long start = System.nanoTime();
        server = FuseServer.mount(fs, mp);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(Files.readString(mp.resolve("status"))).isEqualTo("new daemon\n");
        assertThat(ms).as("the stopped daemon's mount is given up after the probe timeout").isLessThan(15_000);
    }

    @Test
    void shouldUnmountOnCloseEvenWithAFileOpen() throws Exception {
        server = FuseServer.mount(fs, mp);
        FileChannel open = FileChannel.open(mp.resolve("status"), StandardOpenOption.READ);
        try {
            ByteBuffer buf = ByteBuffer.allocate(64);
            assertThat(open.read(buf)).isPositive();
            long start = System.nanoTime();
            server.close();
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertThat(FuseServer.isMounted(mp)).isFalse();
            assertThat(ms).as("close does not wait for the open file").isLessThan(9_000);
            // The connection was aborted: the open file now fails with ENOTCONN.
            assertThatThrownBy(() -> open.read(ByteBuffer.allocate(8), 0))
                    .isInstanceOf(IOException.class).hasMessageContaining("not connected");
        } finally {
            try {
                open.close(); // its FLUSH fails with ENOTCONN too
            } catch (IOException expected) {
                // the descriptor is released all the same
            }
        }
        server = null;
    }
}
