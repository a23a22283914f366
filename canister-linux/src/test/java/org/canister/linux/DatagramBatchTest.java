package org.canister.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** recvmmsg(2) through {@link DatagramBatch} over a datagram socketpair (no privilege needed). */
class DatagramBatchTest {

    private static String text(DatagramBatch b, int i) {
        byte[] out = new byte[b.datagram(i).remaining()];
        b.datagram(i).duplicate().get(out);
        return new String(out, StandardCharsets.US_ASCII);
    }

    @Test
    void shouldTakeQueuedDatagramsInBatchesAndStopShortWhenTheQueueRunsDry() {
        int[] pair = Libc.socketpair(Libc.AF_UNIX, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        try (DatagramBatch batch = DatagramBatch.allocate(2, 64)) {
            for (String s : new String[] {"one", "two", "three"}) {
                byte[] b = s.getBytes(StandardCharsets.US_ASCII);
                assertThat(Libc.write(pair[0], b, 0, b.length)).isEqualTo(b.length);
            }
            assertThat(Libc.recvmmsg(pair[1], batch, Libc.MSG_DONTWAIT)).isEqualTo(2);
            assertThat(batch.count()).isEqualTo(2);
            assertThat(text(batch, 0)).isEqualTo("one");
            assertThat(text(batch, 1)).isEqualTo("two");
            assertThat(batch.length(1)).isEqualTo(3);
            assertThat(batch.truncated(0)).isFalse();
            assertThat(batch.sourcePid(0)).as("not a netlink sender").isEqualTo(-1);
            assertThat(Libc.recvmmsg(pair[1], batch, Libc.MSG_DONTWAIT)).as("fewer than the slots: queue empty").isEqualTo(1);
            assertThat(text(batch, 0)).isEqualTo("three");
            assertThatThrownBy(() -> batch.datagram(1)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThat(Libc.recvmmsg(pair[1], batch, Libc.MSG_DONTWAIT)).as("EAGAIN").isZero();
        } finally {
            Libc.close(pair[0]);
            Libc.close(pair[1]);
        }
    }

    @Test
    void shouldReportTheRealLengthOfADatagramThatDidNotFit() {
        int[] pair = Libc.socketpair(Libc.AF_UNIX, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        try (DatagramBatch batch = DatagramBatch.allocate(4, 8)) {
            byte[] big = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
            Libc.write(pair[0], big, 0, big.length);
            assertThat(Libc.recvmmsg(pair[1], batch, Libc.MSG_DONTWAIT | Libc.MSG_TRUNC)).isEqualTo(1);
            assertThat(batch.truncated(0)).isTrue();
            assertThat(batch.length(0)).isEqualTo(16);
            assertThat(text(batch, 0)).isEqualTo("01234567");
        } finally {
            Libc.close(pair[0]);
            Libc.close(pair[1]);
        }
    }

    @Test
    void shouldRefuseSillySizes() {
        assertThatThrownBy(() -> DatagramBatch.allocate(0, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DatagramBatch.allocate(2000, 10)).isInstanceOf(IllegalArgumentException.class);
    }
}
