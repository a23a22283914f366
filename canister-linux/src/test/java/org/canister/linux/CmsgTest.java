package org.canister.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.junit.jupiter.api.Test;

class CmsgTest {

    @Test
    void shouldFollowTheCmsgMacrosOfX8664() {
        assertThat(Cmsg.len(4)).isEqualTo(20);
        assertThat(Cmsg.space(4)).isEqualTo(24);
        assertThat(Cmsg.space(12)).isEqualTo(32);
        assertThat(Cmsg.space(0)).isEqualTo(16);
    }

    @Test
    void shouldRoundTripRightsAndSkipOtherControlMessages() {
        ByteBuffer b = ByteBuffer.allocate(128).order(ByteOrder.nativeOrder());
        // A SCM_CREDENTIALS message (type 2, 12 bytes) first: must be skipped, not read as fds.
        b.putLong(0, Cmsg.len(12));
        b.putInt(8, Libc.SOL_SOCKET);
        b.putInt(12, 2);
        b.putInt(16, 111);
        b.putInt(20, 0);
        b.putInt(24, 0);
        int at = Cmsg.space(12);
        at += Cmsg.putRights(b, at, new int[] {7, 8, 9});
        b.limit(at);
        assertThat(b.getLong(Cmsg.space(12))).isEqualTo(Cmsg.len(12));
        assertThat(Cmsg.rights(b)).containsExactly(7, 8, 9);
    }

    @Test
    void shouldStopAtATruncatedHeader() {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.nativeOrder());
        int used = Cmsg.putRights(b, 0, new int[] {5});
        b.putLong(used, 1000); // claims more bytes than exist
        b.limit(used + 16);
        assertThat(Cmsg.rights(b)).containsExactly(5);
    }
}
