package org.canister.daemon.contid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.canister.core.CanisterException;
import org.canister.core.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciStateTest {
    @TempDir
    Path dir;

    private static OciState parse(String json) {
        return OciState.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldHashTheContainerIdAsDocumented() {
        // Values computed independently: int.from_bytes(sha256(id)[:8], 'big') & (2**63 - 1) in Python.
        assertThat(OciState.hash("probe1")).isEqualTo(1226596565244204114L);
        assertThat(OciState.hash("abc")).isEqualTo(4213142463398924266L);
        assertThat(OciState.hash("")).isEqualTo(7183457195969485844L);
    }

    @Test
    void shouldNeverHashToAnUnsetOrNegativeValue() {
        for (int i = 0; i < 10_000; i++) {
            long h = OciState.hash("container-" + i);
            assertThat(h).isPositive();
        }
    }

    @Test
    void shouldReadRuncCreateRuntimeState() {
        OciState s = parse("{\"ociVersion\":\"1.0.2-dev\",\"id\":\"probe1\",\"status\":\"creating\",\"pid\":3066,"
                + "\"bundle\":\"" + dir + "\"}");
        assertThat(s.id()).isEqualTo("probe1");
        assertThat(s.pid()).isEqualTo(3066);
        assertThat(s.status()).isEqualTo("creating");
        assertThat(s.contid()).isEqualTo(OciState.hash("probe1"));
    }

    @Test
    void shouldPreferTheAnnotationFromTheStateThenFromTheBundle() throws Exception {
        assertThat(parse("{\"id\":\"x\",\"pid\":5,\"annotations\":{\"org.canister.contid\":\"42\"}}").contid()).isEqualTo(42);
        Files.writeString(dir.resolve("config.json"), "{\"annotations\":{\"org.canister.contid\":\"77\"}}");
        assertThat(parse("{\"id\":\"x\",\"status\":\"stopped\",\"bundle\":\"" + dir + "\"}").contid()).isEqualTo(77);
        assertThat(parse("{\"id\":\"x\",\"annotations\":{\"other\":\"1\"}}").contid()).isEqualTo(OciState.hash("x"));
    }

    @Test
    void shouldRejectBadAnnotationsAndBadStateWithASentence() {
        assertThatThrownBy(() -> parse("{\"id\":\"x\",\"annotations\":{\"org.canister.contid\":\"12x\"}}").contid())
                .isInstanceOf(CanisterException.class).hasMessageContaining("org.canister.contid")
                .extracting(e -> ((CanisterException) e).errno()).isEqualTo(Errno.EINVAL);
        assertThatThrownBy(() -> parse("{\"id\":\"x\",\"annotations\":{\"org.canister.contid\":\"18446744073709551615\"}}").contid())
                .hasMessageContaining("unset");
        assertThatThrownBy(() -> parse("{\"id\":\"x\",\"annotations\":{\"org.canister.contid\":\"99999999999999999999\"}}").contid())
                .extracting(e -> ((CanisterException) e).errno()).isEqualTo(Errno.ERANGE);
        assertThatThrownBy(() -> parse("not json")).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> parse("")).hasMessageContaining("no OCI state");
        assertThatThrownBy(() -> parse("{\"pid\":1}")).hasMessageContaining("no container id");
    }
}
