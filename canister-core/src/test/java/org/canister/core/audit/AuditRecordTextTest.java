package org.canister.core.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.canister.core.CanisterException;
import org.canister.core.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AuditRecordTextTest {

    private static final String SYSCALL_PAYLOAD = "audit(1700000000.123:41): arch=c000003e syscall=59 success=yes exit=0"
            + " a0=55d0 a1=55d1 a2=55d2 a3=0 items=2 ppid=100 pid=101 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0"
            + " egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=\"true\" exe=\"/usr/bin/true\" subj=unconfined key=\"exec\"";

    @Test
    void shouldParseStampTypeAndBodyOfKernelPayload() {
        byte[] bytes = SYSCALL_PAYLOAD.getBytes(StandardCharsets.ISO_8859_1);
        AuditRecord r = AuditRecordText.parse(1300, bytes, 0, bytes.length);

        assertThat(r.type()).isEqualTo(AuditTypes.SYSCALL);
        assertThat(r.stamp()).isEqualTo(new AuditStamp(1700000000L, 123, 41));
        assertThat(r.body()).startsWith("arch=c000003e syscall=59").endsWith("key=\"exec\"");
        assertThat(r.field("pid")).isEqualTo("101");
    }

    @Test
    void shouldFormatAuditdRawLineWithTypeName() {
        AuditRecord r = AuditRecordText.parse(1300, SYSCALL_PAYLOAD);

        assertThat(AuditRecordText.format(r)).isEqualTo("type=SYSCALL msg=" + SYSCALL_PAYLOAD);
        assertThat(AuditRecordText.format(r, "host1")).isEqualTo("node=host1 type=SYSCALL msg=" + SYSCALL_PAYLOAD);
        assertThat(AuditRecordText.payload(r)).isEqualTo(SYSCALL_PAYLOAD);
    }

    @Test
    void shouldPrintMillisWithThreeDigits() {
        AuditRecord r = AuditRecordText.parse(1320, "audit(1700000000.005:7): ");

        assertThat(r.stamp().millis()).isEqualTo(5);
        assertThat(AuditRecordText.format(r)).isEqualTo("type=EOE msg=audit(1700000000.005:7):");
    }

    @Test
    void shouldParseSliceOfLargerBufferAndStopAtNul() {
        byte[] buf = ("xxxxaudit(1.001:2): op=test res=1\0garbage").getBytes(StandardCharsets.ISO_8859_1);
        AuditRecord r = AuditRecordText.parse(1305, buf, 4, buf.length - 4);

        assertThat(r.body()).isEqualTo("op=test res=1");
    }

    @Test
    void shouldKeepNonAsciiBytesOneToOne() {
        byte[] buf = {'a', 'u', 'd', 'i', 't', '(', '1', '.', '0', '0', '0', ':', '1', ')', ':', ' ', 'x', '=', (byte) 0xC3, (byte) 0xA9};
        AuditRecord r = AuditRecordText.parse(1107, buf, 0, buf.length);

        assertThat(r.body().getBytes(StandardCharsets.ISO_8859_1)).containsExactly('x', '=', (byte) 0xC3, (byte) 0xA9);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "hello",
        "audit(|",
        "audit(1.2)",
        "audit(1.2:): x",
        "audit(.2:3): x",
        "audit(1.2:3) x",
        "audit(1.2345:3): x",
        "audit(1x2:3): x",
    })
    void shouldRejectMalformedPayloadWithEinval(String payload) {
        assertThatThrownBy(() -> AuditRecordText.parse(1300, payload))
                .isInstanceOfSatisfying(CanisterException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                    assertThat(e.getMessage()).contains("type 1300").contains("audit(<sec>.<msec>:<serial>)");
                });
        byte[] bytes = payload.getBytes(StandardCharsets.ISO_8859_1);
        assertThat(AuditRecordText.tryParse(1300, bytes, 0, bytes.length)).isNull();
    }

    @ParameterizedTest
    @CsvSource({
        "1300, SYSCALL", "1302, PATH", "1307, CWD", "1309, EXECVE", "1327, PROCTITLE", "1320, EOE",
        "1100, USER_AUTH", "1105, USER_START", "1112, USER_LOGIN", "1123, USER_CMD", "1305, CONFIG_CHANGE",
        "1200, DAEMON_START", "1203, DAEMON_CONFIG", "1209, DAEMON_ERR", "1006, LOGIN", "1318, OBJ_PID",
        "1324, NETFILTER_PKT", "1326, SECCOMP", "1005, USER", "1335, EVENT_LISTENER", "1336, URINGOP",
        "1400, AVC", "1700, ANOM_PROMISCUOUS", "2000, KERNEL", "1331, FANOTIFY", "1334, BPF",
        "1020, UNKNOWN[1020]", "1022, UNKNOWN[1022]", "1301, UNKNOWN[1301]", "1000, UNKNOWN[1000]",
        "999, UNKNOWN[999]", "3000, UNKNOWN[3000]", "2507, VIRT_MIGRATE_OUT",
    })
    void shouldNameTypesAsAuditd309(int type, String name) {
        assertThat(AuditTypes.displayName(type)).isEqualTo(name);
        assertThat(AuditTypes.number(name)).isEqualTo(type);
    }

    @Test
    void shouldRoundTripRawLogLine() {
        String line = "node=h type=UNKNOWN[1020] msg=audit(1700000000.123:41): op=set opid=4242 contid=123456 res=1";
        AuditRecord r = AuditRecordText.parseLine(line);

        assertThat(r.type()).isEqualTo(1020);
        assertThat(AuditRecordText.format(r, "h")).isEqualTo(line);
        assertThatThrownBy(() -> AuditRecordText.parseLine("type=NOPE msg=audit(1.000:1): x"))
                .isInstanceOfSatisfying(CanisterException.class, e -> assertThat(e.getMessage()).contains("NOPE"));
    }

    @ParameterizedTest
    @CsvSource({
        "1327, true", "1320, true", "1005, true", "1006, false", "1100, true", "1199, true", "1209, true",
        "1299, true", "1300, false", "1302, false", "1305, false", "1318, false", "1400, false", "1405, false",
        "1406, true", "1419, true", "1420, false", "1700, true", "2000, true", "2500, true", "1000, false",
    })
    void shouldClassifyLastRecordTypesAsAuparse(int type, boolean last) {
        assertThat(AuditTypes.isLastRecord(type)).isEqualTo(last);
    }
}
