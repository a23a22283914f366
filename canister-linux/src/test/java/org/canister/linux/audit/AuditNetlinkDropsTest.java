package org.canister.linux.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.canister.linux.Libc;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class AuditNetlinkDropsTest {
    private static final List<String> PROC = List.of(
            "sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode",
            "000000007cca7c90 0   0          00000000 0        0        0     2        0        4       ",
            "00000000a1b2c3d4 9   4242       00000000 65536    0        0     2        17       7223460 ",
            "00000000a1b2c3d5 9   -4100      00000001 0        0        0     2        3        7223461 ");

    @Test
    void shouldFindTheDropsOfASocketByItsInode() {
        assertThat(AuditNetlink.dropsOf(PROC, 7223460)).isEqualTo(17);
        assertThat(AuditNetlink.dropsOf(PROC, 7223461)).isEqualTo(3);
        assertThat(AuditNetlink.dropsOf(PROC, 99)).isEqualTo(-1);
    }

    @Test
    @Tag("root")
    void shouldReadTheRealSocketsDropsAndAcceptNoEnobufs() {
        Assumptions.assumeTrue(Libc.geteuid() == 0, "needs root (audit netlink)");
        try (AuditNetlink nl = AuditNetlink.open()) {
            nl.setNoEnobufs();
            nl.status(); // a netlink socket is listed in /proc/net/netlink once bound (autobind on first send)
            assertThat(nl.kernelDrops()).isZero();
        }
    }
}
