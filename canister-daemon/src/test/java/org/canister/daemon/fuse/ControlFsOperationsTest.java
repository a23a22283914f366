package org.canister.daemon.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.canister.core.CanisterException;
import org.canister.core.Errno;
import org.canister.core.fs.Caller;
import org.canister.core.fs.ControlFs;
import org.canister.core.fs.DirNode;
import org.canister.core.fs.FileNode;
import org.canister.core.fs.Node;
import org.canister.core.fs.OpenFile;
import org.canister.core.fs.OpenFlags;
import org.canister.core.fs.SnapshotFile;
import org.canister.core.fs.StaticDirectory;
import org.canister.core.task.Credentials;
import org.canister.daemon.fuse.FakeFuse.FakeConnInfo;
import org.canister.daemon.fuse.FakeFuse.FakeFileInfo;
import org.canister.daemon.fuse.FakeFuse.FakeFiller;
import org.canister.daemon.fuse.FakeFuse.FakeStat;
import org.canister.daemon.fuse.FakeFuse.FakeStatvfs;
import org.cryptomator.jfuse.api.FuseConnInfo;
import org.junit.jupiter.api.Test;

class ControlFsOperationsTest {
    private static final Caller CALLER = new Caller(4242, 4240, 77, new Credentials(1000, 1000, 1000, 1000, 0, 0), 99, false);
    private static final Instant MOUNTED = Instant.parse("2026-01-02T03:04:05Z");

    private final RecordingFile control = new RecordingFile();
    private final RecordingFile xdev = new RecordingFile(Errno.EXDEV, Errno.EINVAL);
    private final FileNode broken = new FileNode() {
        @Override
        public int mode() {
            return 0644;
        }

        @Override
        public OpenFile open(Caller caller, int flags) {
            return new OpenFile() {
                @Override
                public int write(Caller c, long offset, byte[] data) {
                    throw new IllegalStateException("a bug in a control file");
                }

                @Override
                public void release() {
                    throw new IllegalStateException("release fails too");
                }
            };
        }
    };
    private final RecordingFile created = new RecordingFile();
    private final DirNode keys = new DirNode() {
        @Override
        public List<String> list() {
            return List.of();
        }

        @Override
        public Node lookup(String name) {
            return null;
        }

        @Override
        public FileNode create(Caller caller, String name, int mode) {
            if (!name.endsWith(".pem")) {
                throw new CanisterException(Errno.EINVAL, "keys are named *.pem");
            }
            return created;
        }
    };
    private final ControlFs fs = new ControlFs(StaticDirectory.builder()
            .put("status", SnapshotFile.readOnly(() -> "{\"ok\":true}"))
            .put("test/control", control)
            .put("test/xdev", xdev)
            .put("test/broken", broken)
            .put("keys", keys)
            .build());
    private final ControlFsOperations ops = new ControlFsOperations(fs, () -> CALLER, null, MOUNTED);

    private FakeFileInfo open(String path, int flags) {
        FakeFileInfo fi = new FakeFileInfo(flags);
        assertThat(ops.open(path, fi)).isZero();
        return fi;
    }

    private int write(String path, FakeFileInfo fi, String text, long offset) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return ops.write(path, ByteBuffer.wrap(b), b.length, offset, fi);
    }

    @Test
    void shouldReportDirectoriesAndFilesWithTheirModes() {
        FakeStat dir = new FakeStat();
        assertThat(ops.getattr("/test", dir, null)).isZero();
        assertThat(dir.mode).isEqualTo(0040555);
        assertThat(dir.nlink).isEqualTo(2);
        FakeStat file = new FakeStat();
        assertThat(ops.getattr("/test/control", file, null)).isZero();
        assertThat(file.mode).isEqualTo(0100600);
        assertThat(file.size).isZero();
        assertThat(file.uid).isZero();
        assertThat(file.mtime.get()).isEqualTo(MOUNTED);
    }

    @Test
    void shouldTranslateResolutionErrorsToNegativeErrno() {
        assertThat(ops.getattr("/missing", new FakeStat(), null)).isEqualTo(-Errno.ENOENT.number());
        assertThat(ops.getattr("/status/x", new FakeStat(), null)).isEqualTo(-Errno.ENOTDIR.number());
        assertThat(ops.open("/test", new FakeFileInfo(0))).isEqualTo(-Errno.EISDIR.number());
        assertThat(ops.opendir("/status", new FakeFileInfo(0))).isEqualTo(-Errno.ENOTDIR.number());
        assertThat(ops.opendir("/test", new FakeFileInfo(0))).isZero();
        assertThat(ops.open("/status", new FakeFileInfo(OpenFlags.O_WRONLY))).isEqualTo(-Errno.EACCES.number());
    }

    @Test
    void shouldListDotEntriesAndChildren() {
        FakeFiller filler = new FakeFiller();
        assertThat(ops.readdir("/", filler, 0, null, 0)).isZero();
        assertThat(filler.names).containsExactly(".", "..", "status", "test", "keys");
        assertThat(ops.readdir("/status", new FakeFiller(), 0, null, 0)).isEqualTo(-Errno.ENOTDIR.number());
    }

    @Test
    void shouldTruncateAtOpenOnlyWhenOpenedWithOTrunc() {
        FakeFileInfo fi = open("/test/control", OpenFlags.O_WRONLY | OpenFlags.O_TRUNC);
        assertThat(write("/test/control", fi, "1\n", 0)).isEqualTo(2);
        assertThat(ops.flush("/test/control", fi)).isZero();
        assertThat(ops.release("/test/control", fi)).isZero();
        assertThat(control.ops()).containsExactly("open", "truncate@0", "write@0:1\\n", "flush", "release");

        control.clear();
        FakeFileInfo plain = open("/test/control", OpenFlags.O_WRONLY);
        assertThat(write("/test/control", plain, "1\n", 0)).isEqualTo(2);
        assertThat(ops.flush("/test/control", plain)).isZero();
        assertThat(ops.release("/test/control", plain)).isZero();
        assertThat(control.ops()).containsExactly("open", "write@0:1\\n", "flush", "release");
        assertThat(ops.openHandles()).isZero();
    }

    @Test
    void shouldSendFtruncateToTheOpenFileAndPathTruncateToAShortLivedOpen() {
        FakeFileInfo fi = open("/test/control", OpenFlags.O_RDWR);
        assertThat(ops.truncate("/test/control", 0, fi)).isZero();
        assertThat(control.ops()).containsExactly("open", "truncate@0");
        assertThat(ops.release("/test/control", fi)).isZero();

        control.clear();
        assertThat(ops.truncate("/test/control", 0, null)).isZero();
        assertThat(control.ops()).as("no flush: nothing is committed").containsExactly("open", "truncate@0", "release");
        assertThat(control.events().get(0).flags() & OpenFlags.O_ACCMODE).isEqualTo(OpenFlags.O_WRONLY);
        assertThat(ops.truncate("/status", 0, null)).isEqualTo(-Errno.EACCES.number());
        assertThat(ops.truncate("/test", 0, null)).isEqualTo(-Errno.EISDIR.number());
        assertThat(ops.openHandles()).isZero();
    }

    @Test
    void shouldReturnTheNodesErrnoFromWriteAndFlush() {
        FakeFileInfo fi = open("/test/xdev", OpenFlags.O_WRONLY);
        assertThat(write("/test/xdev", fi, "5", 0)).isEqualTo(-Errno.EXDEV.number());
        assertThat(ops.flush("/test/xdev", fi)).isEqualTo(-Errno.EINVAL.number());
        assertThat(ops.release("/test/xdev", fi)).isZero();
    }

    @Test
    void shouldTurnUnexpectedExceptionsIntoEioAndNeverFailRelease() {
        FakeFileInfo fi = open("/test/broken", OpenFlags.O_WRONLY);
        assertThat(write("/test/broken", fi, "x", 0)).isEqualTo(-Errno.EIO.number());
        assertThat(ops.read("/test/broken", ByteBuffer.allocate(8), 8, 0, fi)).isEqualTo(-Errno.EINVAL.number());
        assertThat(ops.release("/test/broken", fi)).isZero();
        assertThat(ops.openHandles()).isZero();
    }

    @Test
    void shouldRejectUnknownHandlesWithEbadf() {
        FakeFileInfo stale = new FakeFileInfo(0);
        stale.setFh(12345);
        assertThat(ops.read("/status", ByteBuffer.allocate(4), 4, 0, stale)).isEqualTo(-Errno.EBADF.number());
        assertThat(write("/test/control", stale, "x", 0)).isEqualTo(-Errno.EBADF.number());
        assertThat(ops.flush("/test/control", stale)).isEqualTo(-Errno.EBADF.number());
        assertThat(ops.release("/test/control", stale)).isZero();
    }

    @Test
    void shouldReadTheSnapshotInPiecesAndStopAtEndOfFile() {
        FakeFileInfo fi = open("/status", OpenFlags.O_RDONLY);
        ByteBuffer first = ByteBuffer.allocate(4);
        assertThat(ops.read("/status", first, 4, 0, fi)).isEqualTo(4);
        ByteBuffer rest = ByteBuffer.allocate(100);
        int n = ops.read("/status", rest, 100, 4, fi);
        assertThat(n).isEqualTo("{\"ok\":true}".length() - 4);
        assertThat(new String(first.array(), 0, 4, StandardCharsets.UTF_8) + new String(rest.array(), 0, n, StandardCharsets.UTF_8))
                .isEqualTo("{\"ok\":true}");
        assertThat(ops.read("/status", ByteBuffer.allocate(10), 10, 100, fi)).isZero();
        FakeStat st = new FakeStat();
        assertThat(ops.getattr("/status", st, fi)).isZero();
        assertThat(st.mode).isEqualTo(0100444);
        assertThat(ops.release("/status", fi)).isZero();
    }

    @Test
    void shouldCreateOnlyWhereTheDirectoryAllowsIt() {
        FakeFileInfo fi = new FakeFileInfo(OpenFlags.O_WRONLY | OpenFlags.O_CREAT);
        assertThat(ops.create("/keys/a.pem", 0644, fi)).isZero();
        assertThat(write("/keys/a.pem", fi, "PEM", 0)).isEqualTo(3);
        assertThat(ops.release("/keys/a.pem", fi)).isZero();
        assertThat(created.ops()).containsExactly("open", "write@0:PEM", "release");
        assertThat(ops.create("/keys/a.der", 0644, new FakeFileInfo(OpenFlags.O_WRONLY))).isEqualTo(-Errno.EINVAL.number());
        assertThat(ops.create("/test/new", 0644, new FakeFileInfo(OpenFlags.O_WRONLY))).isEqualTo(-Errno.EACCES.number());
        assertThat(ops.create("/status/new", 0644, new FakeFileInfo(OpenFlags.O_WRONLY))).isEqualTo(-Errno.ENOTDIR.number());
    }

    @Test
    void shouldPassTheCallerOfEachRequestToTheNode() {
        FakeFileInfo fi = open("/test/control", OpenFlags.O_WRONLY);
        write("/test/control", fi, "x", 0);
        ops.release("/test/control", fi);
        assertThat(control.events()).filteredOn(e -> !e.op().equals("release"))
                .allSatisfy(e -> assertThat(e.caller()).isEqualTo(CALLER));
    }

    @Test
    void shouldReportEsrchWhenTheCallerCannotBeIdentified() {
        ControlFsOperations gone = new ControlFsOperations(fs, () -> {
            throw new CanisterException(Errno.ESRCH, "caller exited");
        }, null, MOUNTED);
        assertThat(gone.open("/test/control", new FakeFileInfo(OpenFlags.O_WRONLY))).isEqualTo(-Errno.ESRCH.number());
        assertThat(gone.openHandles()).isZero();
        assertThat(gone.getattr("/test/control", new FakeStat(), null)).as("getattr needs no caller").isZero();
    }

    @Test
    void shouldRequestAtomicOTruncWhenTheKernelOffersIt() {
        FakeConnInfo conn = new FakeConnInfo(FuseConnInfo.FUSE_CAP_ATOMIC_O_TRUNC | FuseConnInfo.FUSE_CAP_ASYNC_READ);
        ops.init(conn, null);
        assertThat(conn.want & FuseConnInfo.FUSE_CAP_ATOMIC_O_TRUNC).isNotZero();
        assertThat(ops.atomicOTrunc()).isTrue();
        ControlFsOperations old = new ControlFsOperations(fs, () -> CALLER, null, MOUNTED);
        FakeConnInfo without = new FakeConnInfo(0);
        old.init(without, null);
        assertThat(without.want).isZero();
        assertThat(old.atomicOTrunc()).isFalse();
    }

    @Test
    void shouldDescribeAnEmptyFilesystemToStatfs() {
        FakeStatvfs v = new FakeStatvfs();
        assertThat(ops.statfs("/", v)).isZero();
        assertThat(v.nameMax).isEqualTo(255);
        assertThat(v.bsize).isEqualTo(4096);
        assertThat(v.blocks).isZero();
    }
}
