package org.canister.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void shouldLoadEmbeddedDefaults() throws Exception {
        CanisterConfig c = loader.loadEmbedded();
        assertThat(c.daemon().mount()).isEqualTo(Path.of("/run/canister/fs"));
        assertThat(c.daemon().stateDir()).isEqualTo(Path.of("/var/lib/canister"));
        assertThat(c.tasks().tombstoneGraceSeconds()).isEqualTo(30);
    }

    @Test
    void shouldNameUnknownKeyFileAndLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("canister.yaml");
        Files.writeString(f, "daemon:\n  mount: /tmp/x\n  stat-dir: /tmp/y\n");
        assertThatThrownBy(() -> loader.load(f))
                .isInstanceOf(ConfigLoader.ConfigException.class)
                .hasMessageContaining("'daemon.stat-dir'")
                .hasMessageContaining(f.toString())
                .hasMessageContaining("line 3")
                .hasMessageContaining("state-dir");
    }

    @Test
    void shouldRejectOutOfRangeValueWithLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, "daemon:\n  mount: /tmp/m\ntasks:\n  tombstone-grace-seconds: -5\n");
        assertThatThrownBy(() -> loader.load(f))
                .isInstanceOf(ConfigLoader.ConfigException.class)
                .hasMessageStartingWith("EINVAL")
                .hasMessageContaining("line 4")
                .hasMessageContaining("tombstone-grace-seconds must be between 0 and 3600");
    }

    @Test
    void shouldNameWrongValueKindWithoutJavaTypeNames(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, "tasks:\n  tombstone-grace-seconds: soon\n");
        assertThatThrownBy(() -> loader.load(f))
                .isInstanceOf(ConfigLoader.ConfigException.class)
                .hasMessageContaining("line 2")
                .hasMessageContaining("tasks.tombstone-grace-seconds")
                .hasMessageContaining("whole number")
                .hasMessageNotContaining("java.lang");
    }

    @Test
    void shouldReadTheNetfilterMarkConventionOffByDefaultAndOnFromAFile(@TempDir Path dir) throws Exception {
        assertThat(loader.loadEmbedded().audit().netfilterMarkNetns()).isFalse();
        assertThat(new CanisterConfig.Audit().netfilterMarkNetns()).isFalse();
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, "audit:\n  netfilter-mark-netns: true\n");
        CanisterConfig c = loader.load(f);
        assertThat(c.audit().netfilterMarkNetns()).isTrue();
        assertThat(c.audit().withMode("multicast").netfilterMarkNetns()).as("kept by the with* copies").isTrue();
        assertThat(c.audit().withNetfilterMarkNetns(false).netfilterMarkNetns()).isFalse();

        Files.writeString(f, "audit:\n  netfilter-mark-netns: sometimes\n");
        assertThatThrownBy(() -> loader.load(f)).isInstanceOf(ConfigLoader.ConfigException.class)
                .hasMessageContaining("audit.netfilter-mark-netns").hasMessageContaining("line 2");
    }

    @Test
    void shouldRejectMissingExplicitFile(@TempDir Path dir) {
        assertThatThrownBy(() -> loader.load(dir.resolve("nope.yaml")))
                .isInstanceOf(ConfigLoader.ConfigException.class)
                .hasMessageContaining("does not exist");
    }

    @Test
    void shouldLetFlagsOverrideFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, "daemon:\n  mount: /tmp/from-file\n  log-dir: /tmp/logs\n", StandardCharsets.UTF_8);
        CanisterConfig c = loader.load(f).withDaemon(Path.of("/tmp/from-flag"), null, null);
        assertThat(c.daemon().mount()).isEqualTo(Path.of("/tmp/from-flag"));
        assertThat(c.daemon().logDir()).isEqualTo(Path.of("/tmp/logs"));
        assertThat(c.daemon().stateDir()).isEqualTo(Path.of("/var/lib/canister"));
    }
}
