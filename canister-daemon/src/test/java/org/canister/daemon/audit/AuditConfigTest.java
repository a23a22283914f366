package org.canister.daemon.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.canister.core.audit.CanisterTypes;
import org.canister.daemon.config.CanisterConfig;
import org.canister.daemon.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditConfigTest {
    @TempDir
    Path dir;
    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void shouldDefaultToAUnicastDaemonThatNeverStallsAuditedProcesses() throws Exception {
        CanisterConfig.Audit a = loader.loadEmbedded().audit();
        assertThat(a.mode()).isEqualTo("unicast");
        assertThat(a.backlogWaitTime()).isZero();
        assertThat(a.backlogLimit()).isEqualTo(8192);
        assertThat(a.rulesFile()).isEqualTo(Path.of("/etc/canister/audit.rules"));
        assertThat(a.canisterNaming()).isEqualTo(CanisterTypes.Naming.UNKNOWN_NUMBERS);
        assertThat(a.lostPollMs()).isLessThanOrEqualTo(5000);
        assertThat(loader.loadEmbedded().metrics().port()).isEqualTo(9465);
        assertThat(loader.loadEmbedded().metrics().bind()).isEqualTo("127.0.0.1");
        assertThat(LogPolicy.of(a)).isEqualTo(new LogPolicy(8L << 20, 5, LogPolicy.MaxAction.ROTATE, 75L << 20,
                LogPolicy.SpaceAction.SYSLOG, LogPolicy.FullAction.SUSPEND, 256L << 10, 1L << 20));
    }

    @Test
    void shouldRejectABadFilterRuleWithEinvalAndItsLine() throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, "audit:\n  filters:\n    - \"drop contid=42\"\n    - \"drop contid>42\"\n");
        assertThatThrownBy(() -> loader.load(f))
                .isInstanceOf(ConfigLoader.ConfigException.class)
                .hasMessageContaining("audit.filters line 2")
                .hasMessageContaining("contid takes only = and !=")
                .hasMessageContaining("EINVAL");
    }

    @Test
    void shouldLoadFiltersAndSinkSettings() throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, """
                audit:
                  mode: multicast
                  filters: ["drop type=PROCTITLE", "keep contid=7"]
                  container-logs:
                    ancestors: true
                  socket:
                    client-queue: 64
                    filters: ["drop uid>=1000"]
                  max-log-file-action: keep_logs
                  disk-full-action: ignore
                metrics:
                  port: 0
                """);
        CanisterConfig c = loader.load(f);
        assertThat(c.audit().mode()).isEqualTo("multicast");
        assertThat(c.audit().filters()).hasSize(2);
        assertThat(c.audit().containerLogs().ancestors()).isTrue();
        assertThat(c.audit().socket().clientQueue()).isEqualTo(64);
        assertThat(LogPolicy.of(c.audit()).maxAction()).isEqualTo(LogPolicy.MaxAction.KEEP_LOGS);
        assertThat(LogPolicy.of(c.audit()).diskFullAction()).isEqualTo(LogPolicy.FullAction.IGNORE);
        assertThat(c.metrics().port()).isZero();
    }

    @Test
    void shouldNameAWrongModeAndItsChoices() throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, "audit:\n  mode: broadcast\n");
        assertThatThrownBy(() -> loader.load(f))
                .isInstanceOf(ConfigLoader.ConfigException.class)
                .hasMessageContaining("audit.mode must be one of unicast, multicast, off, not 'broadcast'");
    }
}
