package org.canister.daemon.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.canister.core.CanisterException;
import org.canister.core.Errno;
import org.canister.core.fs.Caller;
import org.canister.core.fs.ControlFs;
import org.canister.core.fs.SnapshotFile;
import org.canister.core.fs.StaticDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Mounts the control filesystem for real (needs root, /dev/fuse, libfuse3 and fusermount3). */
@Tag("root")
class FuseServerRootTest {
    private static final String STATUS = "{\"version\":\"test\",\"counters\":{\"writes\":3}}\n";

    private Path dir;
    private FuseServer server;
    private final RecordingFile control = new RecordingFile();
    private final RecordingFile xdev = new RecordingFile(Errno.EXDEV, null);
    private final RecordingFile badFlush = new RecordingFile(null, Errno.EINVAL);

    static void assumeFuse() {
        assumeTrue(FuseServer.effectiveUid() == 0, "needs root to mount with allow_other");
        assumeTrue(Files.exists(Path.of("/dev/fuse")), "needs /dev/fuse (modprobe fuse)");
        assumeTrue(Files.exists(Path.of(FuseServer.LIBFUSE)), "needs libfuse3 (apt-get install fuse3)");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/fusermount3")) || Files.isExecutable(Path.of("/bin/fusermount3")),
                "needs fusermount3 (apt-get install fuse3)");
    }

    @BeforeEach
    void mount() throws IOException {
        assumeFuse();
        dir = Files.createTempDirectory("canister-fuse-test");
        ControlFs fs = new ControlFs(StaticDirectory.builder()
                .put("status", SnapshotFile.readOnly(() -> STATUS))
                .put("test/control", control)
                .put("test/xdev", xdev)
                .put("test/badflush", badFlush)
                .build());
        server = FuseServer.mount(fs, dir.resolve("fs"));
    }

    @AfterEach
    void unmount() throws IOException {
        if (server != null) {
            Path mp = server.mountPoint();
            server.close();
            assertThat(FuseServer.isMounted(mp)).as("unmounted after close").isFalse();
        }
        if (dir != null) {
            Files.deleteIfExists(dir.resolve("fs"));
            Files.deleteIfExists(dir);
        }
    }

    private Path path(String rel) {
        return server.mountPoint().resolve(rel);
    }

    private static ProcResult sh(String script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return new ProcResult(p.pid(), p.exitValue(), out);
    }

    record ProcResult(long pid, int exit, String output) {
    }

    @Test
    void shouldServeStatusThroughTheMount() throws Exception {
        assertThat(Files.readString(path("status"))).isEqualTo(STATUS);
        ProcResult cat = sh("cat " + path("status"));
        assertThat(cat.exit()).isZero();
        assertThat(cat.output()).isEqualTo(STATUS);
        assertThat(server.atomicOTrunc()).isTrue();
        ProcResult ls = sh("ls -1 " + server.mountPoint() + " " + path("test"));
        assertThat(ls.output()).contains("status", "test", "control", "xdev", "badflush");
    }

    @Test
    void shouldSeeEchoRedirectAsTruncatingOpenThenWriteAndFlush() throws Exception {
        ProcResult r = sh("echo 12345 > " + path("test/control"));
        assertThat(r.exit()).as(r.output()).isZero();
        control.awaitRelease(5000);
        List<RecordingFile.Event> events = control.events();
        // The shell opens, dup2()s the fd onto stdout and closes the original: that close is a FLUSH
        // before any write, so control files must treat a flush with nothing pending as a no-op.
        assertThat(control.ops()).containsSubsequence("open", "truncate@0", "write@0:12345\\n", "flush", "release");
        assertThat(control.ops()).filteredOn(op -> !op.equals("flush"))
                .containsExactly("open", "truncate@0", "write@0:12345\\n", "release");
        assertThat(control.ops().subList(control.ops().size() - 2, control.ops().size())).containsExactly("flush", "release");
        assertThat(RecordingFile.truncatingOpen(events.get(0))).isTrue();
        // The writer is the shell itself (echo is a builtin): its pid is the process we started.
        Caller writer = events.stream().filter(e -> e.op().equals("write")).findFirst().orElseThrow().caller();
        assertThat(writer.tgid()).isEqualTo((int) r.pid());
        assertThat(writer.tid()).isEqualTo((int) r.pid());
        assertThat(writer.creds().euid()).isZero();
        assertThat(writer.initUserNs()).isTrue();
        assertThat(writer.startTime()).isPositive();
    }

    @Test
    void shouldSeeNonTruncatingWritesWithoutTruncate() throws Exception {
        ProcResult dd = sh("printf 777 | dd of=" + path("test/control") + " conv=notrunc status=none");
        assertThat(dd.exit()).as(dd.output()).isZero();
        control.awaitRelease(5000);
        // dd reopens of= onto stdout (open, dup2, close: the first flush), then writes without O_TRUNC.
        assertThat(control.ops()).filteredOn(op -> !op.equals("flush")).containsExactly("open", "write@0:777", "release");
        assertThat(control.ops()).endsWith("flush", "release");
        assertThat(RecordingFile.truncatingOpen(control.events().get(0))).isFalse();

        control.clear();
        try (FileChannel ch = FileChannel.open(path("test/control"), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap("42".getBytes(StandardCharsets.UTF_8)));
            ch.write(ByteBuffer.wrap("43".getBytes(StandardCharsets.UTF_8)));
        }
        control.awaitRelease(5000);
        assertThat(control.ops()).containsExactly("open", "write@0:42", "write@2:43", "flush", "release");
    }

    @Test
    void shouldIdentifyTheWritingThreadsProcessFromANonMainThread() throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<String> threadSelf = new AtomicReference<>();
        Thread writer = Thread.ofPlatform().name("writer").start(() -> {
            try {
                // "<tgid>/task/<tid>" of this very thread
                threadSelf.set(Files.readSymbolicLink(Path.of("/proc/thread-self")).toString());
            } catch (IOException e) {
                failure.set(e);
            }
            try (FileChannel ch = FileChannel.open(path("test/control"), StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(new byte[] {'1'}));
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        writer.join();
        assertThat(failure.get()).isNull();
        control.awaitRelease(5000);
        Caller caller = control.events().stream().filter(e -> e.op().equals("write")).findFirst().orElseThrow().caller();
        int jvm = (int) ProcessHandle.current().pid();
        assertThat(caller.tgid()).isEqualTo(jvm);
        assertThat(caller.tid()).as("a non-main thread has its own tid").isNotEqualTo(jvm);
        assertThat(threadSelf.get()).isEqualTo(jvm + "/task/" + caller.tid());
    }

    @Test
    void shouldReturnTheNodesErrnoFromWrite() throws Exception {
        ProcResult sh = sh("echo 1 > " + path("test/xdev"));
        assertThat(sh.exit()).as("dash reports any write error as 'I/O error' but fails").isNotZero();
        Process bash = new ProcessBuilder("bash", "-c", "echo 1 > " + path("test/xdev")).redirectErrorStream(true).start();
        String bashOut = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(bash.waitFor()).isNotZero();
        assertThat(bashOut).contains("Invalid cross-device link");

        ProcResult py = sh("python3 -c \"import os,sys\n"
                + "fd = os.open(sys.argv[1], os.O_WRONLY)\n"
                + "try:\n  os.write(fd, b'1')\n  print('no error')\n"
                + "except OSError as e:\n  print('errno', e.errno)\n"
                + "os.close(fd)\" " + path("test/xdev"));
        assertThat(py.output().trim()).isEqualTo("errno " + Errno.EXDEV.number());
    }

    @Test
    void shouldReturnTheFlushErrnoFromClose() throws Exception {
        ProcResult py = sh("python3 -c \"import os,sys\n"
                + "fd = os.open(sys.argv[1], os.O_WRONLY)\n"
                + "os.write(fd, b'1')\n"
                + "try:\n  os.close(fd)\n  print('no error')\n"
                + "except OSError as e:\n  print('errno', e.errno)\" " + path("test/badflush"));
        assertThat(py.output().trim()).isEqualTo("errno " + Errno.EINVAL.number());
    }

    @Test
    void shouldReportMissingNodesAndFilesAsDirectoriesWithLinuxErrnos() throws Exception {
        ProcResult py = sh("python3 -c \"import os,sys\n"
                + "for p in sys.argv[1:]:\n"
                + "  try:\n    os.open(p, os.O_RDONLY)\n    print('ok')\n"
                + "  except OSError as e:\n    print(e.errno)\" "
                + path("missing") + " " + path("status/x") + " " + path("status") + " " + server.mountPoint());
        assertThat(py.output().trim().split("\n"))
                .containsExactly(String.valueOf(Errno.ENOENT.number()), String.valueOf(Errno.ENOTDIR.number()), "ok", "ok");
        ProcResult write = sh("echo 1 > " + path("status"));
        assertThat(write.output()).contains("Permission denied");
    }

    @Test
    void shouldRefuseABusyMountPointAndASecondServer() throws Exception {
        ControlFs empty = new ControlFs(StaticDirectory.builder().build());
        assertThatThrownBy(() -> FuseServer.mount(empty, server.mountPoint()))
                .isInstanceOfSatisfying(CanisterException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EBUSY);
                    assertThat(e.getMessage()).contains("another canisterd");
                });
        Path tmpfs = dir.resolve("tmpfs");
        Files.createDirectories(tmpfs);
        assertThat(sh("mount -t tmpfs canister-test " + tmpfs).exit()).isZero();
        try {
            assertThatThrownBy(() -> FuseServer.mount(empty, tmpfs))
                    .isInstanceOfSatisfying(CanisterException.class, e -> {
                        assertThat(e.errno()).isEqualTo(Errno.EBUSY);
                        assertThat(e.getMessage()).contains("busy", "tmpfs");
                    });
        } finally {
            sh("umount " + tmpfs);
            Files.deleteIfExists(tmpfs);
        }
    }
}
