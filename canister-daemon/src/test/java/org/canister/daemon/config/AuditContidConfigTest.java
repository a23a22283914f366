package org.canister.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.canister.core.audit.CanisterTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditContidConfigTest {
    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void shouldDefaultToWhatStockAusearchCanSelect() throws Exception {
        CanisterConfig c = loader.loadEmbedded();
        assertThat(c.audit().logFile()).isEqualTo(Path.of("audit.log"));
        assertThat(c.audit().canisterNaming()).isEqualTo(CanisterTypes.Naming.UNKNOWN_NUMBERS);
        assertThat(c.audit().queueCapacity()).isEqualTo(65_536);
        assertThat(c.audit().fsyncIntervalMs()).isEqualTo(1000);
        assertThat(c.contid().stateFile()).isEqualTo(Path.of("contid.state"));
        assertThat(c.contid().runtimeFile()).isTrue();
        // withDaemon keeps the sections.
        assertThat(c.withDaemon(Path.of("/m"), null, null).audit()).isEqualTo(c.audit());
    }

    @Test
    void shouldAcceptNamesAndRejectOtherNamingsWithTheLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, "audit:\n  type-names: names\ncontid:\n  runtime-file: false\n");
        CanisterConfig c = loader.load(f);
        assertThat(c.audit().canisterNaming()).isEqualTo(CanisterTypes.Naming.NAMES);
        assertThat(c.contid().runtimeFile()).isFalse();

        Files.writeString(f, "audit:\n  type-names: numeric\n");
        assertThatThrownBy(() -> loader.load(f)).isInstanceOf(ConfigLoader.ConfigException.class)
                .hasMessageContaining("audit.type-names must be 'unknown-numbers'").hasMessageContaining("line");
    }
}
