package org.canister.daemon.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.canister.core.audit.AuditRecord;
import org.canister.core.audit.AuditStamp;
import org.canister.core.audit.AuditTypes;
import org.junit.jupiter.api.Test;

/** Which SYSCALL records the agent hands to the namespace tracker: those keyed canister-ns, alone or among others. */
class AuditAgentNsKeyTest {
    private static AuditRecord syscall(String key) {
        return new AuditRecord(AuditTypes.SYSCALL, new AuditStamp(1, 0, 7),
                "arch=c000003e syscall=272 success=yes exit=0 pid=10 key=" + key);
    }

    @Test
    void shouldMatchTheQuotedKey() {
        assertThat(AuditAgent.hasNsKey(syscall("\"canister-ns\""))).isTrue();
    }

    @Test
    void shouldMatchTheKeyAmongSeveralHexEncoded() {
        // kernel/auditsc.c: several keys are joined with 0x01 and the value is logged as hex
        String hex = HexFormat.of().withUpperCase().formatHex("mine\u0001canister-ns".getBytes(StandardCharsets.US_ASCII));
        assertThat(AuditAgent.hasNsKey(syscall(hex))).isTrue();
    }

    @Test
    void shouldNotMatchOtherKeysOrNone() {
        assertThat(AuditAgent.hasNsKey(syscall("\"canister-ns2\""))).isFalse();
        assertThat(AuditAgent.hasNsKey(syscall("(null)"))).isFalse();
        String hex = HexFormat.of().formatHex("a\u0001canister".getBytes(StandardCharsets.US_ASCII));
        assertThat(AuditAgent.hasNsKey(syscall(hex))).isFalse();
    }
}
