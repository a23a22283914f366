package org.canister.daemon;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DaemonPreflightTest {
    @Test
    void shouldRefuseNonRootWithOneSentenceNamingTheFix(@TempDir Path dir) throws Exception {
        Path dev = Files.createFile(dir.resolve("fuse"));
        assertThatThrownBy(() -> Daemon.preflight(1000, dev))
                .isInstanceOf(Daemon.StartupException.class)
                .hasMessageContaining("must run as root")
                .hasMessageContaining("sudo ./canister run");
    }

    @Test
    void shouldRefuseMissingFuseDeviceNamingModprobe(@TempDir Path dir) {
        assertThatThrownBy(() -> Daemon.preflight(0, dir.resolve("no-such-fuse")))
                .isInstanceOf(Daemon.StartupException.class)
                .hasMessageContaining("does not exist")
                .hasMessageContaining("modprobe fuse");
    }

    @Test
    void shouldPassForRootWithFuseDevice(@TempDir Path dir) throws Exception {
        Path dev = Files.createFile(dir.resolve("fuse"));
        assertThatCode(() -> Daemon.preflight(0, dev)).doesNotThrowAnyException();
    }
}
