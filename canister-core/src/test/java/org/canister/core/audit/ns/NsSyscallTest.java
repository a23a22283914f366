package org.canister.core.audit.ns;

import static org.assertj.core.api.Assertions.assertThat;

import org.canister.core.audit.AuditRecord;
import org.canister.core.audit.AuditRecordText;
import org.canister.core.audit.AuditTypes;
import org.junit.jupiter.api.Test;

class NsSyscallTest {

    private static AuditRecord record(String body) {
        return AuditRecordText.parse(AuditTypes.SYSCALL, "audit(1763830000.123:9001): " + body);
    }

    @Test
    void shouldReadAnUnshareRecordAsTheKernelWritesIt() {
        // from a 6.18 kernel: `unshare -n true` under the canister-ns rule
        NsSyscall sc = NsSyscall.parse(record("arch=c000003e syscall=272 success=yes exit=0 a0=40000000 a1=0"
                + " a2=ffffffffffffffff a3=0 items=0 ppid=4100 pid=4107 auid=4294967295 uid=0 gid=0 euid=0 suid=0"
                + " fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm=\"unshare\" exe=\"/usr/bin/unshare\""
                + " subj=unconfined key=\"canister-ns\""));
        assertThat(sc).isNotNull();
        assertThat(sc.kind()).isEqualTo(NsSyscall.Kind.UNSHARE);
        assertThat(sc.pid()).isEqualTo(4107);
        assertThat(sc.a0()).isEqualTo(0x40000000L);
        assertThat(sc.flags()).isEqualTo(0x40000000L);
        assertThat(sc.flagsKnown()).isTrue();
        assertThat(sc.child()).isEqualTo(-1);
        assertThat(sc.stamp().serial()).isEqualTo(9001);
    }

    @Test
    void shouldReadTheChildOfACloneAndItsThreadFlag() {
        NsSyscall sc = NsSyscall.parse(record("arch=c000003e syscall=56 success=yes exit=5120 a0=40010011 a1=0 pid=77"));
        assertThat(sc.kind()).isEqualTo(NsSyscall.Kind.CLONE);
        assertThat(sc.child()).isEqualTo(5120);
        assertThat(sc.spawnsThread()).isTrue();
        assertThat(sc.flags()).as("the exit signal byte is not CLONE_NEWTIME").isEqualTo(0x40000000L);
    }

    @Test
    void shouldTreatClone3AndSetnsWithoutTypeAsUnknownFlags() {
        assertThat(NsSyscall.parse(record("arch=c000003e syscall=435 success=yes exit=6 a0=7ffd1 a1=58 pid=5")).flagsKnown())
                .isFalse();
        assertThat(NsSyscall.parse(record("arch=c000003e syscall=308 success=yes exit=0 a0=3 a1=0 pid=5")).flagsKnown())
                .isFalse();
        NsSyscall setnsNet = NsSyscall.parse(record("arch=c000003e syscall=308 success=yes exit=0 a0=3 a1=40000000 pid=5"));
        assertThat(setnsNet.flagsKnown()).isTrue();
        assertThat(setnsNet.flags()).isEqualTo(0x40000000L);
    }

    @Test
    void shouldRejectFailuresOtherSyscallsOtherArchesAndOtherTypes() {
        assertThat(NsSyscall.parse(record("arch=c000003e syscall=272 success=no exit=-1 a0=40000000 a1=0 pid=5"))).isNull();
        assertThat(NsSyscall.parse(record("arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=0 pid=5"))).isNull();
        assertThat(NsSyscall.parse(record("arch=40000003 syscall=310 success=yes exit=0 a0=40000000 a1=0 pid=5"))).isNull();
        assertThat(NsSyscall.parse(record("arch=c000003e syscall=272 success=yes exit=0 a0=40000000 a1=0"))).isNull();
        assertThat(NsSyscall.parse(AuditRecordText.parse(AuditTypes.PATH, "audit(1.000:1): item=0 name=\"/\""))).isNull();
    }
}
