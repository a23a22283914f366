package org.canister.daemon.contid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonValueTest {
    @Test
    void shouldReadEveryKindOfValue() {
        Object v = JsonValue.parse(" {\"a\": [1, -2.5e1, true, false, null, \"x\\\"\\u00e9\\n\"], \"b\": {}, \"c\": []} ");
        assertThat(v).isEqualTo(Map.of("a", java.util.Arrays.asList(1L, -25.0, true, false, null, "x\"\u00e9\n"),
                "b", Map.of(), "c", List.of()));
        assertThat(JsonValue.parse("123456789012")).isEqualTo(123456789012L);
        assertThat(JsonValue.parse("\"runc\"")).isEqualTo("runc");
    }

    @Test
    void shouldRejectWhatJsonDoesNotAllow() {
        for (String bad : new String[] {"", "{", "{\"a\"}", "{\"a\":1,}", "[1 2]", "01x", "\"\\q\"", "tru", "{} {}",
                "\"a\nb\"", "{a:1}", "-"}) {
            assertThatThrownBy(() -> JsonValue.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("offset");
        }
    }

    @Test
    void shouldStopAtAbsurdNesting() {
        assertThatThrownBy(() -> JsonValue.parse("[".repeat(100) + "]".repeat(100))).hasMessageContaining("nested");
    }
}
