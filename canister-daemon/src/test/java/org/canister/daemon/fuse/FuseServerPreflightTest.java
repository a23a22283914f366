package org.canister.daemon.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.canister.core.CanisterException;
import org.canister.core.Errno;
import org.canister.core.fs.ControlFs;
import org.canister.core.fs.StaticDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Refusals that happen before anything is mounted; no root needed. */
class FuseServerPreflightTest {
    private final ControlFs fs = new ControlFs(StaticDirectory.builder().build());

    @Test
    void shouldNameTheFixWhenDevFuseIsMissing(@TempDir Path dir) {
        assertThatThrownBy(() -> FuseServer.mount(fs, dir.resolve("fs"), () -> null,
                dir.resolve("no-dev-fuse"), Path.of(FuseServer.LIBFUSE)))
                .isInstanceOfSatisfying(CanisterException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ENOENT);
                    assertThat(e.getMessage()).contains("no-dev-fuse", "modprobe fuse", "--device /dev/fuse");
                });
        assertThat(dir.resolve("fs")).doesNotExist();
    }

    @Test
    void shouldNameThePackageWhenLibfuseIsMissing(@TempDir Path dir) {
        assertThatThrownBy(() -> FuseServer.mount(fs, dir.resolve("fs"), () -> null,
                Path.of("/dev/null"), dir.resolve("libfuse3.so.3")))
                .isInstanceOfSatisfying(CanisterException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ENOENT);
                    assertThat(e.getMessage()).contains("apt-get install fuse3");
                });
    }

    @Test
    void shouldCanonicaliseTheParentButKeepTheLeaf(@TempDir Path dir) throws Exception {
        Path link = dir.resolve("link");
        Files.createDirectories(dir.resolve("real"));
        Files.createSymbolicLink(link, dir.resolve("real"));
        assertThat(FuseServer.canonical(link.resolve("fs")))
                .isEqualTo(dir.toRealPath().resolve("real").resolve("fs"));
        assertThat(FuseServer.canonical(dir.resolve("missing/deeper/fs")))
                .isEqualTo(dir.resolve("missing/deeper/fs").toAbsolutePath().normalize());
    }
}
