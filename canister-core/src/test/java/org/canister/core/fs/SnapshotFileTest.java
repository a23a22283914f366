package org.canister.core.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.canister.core.CanisterException;
import org.canister.core.Errno;
import org.canister.core.task.Credentials;
import org.junit.jupiter.api.Test;

class SnapshotFileTest {
    private static final Caller ROOT = new Caller(100, 100, 1, new Credentials(0, 0, 0, 0, -1L, -1L), 1, true);

    @Test
    void shouldServeIncreasingOffsetsFromTheSnapshotTakenAtOpen() {
        AtomicInteger version = new AtomicInteger();
        SnapshotFile file = SnapshotFile.readOnly(() -> "{\"version\":" + version.incrementAndGet() + "}");
        OpenFile open = file.open(ROOT, OpenFlags.O_RDONLY);
        byte[] first = open.read(ROOT, 0, 5);
        version.addAndGet(100); // the model moves on between reads
        byte[] rest = open.read(ROOT, 5, 100);
        assertThat(new String(first, StandardCharsets.UTF_8) + new String(rest, StandardCharsets.UTF_8))
                .isEqualTo("{\"version\":1}");
        assertThat(open.read(ROOT, 13, 100)).isEmpty();
        assertThat(open.read(ROOT, 1000, 100)).isEmpty();
        // A new open sees the new state.
        OpenFile again = file.open(ROOT, OpenFlags.O_RDONLY);
        assertThat(new String(again.read(ROOT, 0, 100), StandardCharsets.UTF_8)).isEqualTo("{\"version\":102}");
    }

    @Test
    void shouldRefuseOpensForWritingWithEacces() {
        SnapshotFile file = SnapshotFile.readOnly(() -> "x");
        for (int flags : new int[] {OpenFlags.O_WRONLY, OpenFlags.O_RDWR, OpenFlags.O_WRONLY | OpenFlags.O_TRUNC}) {
            assertThatThrownBy(() -> file.open(ROOT, flags))
                    .isInstanceOfSatisfying(CanisterException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EACCES));
        }
    }

    @Test
    void shouldRejectWritesOnAReadOnlyHandleWithEinval() {
        OpenFile open = SnapshotFile.readOnly(() -> "x").open(ROOT, OpenFlags.O_RDONLY);
        assertThatThrownBy(() -> open.write(ROOT, 0, new byte[] {1}))
                .isInstanceOfSatisfying(CanisterException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
    }

    @Test
    void shouldEncodeUtf8AndReportMode() {
        SnapshotFile file = new SnapshotFile(0400, () -> "é");
        assertThat(file.mode()).isEqualTo(0400);
        assertThat(file.size()).isZero();
        assertThat(file.open(ROOT, 0).read(ROOT, 0, 10)).containsExactly(0xc3 - 256, 0xa9 - 256);
    }

    @Test
    void shouldClassifyOpenFlags() {
        assertThat(OpenFlags.readable(OpenFlags.O_RDONLY)).isTrue();
        assertThat(OpenFlags.writable(OpenFlags.O_RDONLY)).isFalse();
        assertThat(OpenFlags.writable(OpenFlags.O_RDWR)).isTrue();
        assertThat(OpenFlags.truncates(OpenFlags.O_WRONLY | OpenFlags.O_TRUNC | OpenFlags.O_CREAT)).isTrue();
        assertThat(OpenFlags.truncates(OpenFlags.O_RDONLY | OpenFlags.O_TRUNC)).isFalse();
        assertThat(OpenFlags.truncates(OpenFlags.O_WRONLY)).isFalse();
    }
}
