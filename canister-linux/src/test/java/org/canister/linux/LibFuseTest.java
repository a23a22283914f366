package org.canister.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class LibFuseTest {

    @Test
    void shouldExplainAMissingLibraryWithThePathAndThePackage() {
        Path missing = Path.of("/nonexistent/libfuse3.so.3");
        assertThatThrownBy(() -> LibFuse.load(missing))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("/nonexistent/libfuse3.so.3")
                .hasMessageContaining("apt-get install libfuse3-3")
                .hasMessageContaining(LibFuse.PATH_PROPERTY);
    }

    @Test
    void shouldExplainALibraryWithoutFuseGetContext() {
        Path libc = Path.of("/lib/x86_64-linux-gnu/libc.so.6");
        assumeTrue(Files.exists(libc), "no glibc at " + libc);
        assertThatThrownBy(() -> LibFuse.load(libc))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("has no symbol fuse_get_context");
    }

    @Test
    void shouldBindFuseGetContextFromTheDebianPath() {
        assumeTrue(Files.exists(Path.of(LibFuse.DEFAULT_PATH)), "libfuse3 missing: apt-get install libfuse3-3");
        assertThat(LibFuse.load(Path.of(LibFuse.DEFAULT_PATH))).isNotNull();
        assertThat(LibFuse.unavailableReason()).isNull();
    }

    @Test
    void shouldDecodeStructFuseContextAtTheHeaderOffsets() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ctx = arena.allocate(40, 8);
            ctx.set(ValueLayout.JAVA_LONG, 0, 0xdeadbeefL); // struct fuse *
            ctx.set(ValueLayout.JAVA_INT, 8, 1000);
            ctx.set(ValueLayout.JAVA_INT, 12, 1001);
            ctx.set(ValueLayout.JAVA_INT, 16, 4242);
            ctx.set(ValueLayout.JAVA_LONG, 24, 0xcafeL); // private_data
            ctx.set(ValueLayout.JAVA_INT, 32, 022);
            assertThat(LibFuse.read(ctx)).isEqualTo(new FuseContext(1000, 1001, 4242, 022));
        }
    }
}
