package org.canister.core.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuditFieldsTest {

    @Test
    void shouldFindPlainQuotedAndLastFields() {
        String body = "arch=c000003e syscall=59 comm=\"a b\" exe=\"/usr/bin/true\" key=(null)";

        assertThat(AuditFields.get(body, "arch")).isEqualTo("c000003e");
        assertThat(AuditFields.get(body, "syscall")).isEqualTo("59");
        assertThat(AuditFields.get(body, "comm")).isEqualTo("\"a b\"");
        assertThat(AuditFields.get(body, "key")).isEqualTo("(null)");
        assertThat(AuditFields.get(body, "sys")).isNull();
        assertThat(AuditFields.get(body, "call")).isNull();
    }

    @Test
    void shouldNotMatchKeyInsideQuotedValue() {
        String body = "comm=\"pid=7\" pid=8";

        assertThat(AuditFields.get(body, "pid")).isEqualTo("8");
        assertThat(AuditFields.getLong(body, "pid", -1)).isEqualTo(8);
    }

    @Test
    void shouldDescendIntoUserMessageFields() {
        String body = "pid=4100 uid=0 auid=1000 ses=3 msg='op=PAM:session_open acct=\"root\" exe=\"/usr/bin/su\" res=success'";

        assertThat(AuditFields.get(body, "msg")).isEqualTo("'op=PAM:session_open acct=\"root\" exe=\"/usr/bin/su\" res=success'");
        assertThat(AuditFields.get(body, "res")).isEqualTo("success");
        assertThat(AuditFields.get(body, "acct")).isEqualTo("\"root\"");
        assertThat(AuditFields.getLong(body, "pid", -1)).isEqualTo(4100);
    }

    @Test
    void shouldSkipTokensThatAreNotFields() {
        String body = "avc:  denied  { read } for  pid=12 comm=\"cat\" name=\"shadow\"";
        List<String> keys = new ArrayList<>();
        AuditFields.forEach(body, (b, ks, ke, vs, ve) -> keys.add(b.substring(ks, ke)));

        assertThat(keys).containsExactly("pid", "comm", "name");
    }

    @Test
    void shouldDecodeHexEncodedUntrustedStrings() {
        assertThat(AuditFields.decodeUntrusted("2F746D702F6120622F78")).isEqualTo("/tmp/a b/x");
        assertThat(AuditFields.decodeUntrusted("\"/bin/true\"")).isEqualTo("/bin/true");
        assertThat(AuditFields.decodeUntrusted("(null)")).isEqualTo("(null)");
        assertThat(AuditFields.decodeUntrusted("ABC")).isEqualTo("ABC");
    }

    @Test
    void shouldReturnFallbackForNonDecimal() {
        assertThat(AuditFields.getLong("exit=-13 x=abc", "exit", 0)).isEqualTo(-13);
        assertThat(AuditFields.getLong("exit=-13 x=abc", "x", 42)).isEqualTo(42);
        assertThat(AuditFields.getLong("x=99999999999999999999", "x", 42)).isEqualTo(42);
    }
}
