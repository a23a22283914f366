package org.canister.daemon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciConfigCommandTest {
    @TempDir
    Path bundle;
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void shouldAddBothHooksKeepOthersAndStayIdempotent() throws Exception {
        Files.writeString(bundle.resolve("config.json"), "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\"]},"
                + "\"hooks\":{\"poststop\":[{\"path\":\"/usr/bin/other\"}]}}");
        for (int i = 0; i < 2; i++) {
            assertThat(Main.execute("oci-config", bundle.toString(), "--mount", "/run/x/fs", "--contid", "42")).isZero();
        }
        JsonNode c = json.readTree(bundle.resolve("config.json").toFile());
        assertThat(c.at("/process/args/0").asText()).isEqualTo("sh");
        assertThat(c.at("/annotations/org.canister.contid").asText()).isEqualTo("42");
        JsonNode create = c.at("/hooks/createRuntime");
        assertThat(create).hasSize(1);
        assertThat(create.get(0).get("path").asText()).isEqualTo("/usr/local/bin/canister");
        assertThat(create.get(0).get("args").toString())
                .isEqualTo("[\"canister\",\"oci-hook\",\"--mount\",\"/run/x/fs\",\"createRuntime\"]");
        assertThat(create.get(0).get("timeout").asInt()).isEqualTo(30);
        JsonNode post = c.at("/hooks/poststop");
        assertThat(post).hasSize(2);
        assertThat(post.get(0).get("path").asText()).isEqualTo("/usr/bin/other");
        assertThat(post.get(1).get("args").get(4).asText()).isEqualTo("poststop");
    }

    @Test
    void shouldRefuseAMissingConfigAndAnUnsetContid() throws Exception {
        assertThat(Main.execute("oci-config", bundle.toString())).isEqualTo(2);
        Files.writeString(bundle.resolve("config.json"), "{}");
        assertThat(Main.execute("oci-config", bundle.toString(), "--contid", "18446744073709551615")).isEqualTo(2);
        assertThat(Main.execute("oci-config", bundle.toString(), "--contid", "x")).isEqualTo(2);
        assertThat(Files.readString(bundle.resolve("config.json"))).isEqualTo("{}");
    }
}
