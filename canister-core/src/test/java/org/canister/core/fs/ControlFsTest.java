package org.canister.core.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.canister.core.CanisterException;
import org.canister.core.Errno;
import org.junit.jupiter.api.Test;

class ControlFsTest {
    private final SnapshotFile status = SnapshotFile.readOnly(() -> "{}");
    private final SnapshotFile caphash = new SnapshotFile(0200, () -> "");
    private final ControlFs fs = new ControlFs(StaticDirectory.builder()
            .put("status", status)
            .put("dev/caphash", caphash)
            .build());

    @Test
    void shouldResolveRootFilesAndNestedFiles() {
        assertThat(fs.resolve("/")).isSameAs(fs.root());
        assertThat(fs.resolve("/status")).isSameAs(status);
        assertThat(fs.resolve("/dev/caphash")).isSameAs(caphash);
        assertThat(fs.resolve("/dev")).isInstanceOf(DirNode.class);
        assertThat(fs.resolve("/dev/")).isInstanceOf(DirNode.class);
    }

    @Test
    void shouldReturnNullForMissingComponents() {
        assertThat(fs.resolve("/nope")).isNull();
        assertThat(fs.resolve("/dev/nope")).isNull();
        assertThat(fs.resolve("/nope/deeper")).isNull();
    }

    @Test
    void shouldRejectTraversalThroughAFileWithEnotdir() {
        assertThatThrownBy(() -> fs.resolve("/status/x"))
                .isInstanceOfSatisfying(CanisterException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ENOTDIR);
                    assertThat(e.getMessage()).contains("/status");
                });
        assertThatThrownBy(() -> fs.resolve("/status/"))
                .isInstanceOfSatisfying(CanisterException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOTDIR));
    }

    @Test
    void shouldFollowDotAndDotDotLikePathResolution() {
        assertThat(fs.resolve("/dev/../status")).isSameAs(status);
        assertThat(fs.resolve("/./dev/./caphash")).isSameAs(caphash);
        assertThat(fs.resolve("/../../status")).isSameAs(status);
        assertThat(fs.resolve("//dev//caphash")).isSameAs(caphash);
    }

    @Test
    void shouldRejectOverlongNamesWithEnametoolong() {
        String longName = "x".repeat(256);
        assertThatThrownBy(() -> fs.resolve("/" + longName))
                .isInstanceOfSatisfying(CanisterException.class,
                        e -> assertThat(e.errno()).isEqualTo(Errno.ENAMETOOLONG));
        assertThat(fs.resolve("/" + "x".repeat(255))).isNull();
    }

    @Test
    void shouldRejectRelativePathsWithEinval() {
        assertThatThrownBy(() -> fs.resolve("status"))
                .isInstanceOfSatisfying(CanisterException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
    }

    @Test
    void shouldReportMissingNodeAsEnoentWhenExistenceIsRequired() {
        assertThatThrownBy(() -> fs.resolveExisting("/dev/missing"))
                .isInstanceOfSatisfying(CanisterException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ENOENT);
                    assertThat(e.getMessage()).contains("/dev/missing");
                });
        assertThat(fs.resolveExisting("/status")).isSameAs(status);
    }

    @Test
    void shouldRefuseCreationInStaticDirectoriesWithEacces() {
        assertThatThrownBy(() -> fs.root().create(null, "new", 0644))
                .isInstanceOfSatisfying(CanisterException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EACCES));
    }
}
